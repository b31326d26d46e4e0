"""The seam between messaging and the request engine: what applies an incoming message and
hears how each outgoing message ended.

The endpoint finds the handler with :func:`handler_for`: ``platform.extras["iso18626_handler"]``
if set; else ``reshare.requests.protocol.make_handler(platform)`` when that module exists; else
a :class:`RecordingHandler` that records what it applied (enough to run and test messaging).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from reshare.iso18626 import codec
from reshare.iso18626 import model as m

if TYPE_CHECKING:
    from reshare.db import ScopedSession
    from reshare.platform import Platform


@dataclass(frozen=True)
class HandlingOutcome:
    """OK, or ERROR with ``error_type`` and ``error_value``.

    ``confirmation_fields`` are set on the confirmation we answer with (e.g.
    ``{"error_data": ErrorData(...)}`` on an OK, as ReShare does for probes).
    """

    error_type: m.ErrorType | None = None
    error_value: str | None = None
    confirmation_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_type is None

    @classmethod
    def accepted(cls, **confirmation_fields: Any) -> HandlingOutcome:
        return cls(confirmation_fields=confirmation_fields)

    @classmethod
    def error(cls, error_type: m.ErrorType, error_value: str) -> HandlingOutcome:
        return cls(error_type=error_type, error_value=error_value)


class DeliveryResult(StrEnum):
    CONFIRMED = "confirmed"  # the peer answered OK (or a probe proved the message arrived)
    ERROR_CONFIRMATION = "error_confirmation"  # the peer answered ERROR: not delivered
    GAVE_UP = "gave_up"  # maximum attempts reached, or the peer has no address


@dataclass(frozen=True)
class DeliveryOutcome:
    result: DeliveryResult
    confirmation: m.Confirmation | None = None
    error_type: str | None = None
    error_value: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.result == DeliveryResult.CONFIRMED


@dataclass(frozen=True)
class OutboxItemView:
    """An outgoing message as the engine sees it (no ORM object leaves this capability)."""

    id: int
    request_ref: str
    element: str
    sender_symbol: str
    peer_symbol: str
    status: str
    attempts: int
    seq: int | None
    last_error: str | None
    error_type: str | None
    error_value: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in self.__dict__.items()}


def error_type_of(value: object) -> m.ErrorType:
    """An outcome's error type as the enum (handlers may give the XSD string); unknown or
    empty values become UnrecognisedDataValue, ReShare's catch-all."""
    if isinstance(value, m.ErrorType):
        return value
    try:
        return m.ErrorType(str(value))
    except ValueError:
        return m.ErrorType.UNRECOGNISED_DATA_VALUE


class IncomingHandler(Protocol):
    def handle(self, platform: Platform, session: ScopedSession, tenant_id: int,
               message: m.InitiatingMessage) -> HandlingOutcome:
        """Apply ``message`` in ``session`` (the tenant's unit of work). An ERROR outcome rolls
        the whole unit of work back: nothing changes. Any object with ``ok``, ``error_type``
        (an :class:`ErrorType` or its XSD string), ``error_value`` and optionally
        ``confirmation_fields`` is accepted as the outcome."""
        ...

    def on_delivery(self, platform: Platform, session: ScopedSession,
                    item: OutboxItemView, outcome: DeliveryOutcome) -> None:
        """The final outcome of one outgoing message, in the tenant's unit of work. A
        handler with ``hears_confirmed = False`` is told only of failures (ERROR
        confirmation, gave up): a confirmed send is then recorded with one statement."""
        ...


class RecordingHandler:
    """Accepts every message and records it (table ``iso18626_recorded``)."""

    hears_confirmed = False

    def handle(self, platform: Platform, session: ScopedSession, tenant_id: int,
               message: m.InitiatingMessage) -> HandlingOutcome:
        from reshare.iso18626.store import RecordedMessage

        note = (message.note if isinstance(message, m.RequestingAgencyMessage)
                else message.message_info.note if isinstance(message, m.SupplyingAgencyMessage)
                else message.service_info.note if message.service_info else None)
        session.add(RecordedMessage(element=message.ELEMENT,
                                    request_id=message.header.requesting_agency_request_id,
                                    note=note, body=codec.serialize(message).decode()))
        return HandlingOutcome.accepted()

    def on_delivery(self, platform: Platform, session: ScopedSession,
                    item: OutboxItemView, outcome: DeliveryOutcome) -> None:
        return None


def handler_for(platform: Platform) -> IncomingHandler:
    handler = platform.extras.get("iso18626_handler")
    if handler is not None:
        return handler  # type: ignore[no-any-return]
    try:
        found = importlib.util.find_spec("reshare.requests.protocol")
    except ModuleNotFoundError:
        found = None
    if found is not None:
        module = importlib.import_module("reshare.requests.protocol")
        handler = module.make_handler(platform)
    else:
        handler = RecordingHandler()
    platform.extras["iso18626_handler"] = handler
    return handler  # type: ignore[no-any-return]
