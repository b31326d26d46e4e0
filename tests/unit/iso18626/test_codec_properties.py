"""Property: every generated message of every type serialises to XSD-valid XML and parses back
equal (serialize() validates against the v1.2 XSD and raises otherwise)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from reshare.iso18626 import codec
from reshare.iso18626 import model as m
from tests.unit.iso18626.strategies import objects


@pytest.mark.parametrize("cls", m.MESSAGE_CLASSES, ids=lambda c: c.ELEMENT)
def test_every_message_type_round_trips(cls: type) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(objects(cls))
    def check(message: m.Message) -> None:
        data = codec.serialize(message)
        assert codec.parse(data) == message

    check()


def test_characters_xml_cannot_carry_are_dropped_not_fatal() -> None:
    """Patron-entered text with control characters must not make a message unsendable."""
    import dataclasses
    from pathlib import Path

    fixture = Path(__file__).parents[2] / "fixtures/iso18626/codes/request-service-Loan.xml"
    base = codec.parse(fixture.read_bytes())
    assert isinstance(base, m.Request)
    info = dataclasses.replace(base.bibliographic_info, title="Bad\x00 ti\x0btle\ufffe")
    message = dataclasses.replace(base, bibliographic_info=info)
    parsed = codec.parse(codec.serialize(message))
    assert parsed.bibliographic_info.title == "Bad title"
