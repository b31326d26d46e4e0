"""XML ⇄ :mod:`reshare.iso18626.model`: lenient, namespace-aware parsing of what peers send;
strict, XSD-validated serialisation of everything we send.

The mapping is derived from the dataclasses (see the model's docstring), so every v1.2 field
is covered by one small walker in each direction instead of hand-written code per element.
Leniency (documented in docs/iso18626.md): any prefix or no namespace; unqualified ``version``
and ``scheme``; a missing ``ISO18626Message`` wrapper; ``+0000`` offsets, fractional seconds,
date-only values; empty typed elements read as absent (a required date-time falls back to the
message's own timestamp); missing ``multipleItemRequestId``; British or American error-type
spelling; 2021-2 elements mapped where v1.2 has a slot and otherwise ignored with a warning.
Strict: unknown code values, missing required elements, elements unknown to both versions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree

from reshare.iso18626 import _reader
from reshare.iso18626 import model as m
from reshare.iso18626._shapes import (
    Field,
    Iso18626ParseError,
    Iso18626ValidationError,
    ParsedDocument,
    fields_of,
    format_datetime,
    parse_datetime,
)
from reshare.iso18626.model import NAMESPACE, ErrorType
from reshare.iso18626.xmlsafe import MAX_MESSAGE_BYTES, UnsafeXml, parse_bytes

__all__ = ["Iso18626ParseError", "Iso18626ValidationError", "ParsedDocument", "parse",
           "parse_document", "parse_datetime", "format_datetime", "serialize", "schema"]

SCHEMA_LOCATION = f"{NAMESPACE} https://illtransactions.org/schemas/ISO-18626-v1_2.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_Q = f"{{{NAMESPACE}}}"


# ----------------------------------------------------------------------------- serialise


# Characters XML 1.0 cannot carry (controls, surrogates, U+FFFE/U+FFFF). Patron-entered text
# may hold them; they are dropped rather than making the whole message unsendable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _text_of(kind: Any, value: Any) -> str:
    if kind is dt.datetime:
        return format_datetime(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is Decimal:
        if not value.is_finite():
            raise Iso18626ValidationError(f"monetary value {value} is not a finite decimal")
        return format(value, "f")
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


def _write(parent: etree._Element, f: Field, value: Any) -> None:
    el = etree.SubElement(parent, _Q + f.xml)
    if f.kind is m.SchemeValue:
        el.text = xml_text(value.value)
        if value.scheme is not None:
            el.set(_Q + "scheme", value.scheme)
    elif dataclasses.is_dataclass(f.kind):
        _write_children(el, value)
    else:
        el.text = xml_text(_text_of(f.kind, value))


def _write_children(el: etree._Element, obj: Any) -> None:
    for f in fields_of(type(obj)):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        for item in (value if f.repeated else [] if value is None else [value]):
            _write(el, f, item)


@cache
def schema() -> etree.XMLSchema:
    data = resources.files("reshare.iso18626").joinpath("schemas/ISO-18626-v1_2.xsd")
    return etree.XMLSchema(etree.fromstring(data.read_bytes()))


def to_element(message: m.Message) -> etree._Element:
    root = etree.Element(_Q + "ISO18626Message", nsmap={"ill": NAMESPACE, "xsi": _XSI})
    root.set(_Q + "version", m.VERSION)
    root.set(f"{{{_XSI}}}schemaLocation", SCHEMA_LOCATION)
    body = etree.SubElement(root, _Q + message.ELEMENT)
    _write_children(body, message)
    return root


def serialize(message: m.Message) -> bytes:
    """UTF-8 XML for ``message``, validated against the v1.2 XSD (raises if invalid)."""
    root = to_element(message)
    xsd = schema()
    if not xsd.validate(root):
        problems = "; ".join(f"{e.path}: {e.message}" for e in list(xsd.error_log)[:5])
        raise Iso18626ValidationError(f"outgoing {message.ELEMENT} is not valid v1.2: {problems}")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


# ----------------------------------------------------------------------------- parse

def parse_document(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> ParsedDocument:
    """Parse an incoming message, reporting the version seen and any leniency applied."""
    try:
        root = parse_bytes(data, max_bytes=max_bytes)
    except UnsafeXml as exc:
        raise Iso18626ParseError(ErrorType.BADLY_FORMED_MESSAGE, str(exc)) from None
    return _reader.read(root)


def parse(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> m.Message:
    """Parse an incoming message (any of the six types); raises :class:`Iso18626ParseError`."""
    return parse_document(data, max_bytes=max_bytes).message


