"""Posting one message over HTTP and classifying what came back (no database here).

Outcomes: a confirmation (on HTTP 2xx or 400, the codes real peers answer with), a *timeout*
after the request was sent (the peer may have applied it: probe before resending), or a
*failure* (connection refused, connect timeout, other HTTP status, a body that is not a
confirmation). The transport is swappable (``platform.extras["iso18626_transport"]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import httpx

from reshare.iso18626 import codec
from reshare.iso18626 import model as m

if TYPE_CHECKING:
    from reshare.platform import Platform

ACCEPTED_ERROR_STATUSES = (400,)
HEADERS = {"Content-Type": 'application/xml; charset="utf-8"',
           "Accept": "application/xml, text/xml"}
MAX_CONFIRMATION_BYTES = 1_000_000


class SendKind(StrEnum):
    CONFIRMATION = "confirmation"
    TIMEOUT = "timeout"
    FAILURE = "failure"


@dataclass(frozen=True)
class SendResult:
    kind: SendKind
    http_status: int | None = None
    confirmation: m.Confirmation | None = None
    raw: bytes = b""
    error: str = ""


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes]:
        """POST and return (HTTP status, body); raise httpx errors on network problems."""
        ...


class HttpxTransport:
    def __init__(self) -> None:
        self._client = httpx.Client(follow_redirects=False, trust_env=False)

    def post(self, url: str, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes]:
        response = self._client.post(url, content=body, headers=headers,
                                     timeout=httpx.Timeout(timeout))
        return response.status_code, response.content

    def close(self) -> None:
        self._client.close()


def transport_for(platform: Platform) -> Transport:
    found = platform.extras.get("iso18626_transport")
    if found is None:  # several dispatcher threads may get here at once: one client wins
        candidate = HttpxTransport()
        found = platform.extras.setdefault("iso18626_transport", candidate)
        if found is not candidate:
            candidate.close()
    return found  # type: ignore[no-any-return]


def send(transport: Transport, url: str, body: bytes, *, timeout: float,
         extra_headers: dict[str, str] | None = None) -> SendResult:
    headers = {**(extra_headers or {}), **HEADERS}
    try:
        status, raw = transport.post(url, body, headers, timeout)
    except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        return SendResult(SendKind.FAILURE, error=f"could not connect in time: {exc}")
    except httpx.TimeoutException as exc:
        return SendResult(SendKind.TIMEOUT, error=f"no answer within {timeout:g}s: {exc}")
    except httpx.HTTPError as exc:
        return SendResult(SendKind.FAILURE, error=f"{type(exc).__name__}: {exc}")
    return classify(status, raw)


def classify(status: int, raw: bytes) -> SendResult:
    if not (200 <= status < 300 or status in ACCEPTED_ERROR_STATUSES):
        return SendResult(SendKind.FAILURE, status, raw=raw[:2000],
                          error=f"HTTP {status} from the peer")
    try:
        answer = codec.parse(raw, max_bytes=MAX_CONFIRMATION_BYTES)
    except codec.Iso18626ParseError as exc:
        return SendResult(SendKind.FAILURE, status, raw=raw[:2000],
                          error=f"NoConfirmationElementInResponse: {exc.error_value}")
    if not isinstance(answer, m.Confirmation):
        return SendResult(SendKind.FAILURE, status, raw=raw[:2000],
                          error=f"NoConfirmationElementInResponse: got {answer.ELEMENT}")
    return SendResult(SendKind.CONFIRMATION, status, answer, raw)
