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
