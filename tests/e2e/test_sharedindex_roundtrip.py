"""Round trip: our OAI-PMH output, harvested by our own harvester into a second installation.

Installation 1 runs as a real server process (`reshare serve`, SQLite, free port);
installation 2 is a second database in this process. Also: resumable and incremental
harvesting, deletes travelling through OAI-PMH, routing in installation 2 from the 999s.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reshare import capabilities, migrate
from reshare.db import Database
from reshare.requests.ports import BibQuery
from reshare.sharedindex import harvest, search, service
from reshare.sharedindex.routing import LocalIndexRouting
from reshare.sharedindex.store import BibRecord, Cluster, Source
from tests.integration.sharedindex.helpers import bib, iso
from tests.support.servers import reshare_process

pytestmark = pytest.mark.e2e
MARC = Path("/work/shared/data/marc")


def _installation(path: Path) -> Database:
    capabilities.load_models()
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    return db


def _live(db: Database) -> int:
    with db.unscoped() as s:
        return s.scalar(select(func.count(Cluster.id)).where(Cluster.size > 0)) or 0


@pytest.mark.skipif(not MARC.is_dir(), reason="real MARC data not available")
def test_harvest_our_own_oai_pmh_into_a_second_installation(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    first = _installation(tmp_path / "var" / "reshare.db")
    service.create_source(first, "LOC", tenant_id=None, symbol="RESHARE:LOC")
    service.create_source(first, "CAMEL", tenant_id=None, symbol="ISIL:US-CAMEL")
    with (MARC / "loc-booksall-2016/BooksAll.2016.part01.matches-for-other-dev-sources.mrc"
          ).open("rb") as f:
        service.load_stream(first, "LOC", f)
    with (MARC / "pymarc-5.4.0/test.dat").open("rb") as f:
        service.load_stream(first, "CAMEL", f)
    service.load_stream(first, "CAMEL", io.BytesIO(iso(bib("gone", "To be deleted"))))
    clusters = _live(first)
    first.dispose()
    second = _installation(tmp_path / "second.db")
    with reshare_process(["serve"], tmp_path) as server:
        service.create_source(second, "UNION", tenant_id=None, preset="custom", mapping={
            "tag": "999", "location": "a", "call_number": "c", "item_id": "y"},
            oai_url=f"{server.url}/sharedindex/oai")
        options = harvest.HarvestOptions(wait_seconds=0, params={"limit": "10"}, max_pages=1)
        harvest.harvest(second, "UNION", options=options)
        source = service.get_source(second, "UNION")
        assert source.oai_token and _live(second) == 10  # stopped after one page: resumable
        status = harvest.harvest(second, "UNION", options=harvest.HarvestOptions(
            wait_seconds=0, params={"limit": "10"}))
        assert status["status"] == "idle" and not service.get_source(second, "UNION").oai_token
        assert _live(second) == clusters
        # a delete in installation 1 travels as a deleted header on the next (incremental) run
        live_first = Database(f"sqlite:///{tmp_path / 'var' / 'reshare.db'}")
        service.load_stream(live_first, "CAMEL", io.BytesIO(iso(bib("gone", "x", deleted=True))))
        live_first.dispose()
        again = harvest.harvest(second, "UNION", options=harvest.HarvestOptions(wait_seconds=0))
        assert again["deleted"] == 1 and _live(second) == clusters - 1
    # installation 2 routes from the harvested 999s: the Perl book held by both libraries
    found = search.search(second, search.Query(isbn="0596000278"))
    assert found["total"] == 1
    with second.unscoped() as s:
        harvested = s.scalar(select(func.count(BibRecord.id)).join(Source).where(
            Source.code == "UNION"))
    assert harvested == clusters - 1
    lenders = LocalIndexRouting(second).lenders_for(BibQuery(isbn="0596000278"))
    assert lenders.holdings and lenders.holdings[0].local_record_id.startswith("oai:")
