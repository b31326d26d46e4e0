"""Access cases for the shared index.

The index is installation-wide by design (a union catalogue): any library's staff may search
it and read clusters, so those probes expect 200 and check only that A's private source
settings (its OAI-PMH URL, which may carry credentials) do not leak. Changing a source,
loading into it or harvesting it is for the owning library's admins only: B gets 404 and
A's data is unchanged.
"""

from __future__ import annotations

import io
import itertools

from sqlalchemy import func, select

from reshare.platform import Platform
from reshare.sharedindex import service
from reshare.sharedindex.store import BibRecord, Cluster, Source
from tests.integration.access import AccessCase, Probe
from tests.integration.sharedindex.helpers import bib, iso
from tests.support.factories import TenantFixture

_codes = itertools.count(1)
SECRET = "https://alpha-secret-user:hunter2@oai.alpha.example/oai"


def _a_source(platform: Platform, a: TenantFixture) -> str:
    code = f"ALPHASRC{next(_codes)}"
    service.create_source(platform.db, code, tenant_id=a.id, oai_url=SECRET, name="Alpha")
    service.load_stream(platform.db, code, io.BytesIO(iso(
        bib("a1", "Alpha only book", isbn="9780596000271"))))
    return code


def _unchanged(platform: Platform, code: str, a: TenantFixture):  # type: ignore[no-untyped-def]
    def verify() -> None:
        with platform.db.unscoped() as s:
            source = s.scalars(select(Source).where(Source.code == code)).one()
            assert source.tenant_id == a.id and source.oai_url == SECRET
            assert source.preset == "852" and source.name == "Alpha"
            count = s.scalar(select(func.count(BibRecord.id)).where(
                BibRecord.source_id == source.id))
            assert count == 1
    return verify


def _owner_only(platform: Platform, a: TenantFixture) -> Probe:
    code = _a_source(platform, a)
    return Probe(path_params={"code": code}, json={"preset": "koha", "name": "Hacked"},
                 marker=SECRET, expect_status=404,
                 verify=_unchanged(platform, code, a))


def _upload(platform: Platform, a: TenantFixture) -> Probe:
    code = _a_source(platform, a)
    return Probe(path_params={"code": code}, content=iso(bib("b1", "Injected")),
                 headers={"content-type": "application/marc"}, marker=SECRET,
                 expect_status=404, verify=_unchanged(platform, code, a))


def _create_same_code(platform: Platform, a: TenantFixture) -> Probe:
    code = _a_source(platform, a)
    return Probe(json={"code": code, "oai_url": "https://beta.example/oai"}, marker=SECRET,
                 expect_status=409, verify=_unchanged(platform, code, a))


def _shared_read(platform: Platform, a: TenantFixture) -> Probe:
    """Shared by design: B may read the catalogue, but never A's source settings."""
    code = _a_source(platform, a)
    with platform.db.unscoped() as s:
        cluster = s.scalar(select(BibRecord.cluster_id).join(Source).where(Source.code == code))
    with platform.db.unscoped() as s:
        uuid = s.scalar(select(Cluster.uuid).where(Cluster.id == cluster))
    return Probe(path_params={"cluster_id": str(uuid)},
                 query={"title": "alpha", "a": f"{code}:a1", "b": f"{code}:a1"},
                 marker=SECRET, expect_status=200, verify=_unchanged(platform, code, a))


CASES = {
    ("GET", "/sharedindex/sources"): AccessCase(_shared_read),
    ("POST", "/sharedindex/sources"): AccessCase(_create_same_code),
    ("GET", "/sharedindex/sources/{code}"): AccessCase(_owner_only),
    ("PUT", "/sharedindex/sources/{code}"): AccessCase(_owner_only),
    ("DELETE", "/sharedindex/sources/{code}"): AccessCase(_owner_only),
    ("POST", "/sharedindex/sources/{code}/records"): AccessCase(_upload),
    ("POST", "/sharedindex/sources/{code}/harvest"): AccessCase(_owner_only),
    ("GET", "/sharedindex/search"): AccessCase(_shared_read),
    ("GET", "/sharedindex/clusters/{cluster_id}"): AccessCase(_shared_read),
    ("GET", "/sharedindex/explain"): AccessCase(_shared_read),
    ("GET", "/sharedindex/stats"): AccessCase(_shared_read),
}
