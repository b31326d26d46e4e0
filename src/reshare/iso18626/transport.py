"""Posting one message over HTTP and classifying what came back (no database here).

Outcomes: a confirmation (on HTTP 2xx or 400, the codes real peers answer with), a *timeout*
after the request was sent (the peer may have applied it: probe before resending), or a
*failure* (connection refused, connect timeout, other HTTP status, a body that is not a
confirmation). The transport is swappable (``platform.extras["iso18626_transport"]``).
"""

from __future__ import annotations

import http.client
import ssl
import threading
import urllib.parse
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


class HttpTransport:
    """The default transport: the standard library's ``http.client``, one keep-alive
    connection per peer and sending thread. It costs a fraction of an httpx request's CPU,
    which matters at one post per message; errors are raised as the httpx exceptions
    :func:`send` classifies. No proxies from the environment and no redirects, as with
    :class:`HttpxTransport`. A post on a kept connection that the peer closed meanwhile is
    sent again on a new one (receivers apply a message once however often it arrives)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        # every open connection, also of threads that have ended, so close() closes them all
        self._all: set[http.client.HTTPConnection] = set()

    def _pool(self) -> dict[tuple[str, str, int], http.client.HTTPConnection]:
        """This thread's kept connections, by (scheme, host, port)."""
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool  # type: ignore[no-any-return]

    def _connection(self, scheme: str, host: str, port: int,
                    timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        pool = self._pool()
        conn = pool.get((scheme, host, port))
        if conn is not None and conn.sock is not None:
            conn.sock.settimeout(timeout)
            return conn, True
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                               context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.connect()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port}: {exc}") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"connecting to {host}:{port}: {exc}") from exc
        pool[(scheme, host, port)] = conn
        with self._lock:
            self._all.add(conn)
        return conn, False

    def post(self, url: str, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes]:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise httpx.UnsupportedProtocol(f"not an http(s) address: {url}")
        port = parts.port or (443 if scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            conn, reused = self._connection(scheme, parts.hostname, port, timeout)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read(MAX_CONFIRMATION_BYTES + 1)
                if response.will_close or len(data) > MAX_CONFIRMATION_BYTES:
                    self._drop(conn, scheme, parts.hostname, port)
                return response.status, data
            except TimeoutError as exc:
                self._drop(conn, scheme, parts.hostname, port)
                raise httpx.ReadTimeout(f"no answer within {timeout:g}s") from exc
            except (http.client.HTTPException, OSError) as exc:
                self._drop(conn, scheme, parts.hostname, port)
                if reused and attempt == 1:
                    continue  # the peer closed the kept connection: once more, on a new one
                raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    def _drop(self, conn: http.client.HTTPConnection, scheme: str, host: str,
              port: int) -> None:
        conn.close()
        with self._lock:
            self._all.discard(conn)
        pool = self._pool()
        if pool.get((scheme, host, port)) is conn:
            del pool[(scheme, host, port)]

    def close(self) -> None:
        with self._lock:
            conns, self._all = list(self._all), set()
        for conn in conns:
            conn.close()


def transport_for(platform: Platform) -> Transport:
    found = platform.extras.get("iso18626_transport")
    if found is None:  # several dispatcher threads may get here at once: one client wins
        candidate = HttpTransport()
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
