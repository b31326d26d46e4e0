"""Routes of the shared index: sources (tenant admins, own source only), upload, harvest,
search and clusters (any staff user), OAI-PMH and SRU (public, as ReShare nodes expect).
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from reshare.errors import ValidationFailed
from reshare.sharedindex import explain as explaining
from reshare.sharedindex import harvest, oai, search, service, sru
from reshare.web.deps import PlatformDep, Public, Staff, TenantAdmin

router = APIRouter(prefix="/sharedindex", tags=["shared index"])
XML = "text/xml; charset=utf-8"


class SourceIn(BaseModel):
    code: str
    symbol: str | None = None
    name: str = ""
    preset: str = "852"
    mapping: dict[str, Any] | None = None
    oai_url: str | None = None
    oai_set: str | None = None
    oai_prefix: str = "marcxml"


class SourceChange(BaseModel):
    symbol: str | None = None
    name: str | None = None
    preset: str | None = None
    mapping: dict[str, Any] | None = None
    oai_url: str | None = None
    oai_set: str | None = None
    oai_prefix: str | None = None


@router.get("/sources")
def list_sources(principal: Staff, platform: PlatformDep) -> list[dict[str, Any]]:
    """Every contributing library; harvest settings only for your own sources."""
    return service.list_sources(platform.db, principal.tenant_id)


@router.post("/sources", status_code=201)
def create_source(body: SourceIn, principal: TenantAdmin,
                  platform: PlatformDep) -> dict[str, Any]:
    """Register a source for your library (you administer it from then on)."""
    fields = body.model_dump(exclude={"code"}, exclude_none=True)
    return service.create_source(platform.db, body.code, tenant_id=principal.tenant_id,
                                 **fields)


@router.get("/sources/{code}")
def get_source(code: str, principal: TenantAdmin, platform: PlatformDep) -> dict[str, Any]:
    source = service.get_source(platform.db, code, principal.tenant_id)
    return service.source_view(source, manage=True)


@router.put("/sources/{code}")
def change_source(code: str, body: SourceChange, principal: TenantAdmin,
                  platform: PlatformDep) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True)
    return service.update_source(platform.db, code, principal.tenant_id, **fields)


@router.delete("/sources/{code}", status_code=204)
def delete_source(code: str, principal: TenantAdmin, platform: PlatformDep) -> Response:
    """Remove your source and everything it contributed."""
    service.delete_source(platform.db, code, principal.tenant_id)
    return Response(status_code=204)


@router.post("/sources/{code}/records")
async def upload(code: str, request: Request, principal: TenantAdmin,
                 platform: PlatformDep) -> dict[str, Any]:
    """Load ISO 2709, MARCXML or MARC-in-JSON (gzip allowed) into your source.

    The body is the file. Bad records are listed with position and reason; the rest load.
    """
    body = await request.body()
    if not body:
        raise ValidationFailed("send the MARC file as the request body")
    report = await run_in_threadpool(service.load_stream, platform.db, code, io.BytesIO(body),
                                     principal.tenant_id)
    return report.as_dict()


@router.post("/sources/{code}/harvest")
def run_harvest(code: str, principal: TenantAdmin, platform: PlatformDep) -> dict[str, Any]:
    """Harvest your source's OAI-PMH server now (incremental; resumes an interrupted run)."""
    service.get_source(platform.db, code, principal.tenant_id)
    try:
        return harvest.harvest(platform.db, code,
                               client=platform.extras.get("sharedindex_http_client"))
    except harvest.HarvestError as exc:
        raise ValidationFailed(f"harvest failed: {exc}") from None


@router.get("/search")
def search_index(
    principal: Staff, platform: PlatformDep,
    q: Annotated[str, Query(description="keyword (any field)")] = "",
    title: str = "", author: str = "", isbn: str = "", issn: str = "",
    cluster_id: str = "", library: str = "", offset: int = 0, limit: int = 20,
) -> dict[str, Any]:
    """Search clusters (one per work); facets count clusters per library."""
    return search.search(platform.db, search.Query(q, title, author, isbn, issn, cluster_id,
                                                   library, offset, limit))


@router.get("/clusters/{cluster_id}")
def get_cluster(cluster_id: str, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    return search.get_cluster(platform.db, cluster_id)


@router.get("/explain")
def explain(a: str, b: str, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    """Why records a and b (SOURCE:LOCALID) are or are not in one cluster."""
    return explaining.explain(platform.db, a, b, service.matcher(platform.db))


@router.get("/stats")
def stats(principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    return service.stats(platform.db)


@router.get("/oai", dependencies=[Public])
def oai_pmh(request: Request, platform: PlatformDep) -> Response:
    """OAI-PMH 2.0: one merged MARCXML record per cluster, with 999 holdings."""
    params = dict(request.query_params)
    base_url = str(request.url).split("?", 1)[0]
    content = oai.respond(platform.db, params, base_url, service.matcher(platform.db))
    return Response(content, media_type=XML)


@router.get("/sru", dependencies=[Public])
def sru_search(request: Request, platform: PlatformDep) -> Response:
    """SRU 2.0 searchRetrieve (CQL: rec.id, isbn, issn, title, author, keyword)."""
    return Response(sru.respond(platform.db, dict(request.query_params)), media_type=XML)
