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


async def _answer(platform: Any, data: bytes | None) -> tuple[int, bytes]:
    """(HTTP status, XML confirmation) for a posted body (None: it was too large)."""
    if data is None:
        conf = m.confirm(None, error=m.ErrorData(
            m.ErrorType.BADLY_FORMED_MESSAGE,
            f"message larger than {MAX_MESSAGE_BYTES} bytes; not read"))
        return 413, codec.serialize(conf)
    answer = await run_in_threadpool(receive, platform, data)
    return answer.http_status, answer.body


async def iso18626_endpoint(request: Request, platform: PlatformDep) -> Response:
    """Receive one ISO 18626 message; the body of the answer is its confirmation."""
    status, body = await _answer(platform, await _read_asgi(
        request.scope, request.receive, MAX_MESSAGE_BYTES))
    return Response(body, status_code=status, media_type=XML)


ENDPOINT_PATHS = ("/iso18626", "/rs/externalApi/iso18626")
for _path in ENDPOINT_PATHS:
    router.add_api_route(_path, iso18626_endpoint, methods=["POST"], dependencies=[Public],
                         summary="ISO 18626 endpoint", response_class=Response)


class Iso18626Direct:
    """``POST /iso18626`` answered as a plain ASGI app in front of the framework.

    Peers post here several times per request; the endpoint is public, takes raw XML and
    answers XML, so FastAPI's route matching, dependencies and middleware add only cost
    (about as much as parsing the message). The route above stays, for the OpenAPI
    document and for apps built without this; both do the same work (:func:`_answer`)."""

    def __init__(self, app: Any, platform: Any) -> None:
        self.app, self.platform = app, platform

    async def __call__(self, scope: Any, receive_: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" \
                or scope["path"] not in ENDPOINT_PATHS:
            await self.app(scope, receive_, send)
            return
        status, body = await _answer(self.platform, await _read_asgi(
            scope, receive_, MAX_MESSAGE_BYTES))
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/xml"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


async def _read_asgi(scope: Any, receive_: Any, limit: int) -> bytes | None:
    """The request body, or None as soon as it grows past ``limit`` (never buffers more)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive_()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


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
