"""The OpenURL mapping on every real sample in /work/shared/samples/openurl."""

from __future__ import annotations

from pathlib import Path

import pytest

from reshare.openurl.mapping import parse_openurl

SAMPLES = Path("/work/shared/samples/openurl")
LOCAL = Path(__file__).parents[2] / "fixtures" / "openurl"


def _lines() -> list[tuple[str, str]]:
    found = []
    for path in sorted(LOCAL.iterdir()):
        for n, line in enumerate(path.read_text().splitlines()):
            if line.strip():
                found.append((f"{path.name}:{n + 1}", line.strip()))
    return found


def test_fixtures_hold_every_shared_sample() -> None:
    assert len(_lines()) >= 5
    if not SAMPLES.exists():
        pytest.skip("shared samples folder not on this machine")
    for path in SAMPLES.iterdir():
        assert (LOCAL / path.name).read_text() == path.read_text(), path.name


@pytest.mark.parametrize(("name", "url"), _lines())
def test_every_sample_maps_without_error_and_has_a_title(name: str, url: str) -> None:
    req = parse_openurl(url)
    assert req.title, name
    assert req.missing_basic_data() is not None


def test_primo_book_through_illiad_link() -> None:
    url = (LOCAL / "listener-openurl__example1.openurl").read_text().strip()
    req = parse_openurl(url)
    assert req.version == "1.0"
    assert req.title == "Property and wealth in classical Sparta"  # ISBD " /" dropped
    assert req.publication_date == "2000"  # trailing "." dropped
    assert req.place_of_publication == "London"  # " :" dropped
    assert req.publisher == "Duckworth and the Classical Press of Wales"
    assert req.isbn == "0715630407"
    assert req.author is None  # rft.au="," is no author
    assert req.publication_type == "Book"
    assert req.referrer_id == "info:sid/primo.exlibrisgroup.com-01NWU_ALMA"
    assert req.title_of_component is None  # rft.atitle is empty
    assert req.missing_basic_data() == ["author", "pickup_location"]


def test_primo_article_through_umlaut() -> None:
    url = (LOCAL / "listener-openurl__new-school2.openurl").read_text().strip()
    req = parse_openurl(url)
    assert req.title == "Journal of Vertebrate Paleontology"
    assert req.title_of_component.startswith("A re-evaluation of Brachiosaurus altithorax")
    assert req.author == "Taylor, Michael P."
    assert req.publisher == "Taylor & Francis Group"  # unescaped "&" repaired
    assert (req.volume, req.issue) == ("29", "3")
    assert (req.start_page, req.number_of_pages) == ("787", "20")
    assert (req.issn, req.eissn) == ("0272-4634", "1937-2809")
    assert req.doi == "10.1671/039.029.0309"
    assert req.identifiers == ["info:doi/10.1671/039.029.0309"]  # empty info:oai/ dropped
    assert req.system_instance_identifier is None
    assert req.publication_type == "Article"
    assert req.missing_basic_data() == ["pickup_location"]


def test_primo_article_with_sloppy_format_key() -> None:
    url = (LOCAL / "listener-openurl__new-school1.openurl").read_text().strip()
    req = parse_openurl(url)
    assert req.title == "Geological Journal"
    assert req.author == "Jagt, John W. M."
    assert (req.start_page, req.number_of_pages) == ("284", "2")
    assert req.issue == "2-3"
    assert req.publication_date == "2013-03"


def test_mod_rs_queries() -> None:
    lines = (LOCAL / "mod-rs__testOpenURL-queries.txt").read_text().split()
    first, second = parse_openurl(lines[0]), parse_openurl(lines[1])
    assert first.illiad_id == "illiad123"
    assert first.pickup_location == "ChasSlug"
    assert first.missing_basic_data() == ["author"]
    assert second.version == "0.1"
    assert second.title == "title"
    assert second.stitle == "stitle"
    assert second.title_of_component == "atitle"
    assert second.author == "authorLastName, authorFirstName"
    assert second.pickup_location == "ChasSlug"
    assert second.artnum == "articleNumber"
    assert second.has_basic_data
