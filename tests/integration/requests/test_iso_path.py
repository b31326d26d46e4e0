"""The same flows through the real ISO 18626 capability: XML outbox, the public endpoint, the
engine's handler and delivery outcomes (both libraries in one installation)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reshare.iso18626 import outbox
from reshare.platform import Platform
from reshare.requests import service
from reshare.requests.model import NewRequest
from tests.integration.requests.helpers import ShelfAvailability, configure
from tests.support.factories import TenantFixture


class ClientTransport:
    """Posts through the in-process app instead of the network."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(self, url: str, body: bytes, headers: dict[str, str],
             timeout: float) -> tuple[int, bytes]:
        response = self.client.post("/iso18626", content=body, headers=headers)
        return response.status_code, response.content


def _drain(platform: Platform) -> None:
    for _ in range(50):
        if not outbox.drain(platform, limit=50):
            return
    raise AssertionError("outbox never empties")


def _loan_pair(client: TestClient, platform: Platform, tenant_a: TenantFixture,
               tenant_b: TenantFixture) -> None:
    """ALPHA borrows from BETA (whose auto-responder finds a copy), through the real ISO
    18626 endpoint of the in-process app."""
    platform.extras["requests.courier"] = "iso18626"
    platform.extras["requests.availability"] = ShelfAvailability()
    platform.extras["iso18626_transport"] = ClientTransport(client)
    gateway = "http://testserver/iso18626"
    configure(platform, tenant_a, local_symbols="RESHARE:ALPHA", routing_adapter="static",
              static_routes="RESHARE:BETA", iso18626_gateway_address=gateway)
    configure(platform, tenant_b, local_symbols="RESHARE:BETA",
              iso18626_gateway_address=gateway)


def test_loan_lifecycle_over_iso18626(client: TestClient, platform: Platform,
                                      tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    _loan_pair(client, platform, tenant_a, tenant_b)
    view = service.create_request(platform, tenant_a.id, NewRequest(title="Dune",
                                                                    patron_id="P1"), actor="t")
    sent = service.get_request(platform, tenant_a.id, view.id).messages
    assert [m["delivery"] for m in sent] == ["queued"]  # its outbox row is not sent yet
    _drain(platform)
    assert service.get_request(platform, tenant_a.id, view.id).state == "REQ_EXPECTS_TO_SUPPLY"
    sup = service.list_requests(platform, tenant_b.id, role="supplier")[0]
    assert sup.hrid == view.hrid and sup.state == "RES_NEW_AWAIT_PULL_SLIP"

    def act(tenant: TenantFixture, rid: int, action: str, **params: object) -> None:
        service.perform_action(platform, tenant.id, rid, action, params, actor="t")
        _drain(platform)

    act(tenant_b, sup.id, "supplierPrintPullSlip")
    act(tenant_b, sup.id, "supplierCheckInToReshareAndSupplierMarkShipped",
        itemBarcodes=[{"itemId": "X1"}])
    r = service.get_request(platform, tenant_a.id, view.id)
    assert r.state == "REQ_SHIPPED" and r.volumes[0]["item_id"] == "X1" and r.data["due_date"]
    act(tenant_a, view.id, "requesterReceived")
    act(tenant_a, view.id, "patronReturnedItemAndShippedReturn")
    act(tenant_b, sup.id, "supplierCheckOutOfReshare")
    r = service.get_request(platform, tenant_a.id, view.id)
    assert r.state == "REQ_REQUEST_COMPLETE"
    assert {m["delivery"] for m in r.messages if m["outbound"]} == {"OK"}


def test_unmatched_message_gets_an_error_confirmation(client: TestClient, platform: Platform,
                                                      tenant_a: TenantFixture,
                                                      tenant_b: TenantFixture) -> None:
    platform.extras["requests.courier"] = "iso18626"
    platform.extras["iso18626_transport"] = ClientTransport(client)
    gateway = "http://testserver/iso18626"
    configure(platform, tenant_a, local_symbols="RESHARE:ALPHA", routing_adapter="static",
              static_routes="RESHARE:BETA", iso18626_gateway_address=gateway)
    configure(platform, tenant_b, local_symbols="RESHARE:BETA", auto_responder_status="off",
              iso18626_gateway_address=gateway)
    view = service.create_request(platform, tenant_a.id, NewRequest(title="Dune",
                                                                    patron_id="P1"), actor="t")
    _drain(platform)
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<ill:ISO18626Message xmlns:ill="http://illtransactions.org/2013/iso18626" ill:version="1.2">
<ill:supplyingAgencyMessage><ill:header>
<ill:supplyingAgencyId><ill:agencyIdType>RESHARE</ill:agencyIdType><ill:agencyIdValue>BETA</ill:agencyIdValue></ill:supplyingAgencyId>
<ill:requestingAgencyId><ill:agencyIdType>RESHARE</ill:agencyIdType><ill:agencyIdValue>ALPHA</ill:agencyIdValue></ill:requestingAgencyId>
<ill:multipleItemRequestId></ill:multipleItemRequestId>
<ill:timestamp>2026-01-01T00:00:00Z</ill:timestamp>
<ill:requestingAgencyRequestId>{view.hrid}~0</ill:requestingAgencyRequestId>
</ill:header>
<ill:messageInfo><ill:reasonForMessage>StatusChange</ill:reasonForMessage></ill:messageInfo>
<ill:statusInfo><ill:status>LoanCompleted</ill:status><ill:lastChange>2026-01-01T00:00:00Z</ill:lastChange></ill:statusInfo>
</ill:supplyingAgencyMessage></ill:ISO18626Message>"""
    answer = client.post("/iso18626", content=body.encode(),
                         headers={"Content-Type": "application/xml"})
    assert b"ERROR" in answer.content and b"not expected" in answer.content
    assert service.get_request(platform, tenant_a.id, view.id).state == \
        "REQ_REQUEST_SENT_TO_SUPPLIER"


def test_shipping_writes_each_sides_request_row_once(client: TestClient, platform: Platform,
                                                     tenant_a: TenantFixture,
                                                     tenant_b: TenantFixture) -> None:
    """Marking shipped (supplier) and applying its Loaned message (requester) each change
    the request row and then read its volumes: that read must not write the row early, so
    no unit of work updates a request row twice."""
    from sqlalchemy import event

    _loan_pair(client, platform, tenant_a, tenant_b)
    view = service.create_request(platform, tenant_a.id, NewRequest(title="Dune",
                                                                    patron_id="P1"), actor="t")
    _drain(platform)
    sup = service.list_requests(platform, tenant_b.id, role="supplier")[0]
    service.perform_action(platform, tenant_b.id, sup.id, "supplierPrintPullSlip", {},
                           actor="t")
    _drain(platform)
    units: list[list[str]] = [[]]

    def began(conn):  # type: ignore[no-untyped-def]
        units.append([])

    def note(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        units[-1].append(" ".join(statement.split())[:40])

    event.listen(platform.db.engine, "begin", began)
    event.listen(platform.db.engine, "before_cursor_execute", note)
    try:
        service.perform_action(platform, tenant_b.id, sup.id,
                               "supplierCheckInToReshareAndSupplierMarkShipped",
                               {"itemBarcodes": [{"itemId": "X1"}]}, actor="t")
        _drain(platform)
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", note)
        event.remove(platform.db.engine, "begin", began)
    r = service.get_request(platform, tenant_a.id, view.id)
    assert r.state == "REQ_SHIPPED" and r.volumes[0]["item_id"] == "X1" and r.data["due_date"]
    both = [u for u in units if any(s.startswith("SELECT request_volumes") for s in u)
            and any(s.startswith("UPDATE patron_requests") for s in u)]
    assert len(both) == 2  # the ship action, and the Loaned message at the requester
    for unit in units:
        assert sum(s.startswith("UPDATE patron_requests") for s in unit) <= 1, unit
