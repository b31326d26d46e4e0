"""The OpenURL mapping on OpenURLs as link resolvers and discovery layers send them."""

from __future__ import annotations

import pytest

from reshare.openurl.mapping import parse_openurl
from reshare.openurl.model import split_query


def test_vufind_reshare_book_with_cluster_id_is_enough_without_author() -> None:
    req = parse_openurl(
        "url_ver=Z39.88-2004&ctx_ver=Z39.88-2004&ctx_enc=info%3Aofi%2Fenc%3AUTF-8"
        "&rfr_id=info%3Asid%2Fvufind.svn.sourceforge.net%3Agenerator"
        "&rft_val_fmt=info%3Aofi%2Ffmt%3Akev%3Amtx%3Abook&rft.genre=book"
        "&rft.btitle=The+left+hand+of+darkness&rft_id=4a1f0a52-7c1e-4c59-b0b4-1b9b1b3a9d1e"
        "&svc.pickupLocation=main-circ&req_id=P1234")
    assert req.title == "The left hand of darkness"
    assert req.system_instance_identifier == "4a1f0a52-7c1e-4c59-b0b4-1b9b1b3a9d1e"
    assert req.author is None
    assert req.has_basic_data  # rft_id alone is enough
    assert req.patron_identifier == "P1234"
    assert req.referrer_id == "info:sid/vufind.svn.sourceforge.net:generator"


def test_ebsco_style_article_with_pmid_and_doi() -> None:
    req = parse_openurl(
        "https://resolver.example.edu/openurl?sid=EBSCO:MEDLINE&genre=article"
        "&title=Journal%20of%20Clinical%20Oncology&atitle=Outcomes%20of%20therapy"
        "&aulast=Smith&aufirst=Jane&auinit=J&volume=12&issue=4&spage=101&epage=109"
        "&date=2011&issn=0732-183X&id=doi:10.1200/JCO.2011.1&id=pmid:21234567")
    assert req.version == "0.1"
    assert req.referrer_id == "EBSCO:MEDLINE"
    assert req.title == "Journal of Clinical Oncology"
    assert req.title_of_component == "Outcomes of therapy"
    assert req.author == "Smith, Jane"
    assert (req.start_page, req.number_of_pages) == ("101", "9")
    assert req.doi == "10.1200/JCO.2011.1"
    assert req.pmid == "21234567"
    assert req.publication_type == "Article"


def test_google_scholar_0_1_book() -> None:
    req = parse_openurl("sid=google&auinit=U&aulast=Eco&title=Il+nome+della+rosa"
                        "&genre=book&isbn=9788845278655&date=1980&pickupLocation=branch-2")
    assert req.title == "Il nome della rosa"
    assert req.author == "Eco, U"
    assert req.publication_type == "Book"
    assert req.pickup_location == "branch-2"
    assert req.has_basic_data


def test_worldcat_book_with_oclc_number() -> None:
    req = parse_openurl(
        "ctx_ver=Z39.88-2004&rft_val_fmt=info:ofi/fmt:kev:mtx:book&rft.genre=book"
        "&rft.btitle=Middlemarch&rft.au=Eliot%2C+George&rft_id=info%3Aoclcnum%2F56417463"
        "&rft_id=urn%3AISBN%3A9780141439549&rfr_id=info%3Asid%2Ffirstsearch.oclc.org%3AWorldCat")
    assert req.oclc_number == "56417463"
    assert req.isbn == "9780141439549"
    assert req.author == "Eliot, George"
    assert req.system_instance_identifier is None  # typed ids are not cluster ids


def test_non_standard_oclc_key_with_prefix() -> None:
    req = parse_openurl("rft.btitle=Emma&rft.au=Austen&rft.oclc=ocm12345678")
    assert req.oclc_number == "12345678"


def test_book_chapter_from_a_link_resolver() -> None:
    req = parse_openurl(
        "url_ver=Z39.88-2004&rft_val_fmt=info:ofi/fmt:kev:mtx:book&rft.genre=bookitem"
        "&rft.btitle=Handbook+of+Ornithology&rft.atitle=Migration+of+swifts"
        "&rft.aulast=Lack&rft.aufirst=David&rft.auinitm=L&rft.pages=45-67"
        "&rft.isbn=978-0-19-850000-0&rft.pub=Oxford+UP&rft.place=Oxford&rft.date=1956"
        "&rft.edition=2nd+ed.&svc_id=copy")
    assert req.publication_type == "Chapter"
    assert req.title == "Handbook of Ornithology"
    assert req.title_of_component == "Migration of swifts"
    assert req.author == "Lack, David L"
    assert (req.start_page, req.number_of_pages) == ("45", "23")
    assert req.service_type == "copy"
    # a copy needs no pickup location, but does need a copyright declaration
    assert req.missing_basic_data() == ["copyright_type"]


def test_copy_with_everything_is_enough() -> None:
    req = parse_openurl(
        "rft.genre=article&rft.jtitle=Nature&rft.atitle=A+letter&rft.authorOfComponent=Watson"
        "&rft.date=1953&rft.copyrightType=US-CCG&svc_id=copy")
    assert req.copyright_type == "US-CCG"
    assert req.has_basic_data


@pytest.mark.parametrize(("genre", "expected"), [
    ("book", "Book"), ("bookitem", "Chapter"), ("article", "Article"), ("journal", "Journal"),
    ("issue", "Journal"), ("conference", "ConferenceProc"), ("proceeding", "ConferenceProc"),
    ("preprint", "Article"), ("report", "Report"), ("dissertation", "Thesis"),
    ("BOOK", "Book"), ("unknown", None), ("other", None), ("", None),
])
def test_genre_to_publication_type(genre: str, expected: str | None) -> None:
    assert parse_openurl(f"rft.genre={genre}&rft.title=x").publication_type == expected


@pytest.mark.parametrize(("query", "start", "count", "requested"), [
    ("rft.spage=10&rft.epage=12", "10", "3", None),
    ("rft.pages=361-386", "361", "26", None),
    ("rft.pages=361%E2%80%93386", "361", "26", None),  # en dash
    ("rft.spage=5&rft.pages=1-20", "5", "20", None),
    ("rft.spage=20&rft.epage=10", "20", None, None),  # backwards: count dropped
    ("rft.pages=xii-xx", None, None, "xii-xx"),  # not numbers: kept as text
    ("rft.spage=&rft.epage=", None, None, None),
    ("rft.spage=e1234", "e1234", None, None),
])
def test_pages(query: str, start: str | None, count: str | None, requested: str | None) -> None:
    req = parse_openurl(query + "&rft.title=x")
    assert (req.start_page, req.number_of_pages, req.pages_requested) == (start, count, requested)


@pytest.mark.parametrize(("query", "author"), [
    ("rft.au=Le+Guin%2C+Ursula+K.", "Le Guin, Ursula K."),
    ("rft.creator=Orwell", "Orwell"),
    ("rft.aulast=Morrison&rft.aufirst=Toni", "Morrison, Toni"),
    ("rft.aulast=Tolkien&rft.auinit=J.R.R.", "Tolkien, J.R.R."),
    ("rft.aulast=Tolkien&rft.auinit1=J&rft.auinitm=R", "Tolkien, J R"),
    ("rft.aulast=King&rft.aufirst=Martin+Luther&rft.ausuffix=Jr.", "King, Martin Luther, Jr."),
    ("rft.aulast=Plato", "Plato"),
    ("rft.aufirst=Madonna", "Madonna"),
    ("rft.aucorp=World+Health+Organization", "World Health Organization"),
    ("rft.au=,&rft.aulast=Homer", "Homer"),  # empty au falls through
    ("rft.au=&rft.creator=&rft.aulast=", None),
    ("rft.aulast=Rowling&rft.auinitl=J", "Rowling, J"),  # mod-rs spelling accepted
])
def test_authors(query: str, author: str | None) -> None:
    assert parse_openurl(query + "&rft.title=x").author == author


@pytest.mark.parametrize(("query", "title"), [
    ("rft.title=T&rft.btitle=B&rft.jtitle=J&rft.atitle=A", "T"),
    ("rft.btitle=B&rft.jtitle=J&rft.atitle=A", "B"),
    ("rft.jtitle=J&rft.atitle=A", "J"),
    ("rft.atitle=A", "A"),
    ("rft.title=&rft.btitle=+&rft.atitle=A", "A"),
    ("rft.title=Sparta+%2F&rft.btitle=X", "Sparta"),
    ("rft.title=Eine+Stadt+%3A", "Eine Stadt"),
    ("rft.title=R%C3%A9sum%C3%A9+d%27%C3%A9t%C3%A9", "Résumé d'été"),
])
def test_title_fallbacks(query: str, title: str) -> None:
    assert parse_openurl(query).title == title


def test_atitle_alone_is_the_title_not_a_component() -> None:
    req = parse_openurl("rft.genre=book&rft.atitle=Solo")
    assert (req.title, req.title_of_component) == ("Solo", None)


def test_version_detection() -> None:
    assert parse_openurl("title=x").version == "0.1"
    assert parse_openurl("rft_id=abc").version == "1.0"
    assert parse_openurl("req.emailAddress=a%40b.c&title=x").version == "1.0"
    assert parse_openurl("url_ver=Z39.88-2004&ctx_ver=Z39.88-2004").version == "1.0"


def test_0_1_title_goes_to_journal_title_for_articles() -> None:
    req = parse_openurl("genre=article&title=Science&atitle=Paper&issn=0036-8075")
    assert (req.title, req.title_of_component, req.issn) == ("Science", "Paper", "0036-8075")


def test_service_keys() -> None:
    long_note = "n" * 400
    req = parse_openurl(
        "rft.title=x&rft.au=y&svc.pickupLocation=main&svc.neededBy=2026-12-24"
        f"&svc.note={long_note}&svc.level=Rush&svc.costAmount=15.00&svc.costCurrency=USD"
        "&req.emailAddress=pat%40example.edu&req_id=B123&res.org=ISIL:DE-1&ctx_id=abc-1")
    assert req.pickup_location == "main"
    assert req.needed_by == "2026-12-24"
    assert req.patron_note == "n" * 255  # truncated
    assert req.service_level == "Rush"
    assert (req.max_cost_amount, req.max_cost_currency) == ("15.00", "USD")
    assert req.patron_email == "pat@example.edu"
    assert req.patron_identifier == "B123"
    assert req.requesting_org == "ISIL:DE-1"
    assert req.context_id == "abc-1"
    assert req.service_type == "loan"


def test_mailto_requester_gives_identifier_and_email() -> None:
    req = parse_openurl("rft.title=x&req_id=mailto:jo%40uni.example")
    assert (req.patron_identifier, req.patron_email) == ("jo@uni.example", "jo@uni.example")


def test_mod_rs_style_keys_are_accepted() -> None:
    req = parse_openurl("rft.title=x&req.id=P9&svc.id=copy&rft.identifier.illiad=77")
    assert (req.patron_identifier, req.service_type, req.illiad_id) == ("P9", "copy", "77")


def test_no_pickup_location_flag() -> None:
    req = parse_openurl("rft.title=x&rft.au=y&svc.noPickupLocation=true")
    assert req.has_basic_data


def test_unknown_service_falls_back_to_loan() -> None:
    assert parse_openurl("rft.title=x&svc_id=reshareRequest").service_type == "loan"


def test_template_junk_and_empty_ids_are_ignored() -> None:
    req = parse_openurl("rft.title=x&rft_id=info:pmid/&rft_%3Cprovider_id%3E={{control/x}}"
                        "&rft_id=info:oai/&rft.object_id=")
    assert req.identifiers == [] and req.pmid is None


def test_repeated_keys_first_non_empty_wins() -> None:
    req = parse_openurl("rft.isbn=&rft.isbn=111&rft.isbn=222&rft.title=x")
    assert req.isbn == "111"


def test_eisbn_used_when_no_isbn() -> None:
    assert parse_openurl("rft.title=x&rft.eisbn=999").isbn == "999"


def test_year_when_no_date() -> None:
    assert parse_openurl("rft.title=x&rft.year=1999.").publication_date == "1999"


def test_mapping_input_and_pairs_input() -> None:
    assert parse_openurl({"rft.title": "M"}).title == "M"
    assert parse_openurl([("title", "P"), ("aulast", "Q")]).author == "Q"


def test_nothing_at_all_is_not_enough() -> None:
    req = parse_openurl("")
    assert req.missing_basic_data() == ["title", "author", "pickup_location"]
    assert req.context_id  # a fresh id


def test_split_query_repairs_ampersands_only_inside_values() -> None:
    assert split_query("a=1&b=Tom%20&%20Jerry&c=") == [("a", "1"), ("b", "Tom & Jerry"),
                                                       ("c", "")]
