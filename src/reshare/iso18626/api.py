"""Routes: the ISO 18626 endpoint peers post to (public), and staff views of the protocol log
and of this library's outgoing messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from reshare.errors import ValidationFailed
from reshare.iso18626 import codec, outbox, protocol_log
from reshare.iso18626 import model as m
from reshare.iso18626.receiving import receive
from reshare.iso18626.store import OutboxStatus
from reshare.iso18626.xmlsafe import MAX_MESSAGE_BYTES
from reshare.web.deps import PlatformDep, Public, Staff

router = APIRouter(tags=["iso18626"])
XML = "application/xml"


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past ``limit`` (never buffers more)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def iso18626_endpoint(request: Request, platform: PlatformDep) -> Response:
    """Receive one ISO 18626 message; the body of the answer is its confirmation."""
    data = await _read_limited(request, MAX_MESSAGE_BYTES)
    if data is None:
        conf = m.confirm(None, error=m.ErrorData(
            m.ErrorType.BADLY_FORMED_MESSAGE,
            f"message larger than {MAX_MESSAGE_BYTES} bytes; not read"))
        return Response(codec.serialize(conf), status_code=413, media_type=XML)
    answer = await run_in_threadpool(receive, platform, data)
    return Response(answer.body, status_code=answer.http_status, media_type=XML)


for _path in ("/iso18626", "/rs/externalApi/iso18626"):
    router.add_api_route(_path, iso18626_endpoint, methods=["POST"], dependencies=[Public],
                         summary="ISO 18626 endpoint", response_class=Response)


@router.get("/iso18626/log")
def list_log(principal: Staff, platform: PlatformDep,
             request_id: Annotated[str | None, Query()] = None,
             direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """This library's protocol log, newest first (kept when setting loggingISO18626 = yes)."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return {"logging": protocol_log.enabled(session),
                "entries": protocol_log.list_entries(session, request_id=request_id,
                                                     direction=direction, limit=limit)}


@router.get("/iso18626/log/{entry_id}")
def get_log_entry(entry_id: int, principal: Staff, platform: PlatformDep) -> dict[str, Any]:
    """One log entry with the raw message and confirmation."""
    assert principal.tenant_id is not None
    with platform.db.tenant(principal.tenant_id) as session:
        return protocol_log.get_entry(session, entry_id)


@router.get("/iso18626/outbox")
def list_outbox(principal: Staff, platform: PlatformDep,
                request_ref: Annotated[str | None, Query()] = None,
                status: Annotated[str | None, Query()] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Outgoing messages and how they ended (rejected = the peer answered ERROR)."""
    assert principal.tenant_id is not None
    if status is not None and status not in {s.value for s in OutboxStatus}:
        raise ValidationFailed(f"status must be one of {', '.join(s.value for s in OutboxStatus)}")
    with platform.db.tenant(principal.tenant_id) as session:
        return [item.as_dict() for item in outbox.items_for(session, request_ref,
                                                            status=status, limit=limit)]
