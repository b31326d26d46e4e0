"""Envelopes become schema-valid ISO 18626 v1.2 XML and come back unchanged."""

from __future__ import annotations

import pytest

from reshare.iso18626 import codec
from reshare.requests import wire
from reshare.requests.messages import RAM, REQUEST, SAM, Envelope


def _round_trip(env: Envelope) -> Envelope:
    return wire.from_iso(codec.parse(codec.serialize(wire.to_iso(env))))


def test_request_round_trip() -> None:
    env = Envelope(REQUEST, "RESHARE:AAA", "RESHARE:BBB", "RQ-1~0", note="urgent#seq:1#",
                   request={"title": "Dune", "author": "Herbert", "isbn": "9780441172719",
                            "system_instance_id": "c-1", "service_type": "Loan",
                            "pickup_location": "Main desk", "needed_by": "2030-01-02",
                            "patron_id": "P1", "max_cost": "10.00", "max_cost_currency": "USD",
                            "preceded_by": "RQ-0", "oclc_number": "123"})
    back = _round_trip(env)
    assert back.kind == REQUEST and back.note == "urgent#seq:1#"
    for key in ("title", "author", "isbn", "system_instance_id", "pickup_location",
                "needed_by", "patron_id", "max_cost", "preceded_by", "oclc_number"):
        assert back.request[key] == env.request[key], key


@pytest.mark.parametrize("env", [
    Envelope(SAM, "RESHARE:AAA", "RESHARE:BBB", "RQ-1~0", "17", reason="StatusChange",
             status="Loaned", item_id="v1##QA##B1", due_date="2030-02-01T00:00:00+00:00",
             delivery_cost="3.50", delivery_currency="USD", note="#seq:3#"),
    Envelope(SAM, "RESHARE:AAA", "RESHARE:BBB", "RQ-1~0", "17", reason="RequestResponse",
             status="ExpectToSupply", loan_condition="LibraryUseOnly", offered_cost="5.00",
             offered_currency="EUR"),
    Envelope(SAM, "RESHARE:AAA", "RESHARE:BBB", "RQ-1~0", "17", reason="CancelResponse",
             status="Cancelled", answer="Y"),
    Envelope(SAM, "RESHARE:AAA", "RESHARE:BBB", "RQ-1~0", "17", reason="RequestResponse",
             status="Unfilled", reason_unfilled="missing"),
    Envelope(RAM, "RESHARE:AAA", "RESHARE:BBB", "RQ-1~0", action="Renew", note="please"),
])
def test_messages_round_trip(env: Envelope) -> None:
    back = _round_trip(env)
    assert back.to_json() == env.to_json()
