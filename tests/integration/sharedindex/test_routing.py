"""Rota source: the adapter a tenant's settings choose, local and remote (OAI-PMH/SRU)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from reshare.platform import Platform
from reshare.requests.ports import BibQuery, NullRouting
from reshare.settings import service as settings
from reshare.sharedindex import service
from reshare.sharedindex.routing import (
    LocalIndexRouting,
    OaiPmhRouting,
    UnavailableRouting,
    holdings_from_marcxml,
    routing_for_tenant,
)
from tests.integration.sharedindex.helpers import bib, load
from tests.support.factories import TenantFixture


def _setup(platform: Platform) -> str:
    service.create_source(platform.db, "ALPHA", tenant_id=None, symbol="ISIL:US-AL")
    service.create_source(platform.db, "BETA", tenant_id=None)
    load(platform.db, "ALPHA", bib("a1", "Programming Perl", isbn="9780596000271",
                                   author="Wall, Larry",
                                   holdings=[{"b": "REF", "h": "QA76", "z": "x"}]))
    load(platform.db, "BETA", bib("b1", "Programming Perl", isbn="0596000278",
                                  author="Wall, Larry", holdings=[{"b": "MAIN", "h": "QA76.73"}]))
    load(platform.db, "BETA", bib("b2", "Learning Python", isbn="9781565924642"))
    from reshare.sharedindex.search import Query, search

    return str(search(platform.db, Query(isbn="9780596000271"))["clusters"][0]["cluster_id"])


def _set(platform: Platform, tenant: TenantFixture, **values: str) -> None:
    with platform.db.tenant(tenant.id) as s:
        for key, value in values.items():
            settings.set_value(s, "sharedIndex", key, value)


def test_default_settings_route_from_our_own_index(platform: Platform,
                                                   tenant_a: TenantFixture) -> None:
    cluster = _setup(platform)
    adapter = routing_for_tenant(platform, tenant_a.id)
    assert isinstance(adapter, LocalIndexRouting)
    by_cluster = adapter.lenders_for(BibQuery(cluster_id=cluster))
    assert {(h.symbol, h.local_record_id, h.cluster_id) for h in by_cluster.holdings} == {
        ("ISIL:US-AL", "a1", cluster), ("RESHARE:BETA", "b1", cluster)}
    beta = next(h for h in by_cluster.holdings if h.symbol == "RESHARE:BETA")
    assert (beta.location, beta.call_number, beta.lendable) == ("MAIN", "QA76.73", True)
    by_isbn = adapter.lenders_for(BibQuery(isbn="0-596-00027-8"))
    assert {h.local_record_id for h in by_isbn.holdings} == {"a1", "b1"}
    by_title = adapter.lenders_for(BibQuery(title="Learning Python"))
    assert [h.local_record_id for h in by_title.holdings] == ["b2"]
    fallback = adapter.lenders_for(BibQuery(cluster_id="unknown", title="programming perl",
                                            author="wall"))
    assert len(fallback.holdings) == 2 and "title" in fallback.reason
    none = adapter.lenders_for(BibQuery(title="No such book anywhere"))
    assert none.holdings == [] and "no matching record" in none.reason


def test_settings_choose_the_adapter(platform: Platform, tenant_a: TenantFixture) -> None:
    _set(platform, tenant_a, shared_index_integration="oaipmh")
    assert isinstance(routing_for_tenant(platform, tenant_a.id), UnavailableRouting)
    _set(platform, tenant_a, shared_index_base_url="http://si.example/sharedindex/oai")
    assert isinstance(routing_for_tenant(platform, tenant_a.id), OaiPmhRouting)
    _set(platform, tenant_a, shared_index_integration="folio")
    reason = routing_for_tenant(platform, tenant_a.id).lenders_for(BibQuery(title="x")).reason
    assert "not supported" in reason
    _set(platform, tenant_a, shared_index_integration="mock")
    assert isinstance(routing_for_tenant(platform, tenant_a.id), NullRouting)


def test_remote_oai_pmh_index_with_the_999_convention(platform: Platform,
                                                     client: TestClient) -> None:
    cluster = _setup(platform)
    remote = OaiPmhRouting("http://testserver/sharedindex/oai", client=client)
    assert remote.sru_url == "http://testserver/sharedindex/sru"
    by_cluster = remote.lenders_for(BibQuery(cluster_id=cluster))
    assert {(h.symbol, h.local_record_id) for h in by_cluster.holdings} == {
        ("ISIL:US-AL", "a1"), ("RESHARE:BETA", "b1")}
    assert all(h.cluster_id == cluster for h in by_cluster.holdings)
    by_isbn = remote.lenders_for(BibQuery(isbn="9781565924642"))
    assert [h.local_record_id for h in by_isbn.holdings] == ["b2"]
    by_title = remote.lenders_for(BibQuery(title="Programming Perl", author="Wall"))
    assert len(by_title.holdings) == 2
    down = OaiPmhRouting("http://127.0.0.1:9/oai").lenders_for(BibQuery(cluster_id=cluster))
    assert down.holdings == [] and "could not be queried" in down.reason


def test_reads_a_real_reservoir_record(marc_dir: Path) -> None:
    """MNLINK's Reservoir GetRecord (from mod-rs's tests): 999 1 1 $s $l $p per library."""
    holdings = holdings_from_marcxml(
        (marc_dir / "reshare-mod-rs-sharedindex/bibrecord_01.xml").read_bytes())
    assert holdings and all(h.symbol and h.local_record_id for h in holdings)
    assert len({h.symbol for h in holdings}) == len(holdings) or len(holdings) > 1
