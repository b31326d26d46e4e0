"""Shared pieces of the codec: errors, the field shapes derived from the model, date-times."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from types import UnionType
from typing import Any

from reshare.iso18626 import model as m
from reshare.iso18626.model import ErrorType


class Iso18626ParseError(ValueError):
    """An incoming message we cannot accept; carries what the ERROR confirmation needs."""

    def __init__(self, error_type: ErrorType, error_value: str, *, element: str | None = None,
                 header: m.Header | None = None) -> None:
        super().__init__(f"{error_type}: {error_value}")
        self.error_type = error_type
        self.error_value = error_value
        self.element = element
        self.header = header


class Iso18626ValidationError(ValueError):
    """A message *we* built is not valid v1.2: a bug, never something to put on the wire."""


@dataclass
class ParsedDocument:
    message: m.Message
    version: str | None
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- field shapes


@dataclass(frozen=True)
class Field:
    name: str
    xml: str
    kind: Any
    optional: bool
    repeated: bool
    has_default: bool


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@cache
def fields_of(cls: type) -> tuple[Field, ...]:
    hints = typing.get_type_hints(cls, vars(m))
    by_name = {f.name: f for f in dataclasses.fields(cls)}
    order = getattr(cls, "XML_ORDER", tuple(by_name))
    out = []
    for name in order:
        tp, optional, repeated = hints[name], False, False
        if isinstance(tp, UnionType) or typing.get_origin(tp) is typing.Union:
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
            optional = True
        if typing.get_origin(tp) is list:
            tp, repeated = typing.get_args(tp)[0], True
        f = by_name[name]
        has_default = (f.default is not dataclasses.MISSING
                       or f.default_factory is not dataclasses.MISSING)
        out.append(Field(name, camel(name), tp, optional, repeated, has_default))
    return tuple(out)


# ----------------------------------------------------------------------------- date-times

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$")


def parse_datetime(text: str) -> dt.datetime:
    """xs:dateTime plus real-world variants; values without a zone are taken as UTC."""
    match = _DATETIME.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a date-time (expected YYYY-MM-DDThh:mm:ssZ)")
    y, mo, d, h, mi, s, frac, zone = match.groups()
    tz = dt.UTC
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    micro = int((frac or "0")[:6].ljust(6, "0"))
    value = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                        micro, tzinfo=tz)
    return value.astimezone(dt.UTC)


def format_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise Iso18626ValidationError("naive datetime in an outgoing message; use UTC")
    value = value.astimezone(dt.UTC)
    text = (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
            f"{value.minute:02d}:{value.second:02d}")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"




def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal number")
    return value
