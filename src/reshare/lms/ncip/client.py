"""NCIP client: validates each message, sends it over HTTP POST, parses the answer.

The transport is swappable (a callable taking the XML bytes and returning the answer bytes), so
tests run the real client against the simulator on loopback without monkey-patching. Network
failures and timeouts come back as a ``Transport Failure`` Problem, never as an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from reshare.lms.http import tls_context
from reshare.lms.ncip import messages
from reshare.lms.ncip.responses import TRANSPORT_FAILURE, NcipResponse, Problem, parse_response
from reshare.lms.ncip.xml import Element, strip_namespace, to_bytes, validate

Transport = Callable[[bytes], bytes]
traffic_log = logging.getLogger("reshare.lms.ncip.traffic")


def http_transport(address: str, timeout: float) -> Transport:
    def send(body: bytes) -> bytes:
        response = httpx.post(address, content=body, timeout=timeout, verify=tls_context(),
                              headers={"Content-Type": "application/xml; charset=utf-8"})
        if response.status_code >= 400 and not response.content.lstrip().startswith(b"<"):
            raise httpx.HTTPStatusError(f"HTTP {response.status_code} from {address}",
                                        request=response.request, response=response)
        return response.content

    return send


class NcipClient:
    """One LMS's NCIP responder, with the tenant's agency header and dialect."""

    def __init__(self, address: str, header: messages.Header, *, namespaced: bool = True,
                 timeout: float = 30.0, transport: Transport | None = None,
                 log_traffic: bool = False) -> None:
        self.address = address
        self.header = header
        self.namespaced = namespaced
        self.log_traffic = log_traffic
        self._send = transport or http_transport(address, timeout)

    def call(self, root: Element) -> NcipResponse:
        validate(root)  # our own message must be valid NCIP 2.02 before it leaves
        body = to_bytes(root if self.namespaced else strip_namespace(root))
        if self.log_traffic:
            traffic_log.info("NCIP to %s: %s", self.address, body.decode("utf-8", "replace"))
        try:
            answer = self._send(body)
        except (httpx.HTTPError, OSError) as exc:
            kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
            detail = f"NCIP call to {self.address} {kind}: {exc or type(exc).__name__}"
            return NcipResponse("", problems=[Problem(TRANSPORT_FAILURE, detail)])
        if self.log_traffic:
            traffic_log.info("NCIP from %s: %s", self.address, answer.decode("utf-8", "replace"))
        return parse_response(answer)

    # One method per service, so adapters read like the protocol.
    def lookup_user(self, user_id: str = "", user_name: str = "", barcode: str = "",
                    pin: str = "") -> NcipResponse:
        return self.call(messages.lookup_user(self.header, user_id=user_id, user_name=user_name,
                                              barcode=barcode, pin=pin))

    def accept_item(self, **kwargs: object) -> NcipResponse:
        return self.call(messages.accept_item(self.header, **kwargs))  # type: ignore[arg-type]

    def check_out_item(self, **kwargs: str) -> NcipResponse:
        return self.call(messages.check_out_item(self.header, **kwargs))

    def check_in_item(self, item_id: str) -> NcipResponse:
        return self.call(messages.check_in_item(self.header, item_id=item_id))

    def request_item(self, **kwargs: str) -> NcipResponse:
        return self.call(messages.request_item(self.header, **kwargs))

    def cancel_request_item(self, **kwargs: str) -> NcipResponse:
        return self.call(messages.cancel_request_item(self.header, **kwargs))

    def delete_item(self, item_id: str) -> NcipResponse:
        return self.call(messages.delete_item(self.header, item_id=item_id))

    def create_user_fiscal_transaction(self, **kwargs: str) -> NcipResponse:
        return self.call(messages.create_user_fiscal_transaction(self.header, **kwargs))
