"""Demo data for `make run`: LoC records with holdings spread over the demo libraries."""

from __future__ import annotations

from reshare.platform import Platform
from reshare.requests.ports import BibQuery
from reshare.sharedindex import service
from reshare.sharedindex.demo import demo_records, holders, load_demo_records
from reshare.sharedindex.routing import LocalIndexRouting
from reshare.sharedindex.search import Query, search
from tests.support.factories import make_tenant


def test_shipped_demo_file_is_real_loc_records() -> None:
    records = demo_records()
    assert len(records) == 3000
    assert all(str(r.record.leader)[5:8] in ("cam", "nam", "pam") or r.record.get_fields("245")
               for r in records[:50])
    counts = [len(holders(p, 3)) for p in range(21)]
    assert min(counts) == 1 and max(counts) == 3 and counts.count(2) >= 4


def test_load_demo_records_spreads_holdings_and_clusters_copies(platform: Platform) -> None:
    tenant = make_tenant(platform, "NJSOOS")
    summary = load_demo_records(platform, ["RESHARE:NJSOOS", "ISIL:US-ACM"], limit=60)
    assert set(summary["records"]) == {"NJSOOS", "US-ACM"}
    assert sum(summary["records"].values()) > 60  # some records are held by both
    assert service.get_source(platform.db, "NJSOOS").tenant_id == tenant.id
    assert service.get_source(platform.db, "US-ACM").tenant_id is None
    shared = search(platform.db, Query(library="US-ACM", keyword="the", limit=100))
    both = [c for c in shared["clusters"] if len(c["libraries"]) == 2]
    assert both, "copies of one record from two libraries must share a cluster"
    lenders = LocalIndexRouting(platform.db).lenders_for(BibQuery(cluster_id=both[0]["cluster_id"]))
    assert {h.symbol for h in lenders.holdings} == {"RESHARE:NJSOOS", "ISIL:US-ACM"}
    again = load_demo_records(platform, ["RESHARE:NJSOOS", "ISIL:US-ACM"], limit=60)
    assert again["clusters"] == summary["clusters"]  # idempotent
