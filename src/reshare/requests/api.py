"""Routes of the request engine: list, create, detail, audit, messages, actions, bulk actions,
pull slips, and the public statistics peers use for load balancing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import typing
from typing import Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, create_model
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from reshare.requests import changes, service, stats
from reshare.requests.model import NewRequest
from reshare.requests.statemodels import MODELS
from reshare.web.deps import PlatformDep, Public, Staff

# Routes return plain JSON-ready dicts; without a response model FastAPI does not validate
# them again (a cost per request on the busiest routes, for no information in the docs).
router = APIRouter(tags=["requests"])
PLAIN: dict[str, Any] = {"response_model": None}


def _request_in() -> type[BaseModel]:
    """The API body of a new request: NewRequest's fields, minus what the engine decides
    (``requesting_symbol`` is ours, ``extra`` is internal)."""
    hints = typing.get_type_hints(NewRequest)
    fields: dict[str, Any] = {
        f.name: (hints[f.name], f.default)
        for f in dataclasses.fields(NewRequest)
        if f.name not in {"requesting_symbol", "extra"}
    }
    return create_model("RequestIn", **fields)


RequestIn: Any = _request_in()  # a model built from NewRequest's fields at import


class ActionIn(BaseModel):
    action: str = Field(description="e.g. requesterCancel, supplierMarkShipped")
    params: dict[str, Any] = Field(default_factory=dict)


class BulkIn(ActionIn):
    request_ids: list[int]


class IdsIn(BaseModel):
    request_ids: list[int]


def _actor(principal: Any) -> str:
    return f"{principal.tenant_code}/{principal.username}"


class RequestFilters(BaseModel):
    """The list's filters: one model, validated in one step (the busiest route; thirteen
    separately declared parameters cost as much to parse as the query takes)."""

    model_config = {"extra": "ignore"}

    state: str | None = Field(None, description="one state code, or several separated by "
                                                "commas")
    role: typing.Literal["requester", "supplier"] | None = None
    patron: str | None = None
    symbol: str | None = Field(None, description="the peer's symbol, e.g. RESHARE:NJSOOS")
    since: dt.datetime | None = Field(None, description="created at or after")
    until: dt.datetime | None = Field(None, description="created before")
    needs_attention: bool | None = None
    q: str | None = Field(None, description="words of the title")
    terminal: bool | None = Field(None, description="finished (true) or open (false)")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)
    hrid: str | None = Field(None, description="request number, e.g. NJSOOS-42; a "
                                               "supplier's copy has the requester's number")
    wait: float = Field(0, ge=0, le=60, description="long polling: when nothing matches, "
                                                    "wait up to this many seconds for a "
                                                    "request that does")


@router.get("/requests", **PLAIN)
async def list_requests(principal: Staff, platform: PlatformDep,
                        filters: typing.Annotated[RequestFilters, Query()]) -> JSONResponse:
    """Requests of this library, newest first; ``q`` searches titles. With ``wait``, an
    empty answer comes only after that long: e.g. ``?hrid=NJSOOS-42&state=REQ_SHIPPED&wait=30``
    answers as soon as the request is shipped."""
    assert principal.tenant_id is not None
    tenant_id = principal.tenant_id
    signal = changes.changes_for(platform.db.engine)
    f = filters
    key = (tenant_id, f.hrid) if f.hrid else None  # wake on that request's changes only
    deadline = time.monotonic() + f.wait

    def query() -> list[dict[str, Any]]:
        views = service.list_requests(platform, tenant_id, state=f.state, role=f.role,
                                      patron=f.patron, symbol=f.symbol, since=f.since,
                                      until=f.until, needs_attention=f.needs_attention,
                                      q=f.q, terminal=f.terminal, limit=f.limit,
                                      offset=f.offset, hrid=f.hrid)
        return [v.as_dict() for v in views]

    while True:
        seen = signal.version  # before the query: a change after it wakes us
        found = await run_in_threadpool(query)
        left = deadline - time.monotonic()
        if found or left <= 0:
            return JSONResponse(found)
        await signal.wait_past(seen, min(left, changes.RECHECK_SECONDS), key)


@router.post("/requests", status_code=status.HTTP_201_CREATED, **PLAIN)
def create_request(body: RequestIn, principal: Staff, platform: PlatformDep) -> JSONResponse:
    assert principal.tenant_id is not None
    data = NewRequest(**body.model_dump())
    return JSONResponse(service.create_request(platform, principal.tenant_id, data,
                                               actor=_actor(principal)).as_dict(),
                        status_code=status.HTTP_201_CREATED)


@router.get("/requests/{request_id}", **PLAIN)
def get_request(request_id: int, principal: Staff, platform: PlatformDep) -> JSONResponse:
    """The request with the actions valid now, its rota, audit trail, messages and items."""
    assert principal.tenant_id is not None
    return JSONResponse(service.get_request(platform, principal.tenant_id, request_id).as_dict())


@router.get("/requests/{request_id}/audit")
def get_audit(request_id: int, principal: Staff, platform: PlatformDep) -> list[dict[str, Any]]:
    assert principal.tenant_id is not None
    return service.get_request(platform, principal.tenant_id, request_id).audit


@router.get("/requests/{request_id}/messages")
def get_messages(request_id: int, principal: Staff,
                 platform: PlatformDep) -> list[dict[str, Any]]:
    assert principal.tenant_id is not None
    return service.get_request(platform, principal.tenant_id, request_id).messages


@router.get("/requests/{request_id}/manual-close-states")
def manual_close_states(request_id: int, principal: Staff, platform: PlatformDep) -> list[str]:
    assert principal.tenant_id is not None
    view = service.get_request(platform, principal.tenant_id, request_id)
    return [] if view.terminal else MODELS[view.data["state_model"]].terminal_states()


@router.post("/requests/{request_id}/actions", **PLAIN)
def perform_action(request_id: int, body: ActionIn, principal: Staff,
                   platform: PlatformDep) -> JSONResponse:
    """Perform an action; 409 with the actions possible now when it is not valid."""
    assert principal.tenant_id is not None
    return JSONResponse(service.perform_action(platform, principal.tenant_id, request_id,
                                               body.action, body.params,
                                               actor=_actor(principal)).as_dict())


@router.post("/requests/bulk-actions")
def bulk_action(body: BulkIn, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    assert principal.tenant_id is not None
    return service.bulk_action(platform, principal.tenant_id, body.request_ids, body.action,
                               body.params, actor=_actor(principal))


@router.post("/requests/pull-slips/printed")
def pull_slips_printed(body: IdsIn, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    assert principal.tenant_id is not None
    return service.mark_pull_slips_printed(platform, principal.tenant_id, body.request_ids,
                                           actor=_actor(principal))


@router.get("/statistics/{tenant_code}", dependencies=[Public])
def statistics(tenant_code: str, platform: PlatformDep) -> dict[str, Any]:
    """Counts by state and tag (ACTIVE_LOAN, ACTIVE_BORROW) for peers' load balancing."""
    return stats.for_tenant_code(platform, tenant_code)
