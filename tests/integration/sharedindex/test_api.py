"""The HTTP API: sources, upload, search, clusters, explain, OAI-PMH and SRU."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from lxml import etree

from tests.integration.sharedindex.helpers import bib, iso
from tests.support.factories import TenantFixture

OAI = {"o": "http://www.openarchives.org/OAI/2.0/", "m": "http://www.loc.gov/MARC21/slim"}
SRU = {"s": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
       "m": "http://www.loc.gov/MARC21/slim"}


def _source(client: TestClient, tenant: TenantFixture, code: str, **extra: object) -> None:
    response = client.post("/sharedindex/sources", json={"code": code, **extra},
                           headers=tenant.headers())
    assert response.status_code == 201, response.text


def _upload(client: TestClient, tenant: TenantFixture, code: str, data: bytes) -> dict:
    response = client.post(f"/sharedindex/sources/{code}/records", content=data,
                           headers=tenant.headers())
    assert response.status_code == 200, response.text
    return response.json()


def test_upload_search_and_cluster(client: TestClient, tenant_a: TenantFixture,
                                   tenant_b: TenantFixture, marc_dir: Path) -> None:
    _source(client, tenant_a, "ALPHA", symbol="ISIL:US-AL")
    _source(client, tenant_b, "BETA", preset="949")
    report = _upload(client, tenant_a, "ALPHA", (marc_dir / "pymarc-5.4.0/test.dat").read_bytes())
    assert report["inserted"] == 10 and report["ignored"] == 0
    gz = (marc_dir / "loc-booksall-2016/BooksAll.2016.part01.matches-for-other-dev-sources.mrc")
    assert _upload(client, tenant_b, "BETA", gz.read_bytes())["inserted"] == 27
    found = client.get("/sharedindex/search", params={"title": "perl", "limit": 3},
                       headers=tenant_b.headers("staff")).json()
    assert found["total"] >= 8 and len(found["clusters"]) == 3
    assert found["facets"]["library"]["ALPHA"] >= 8 and "BETA" in found["facets"]["library"]
    page2 = client.get("/sharedindex/search", params={"title": "perl", "limit": 3, "offset": 3},
                       headers=tenant_b.headers("staff")).json()
    assert {c["cluster_id"] for c in page2["clusters"]}.isdisjoint(
        {c["cluster_id"] for c in found["clusters"]})
    by_isbn = client.get("/sharedindex/search", params={"isbn": "0-596-00027-8"},
                         headers=tenant_a.headers()).json()
    assert by_isbn["total"] == 1 and by_isbn["clusters"][0]["libraries"] == ["ALPHA", "BETA"]
    cluster_id = by_isbn["clusters"][0]["cluster_id"]
    one = client.get(f"/sharedindex/clusters/{cluster_id}", headers=tenant_a.headers()).json()
    assert {r["symbol"] for r in one["records"]} == {"ISIL:US-AL", "RESHARE:BETA"}
    assert "isbn:9780596000271" in one["match_values"]
    assert client.get("/sharedindex/clusters/nope", headers=tenant_a.headers()).status_code == 404
    by_author = client.get("/sharedindex/search", params={"author": "wall", "q": "perl"},
                           headers=tenant_a.headers()).json()
    assert cluster_id in {c["cluster_id"] for c in by_author["clusters"]}
    why = client.get("/sharedindex/explain", params={"a": "ALPHA:fol05865967",
                                                     "b": "BETA:00055799"},
                     headers=tenant_a.headers()).json()
    assert why["same_cluster"] is True
    bad = client.get("/sharedindex/search", headers=tenant_a.headers())
    assert bad.status_code == 422 and "keyword" in bad.json()["message"]


def test_only_the_owning_library_admin_changes_a_source(client: TestClient,
                                                        tenant_a: TenantFixture) -> None:
    staff = client.post("/sharedindex/sources", json={"code": "ALPHA"},
                        headers=tenant_a.headers("staff"))
    assert staff.status_code == 403
    _source(client, tenant_a, "ALPHA")
    again = client.post("/sharedindex/sources", json={"code": "alpha"}, headers=tenant_a.headers())
    assert again.status_code == 409
    bad = client.post("/sharedindex/sources", json={"code": "X Y"}, headers=tenant_a.headers())
    assert bad.status_code == 422
    wrong = client.put("/sharedindex/sources/ALPHA", json={"preset": "aleph"},
                       headers=tenant_a.headers())
    assert wrong.status_code == 422 and "preset" in wrong.json()["message"]
    ok = client.put("/sharedindex/sources/ALPHA", json={"preset": "koha", "name": "Alpha"},
                    headers=tenant_a.headers())
    assert ok.json()["preset"] == "koha"
    empty = client.post("/sharedindex/sources/ALPHA/records", content=b"",
                        headers=tenant_a.headers())
    assert empty.status_code == 422


def _oai(client: TestClient, **params: str) -> etree._Element:
    response = client.get("/sharedindex/oai", params=params)
    assert response.status_code == 200
    return etree.fromstring(response.content)


def test_oai_pmh_serves_merged_records_pages_and_deletes(client: TestClient,
                                                        tenant_a: TenantFixture,
                                                        tenant_b: TenantFixture) -> None:
    _source(client, tenant_a, "ALPHA")
    _source(client, tenant_b, "BETA")
    _upload(client, tenant_a, "ALPHA", iso(
        bib("a1", "Shared work", isbn="9780596000271", holdings=[{"b": "MAIN", "h": "QA1"}]),
        bib("a2", "Second", isbn="9781565926998"), bib("a3", "Third")))
    _upload(client, tenant_b, "BETA", iso(bib("b1", "Shared work", isbn="9780596000271")))
    assert _oai(client, verb="Identify").find(".//o:deletedRecord", OAI).text == "persistent"
    page = _oai(client, verb="ListRecords", metadataPrefix="marcxml", limit="2")
    assert len(page.findall(".//o:record", OAI)) == 2
    token = page.find(".//o:resumptionToken", OAI).text
    rest = _oai(client, verb="ListRecords", resumptionToken=token)
    assert len(rest.findall(".//o:record", OAI)) == 1
    assert not rest.find(".//o:resumptionToken", OAI).text
    ids = [e.text for e in page.findall(".//o:identifier", OAI)] + [
        e.text for e in rest.findall(".//o:identifier", OAI)]
    shared = next(i for i in ids if _holdings(_oai(client, verb="GetRecord", identifier=i,
                                                   metadataPrefix="marcxml"))[1] == 2)
    record = _oai(client, verb="GetRecord", identifier=shared, metadataPrefix="marcxml")
    cluster_field, holdings = _holdings(record)
    assert cluster_field["i"] == shared.removeprefix("oai:")
    found = {(h["s"], h["l"], h["p"]) for h in holdings_list(record)}
    assert found == {("RESHARE:ALPHA", "a1", "LOANABLE"), ("RESHARE:BETA", "b1", "LOANABLE")}
    _upload(client, tenant_a, "ALPHA", iso(bib("a3", "Third", deleted=True)))
    changed = _oai(client, verb="ListIdentifiers", metadataPrefix="marcxml")
    assert len(changed.findall(".//o:header[@status='deleted']", OAI)) == 1
    errors = {_oai(client, verb="Nope").find("o:error", OAI).get("code"),
              _oai(client, verb="ListRecords").find("o:error", OAI).get("code"),
              _oai(client, verb="ListRecords", metadataPrefix="dc").find("o:error", OAI)
              .get("code"),
              _oai(client, verb="ListRecords", resumptionToken="zz").find("o:error", OAI)
              .get("code"),
              _oai(client, verb="ListRecords", metadataPrefix="marcxml", **{"from": "2999-01-01"})
              .find("o:error", OAI).get("code")}
    assert errors == {"badVerb", "badArgument", "cannotDisseminateFormat",
                      "badResumptionToken", "noRecordsMatch"}


def holdings_list(root: etree._Element) -> list[dict[str, str]]:
    return [{sf.get("code"): sf.text for sf in df}
            for df in root.iterfind(".//m:datafield[@tag='999'][@ind1='1'][@ind2='1']", OAI)]


def _holdings(root: etree._Element) -> tuple[dict[str, str], int]:
    cluster = root.find(".//m:datafield[@tag='999'][@ind1='1'][@ind2='0']", OAI)
    fields = {sf.get("code"): sf.text for sf in cluster} if cluster is not None else {}
    return fields, len(holdings_list(root))


def test_sru_cql_subset(client: TestClient, tenant_a: TenantFixture) -> None:
    _source(client, tenant_a, "ALPHA")
    _upload(client, tenant_a, "ALPHA", iso(
        bib("a1", "Programming Perl", isbn="9780596000271", author="Wall, Larry"),
        bib("a2", "Learning Python", isbn="9781565924642", author="Lutz, Mark")))

    def count(query: str, **extra: str) -> tuple[int, etree._Element]:
        root = etree.fromstring(client.get("/sharedindex/sru", params={
            "version": "2.0", "operation": "searchRetrieve", "query": query, **extra}).content)
        return int(root.find("s:numberOfRecords", SRU).text), root

    assert count('isbn="0596000278"')[0] == 1
    assert count("title=perl and author=wall")[0] == 1
    assert count("title=perl or title=python")[0] == 2
    assert count("(title=perl or title=python) not author=lutz")[0] == 1
    assert count("python")[0] == 1
    number, root = count("title all programming", maximumRecords="1")
    cluster = root.find(".//m:datafield[@tag='999'][@ind1='1'][@ind2='0']/m:subfield[@code='i']",
                        SRU).text
    assert count(f"rec.id={cluster}")[0] == 1
    _, bad = count("nosuchindex=1")
    assert "diagnostic/1/16" in etree.tostring(bad).decode()
    _, old = count("title=perl", version="1.1")
    assert "diagnostic/1/5" in etree.tostring(old).decode()
