"""The lenient reader: an lxml tree of an incoming message → model objects (see codec)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree

from reshare.iso18626 import model as m
from reshare.iso18626._shapes import (
    Field,
    Iso18626ParseError,
    ParsedDocument,
    fields_of,
    parse_datetime,
    parse_decimal,
)
from reshare.iso18626.model import NAMESPACE, ErrorType

_Q = f"{{{NAMESPACE}}}"
ELEMENT_CLASSES: dict[str, Any] = {cls.ELEMENT: cls for cls in m.MESSAGE_CLASSES}
# 2021-2 names for elements that have a v1.2 slot: (parent, 2021 name) → v1.2 name
RENAMED_2021 = {
    ("deliveryInfo", "deliveryMethod"): "sentVia",
    ("deliveryInfo", "itemFormat"): "deliveredFormat",
    ("serviceInfo", "itemFormat"): "preferredFormat",
}
ERROR_TYPE_ALIASES = {
    "UnrecognizedDataElement": ErrorType.UNRECOGNISED_DATA_ELEMENT,
    "UnrecognizedDataValue": ErrorType.UNRECOGNISED_DATA_VALUE,
    "UnsupportedReasonforMessageType": ErrorType.UNSUPPORTED_REASON_FOR_MESSAGE_TYPE,
}


@cache
def names_2021() -> frozenset[str]:
    """Every element name of the 2021-2 schema: tolerated (ignored) when v1.2 has no slot."""
    data = resources.files("reshare.iso18626").joinpath("schemas/ISO-18626-2021-2.xsd")
    tree = etree.fromstring(data.read_bytes())
    xs = "{http://www.w3.org/2001/XMLSchema}element"
    return frozenset(str(e.get("name")) for e in tree.iter(xs) if e.get("name"))


class _Ctx:
    def __init__(self) -> None:
        self.element: str | None = None
        self.header: m.Header | None = None
        self.reference_time: dt.datetime | None = None
        self.warnings: list[str] = []


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _ours(el: etree._Element) -> bool:
    return etree.QName(el).namespace in (NAMESPACE, None)


def read(root: etree._Element) -> ParsedDocument:
    ctx = _Ctx()
    if not _ours(root):
        raise Iso18626ParseError(ErrorType.BADLY_FORMED_MESSAGE,
                                 f"not an ISO 18626 message: root element {root.tag}")
    version = root.get(_Q + "version")
    if _local(root) == "ISO18626Message":
        if version is None and root.get("version") is not None:
            version = root.get("version")
            ctx.warnings.append("unqualified version attribute")
        bodies = [c for c in root if isinstance(c.tag, str) and _ours(c)]
        if len(bodies) != 1:
            raise Iso18626ParseError(ErrorType.BADLY_FORMED_MESSAGE,
                                     f"ISO18626Message must hold exactly one message, "
                                     f"found {len(bodies)}")
        body = bodies[0]
    else:
        body = root
        ctx.warnings.append("message without the ISO18626Message wrapper")
    name = _local(body)
    cls = ELEMENT_CLASSES.get(name)
    if cls is None:
        raise Iso18626ParseError(ErrorType.UNRECOGNISED_DATA_ELEMENT,
                                 f"{name}: not an ISO 18626 message element")
    ctx.element = name
    _hoist_retry_info(body, ctx)
    if name == "supplyingAgencyMessage":
        _statusless_probe(body, ctx)
    try:
        _read_header_first(body, ctx)
        message = _read_obj(cls, body, name, ctx)
    except Iso18626ParseError as exc:
        exc.element, exc.header = name, ctx.header
        raise
    return ParsedDocument(message, version, list(dict.fromkeys(ctx.warnings)))


def _read_header_first(body: etree._Element, ctx: _Ctx) -> None:
    for child in body:
        if not isinstance(child.tag, str):
            continue
        if _local(child) == "header":
            ctx.header = _read_obj(m.Header, child, f"{ctx.element}/header", ctx)
            ctx.reference_time = ctx.header.timestamp
        elif _local(child) == "confirmationHeader":
            ts = child.find(_Q + "timestamp")
            if ts is None:
                ts = child.find("timestamp")
            if ts is not None and (ts.text or "").strip():
                ctx.reference_time = _convert(dt.datetime, ts.text or "", "timestamp")


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    return next((c for c in el if isinstance(c.tag, str) and _local(c) == name), None)


def _statusless_probe(body: etree._Element, ctx: _Ctx) -> None:
    """ReShare's supplier-side ``#lastSeq`` probe is a StatusChange *without* a status. A probe
    is answered from sequence numbers and never applied, so a placeholder status is safe."""
    note = _child(_child(body, "messageInfo"), "note")
    if note is None or "#lastSeq:" not in (note.text or ""):
        return
    info = _child(body, "statusInfo")
    if info is None:
        info = etree.SubElement(body, _Q + "statusInfo")
    status = _child(info, "status")
    if status is None or not (status.text or "").strip():
        if status is None:
            status = etree.Element(_Q + "status")
            info.insert(0, status)
        status.text = m.Status.REQUEST_RECEIVED.value
        ctx.warnings.append("#lastSeq probe without a status (ReShare's shape): placeholder "
                            "status RequestReceived; probes are never applied")


def _hoist_retry_info(body: etree._Element, ctx: _Ctx) -> None:
    """2021-2 moved offeredCosts/retryAfter/retryBefore into retryInfo; put them back."""
    retry = next((c for c in body if isinstance(c.tag, str) and _local(c) == "retryInfo"), None)
    info = next((c for c in body if isinstance(c.tag, str) and _local(c) == "messageInfo"), None)
    if retry is None:
        return
    ctx.warnings.append("2021-2 retryInfo mapped into messageInfo")
    for child in list(retry):
        if not isinstance(child.tag, str):
            continue
        if info is not None and _local(child) in ("offeredCosts", "retryAfter", "retryBefore"):
            info.append(child)
        else:
            ctx.warnings.append(f"{_local(body)}/retryInfo/{_local(child)}: 2021-2 element "
                                "ignored (no v1.2 slot)")
    body.remove(retry)


def _read_obj(cls: Any, el: etree._Element, path: str, ctx: _Ctx) -> Any:
    fields = fields_of(cls)
    known = {f.xml for f in fields}
    groups: dict[str, list[etree._Element]] = {}
    parent = _local(el)
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if not _ours(child):
            ctx.warnings.append(f"{path}: ignored foreign element {child.tag}")
            continue
        name = _local(child)
        name = RENAMED_2021.get((parent, name), name)
        if name not in known:
            if name in names_2021():
                ctx.warnings.append(f"{path}/{name}: 2021-2 element ignored (no v1.2 slot)")
                continue
            raise Iso18626ParseError(ErrorType.UNRECOGNISED_DATA_ELEMENT,
                                     f"{path}/{name}: unknown element")
        groups.setdefault(name, []).append(child)
    kwargs = {}
    for f in fields:
        value = _read_field(f, groups.get(f.xml, []), f"{path}/{f.xml}", ctx)
        if value is not _ABSENT:
            kwargs[f.name] = value
    return cls(**kwargs)


_ABSENT = object()


def _read_field(f: Field, els: list[etree._Element], path: str, ctx: _Ctx) -> Any:
    if f.repeated:
        values = [_read_value(f.kind, e, path, ctx) for e in els]
        return [v for v in values if v is not None]
    if len(els) > 1:
        ctx.warnings.append(f"{path}: repeated {len(els)} times, first one used")
    value = _read_value(f.kind, els[0], path, ctx) if els else None
    if value is not None:
        return value
    if f.optional:
        return None
    if els and dataclasses.is_dataclass(f.kind):
        return _read_obj(f.kind, els[0], path, ctx)  # an empty <bibliographicInfo/> is fine
    if f.has_default:
        if not els:
            ctx.warnings.append(f"{path}: missing, default used")
        return _ABSENT
    if f.kind is dt.datetime and ctx.reference_time is not None:
        ctx.warnings.append(f"{path}: missing or empty, message timestamp used")
        return ctx.reference_time
    raise Iso18626ParseError(ErrorType.BADLY_FORMED_MESSAGE,
                             f"{path}: required element is missing or empty")


def _read_value(kind: Any, el: etree._Element, path: str, ctx: _Ctx) -> Any:
    if kind is m.SchemeValue:
        text = (el.text or "").strip()
        scheme = el.get(_Q + "scheme")
        if scheme is None and el.get("scheme") is not None:
            scheme = el.get("scheme")
            ctx.warnings.append(f"{path}: unqualified scheme attribute")
        return m.SchemeValue(text, scheme) if text or scheme else None
    if dataclasses.is_dataclass(kind):
        if len(el) == 0 and not (el.text or "").strip():
            return None  # <offeredCosts /> and the like: absent
        return _read_obj(kind, el, path, ctx)
    if kind is str:
        return el.text or ""
    text = (el.text or "").strip()
    if not text:
        return None
    return _convert(kind, text, path)


def _convert(kind: Any, text: str, path: str) -> Any:
    text = text.strip()
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return _enum(kind, text, path)
    try:
        if kind is dt.datetime:
            return parse_datetime(text)
        if kind is Decimal:
            return parse_decimal(text)
        if kind is int:
            return int(text)
        if kind is bool:
            return _boolean(text)
    except ValueError as exc:
        raise Iso18626ParseError(ErrorType.UNRECOGNISED_DATA_VALUE, f"{path}: {exc}") from None
    raise TypeError(f"no reader for {kind}")


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "y", "yes"):
        return True
    if lowered in ("false", "0", "n", "no"):
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false)")


def _enum(kind: type[StrEnum], text: str, path: str) -> StrEnum:
    if kind is ErrorType and text in ERROR_TYPE_ALIASES:
        return ERROR_TYPE_ALIASES[text]
    try:
        return kind(text)
    except ValueError:
        pass
    error_type = {
        m.Action: ErrorType.UNSUPPORTED_ACTION_TYPE,
        m.ReasonForMessage: ErrorType.UNSUPPORTED_REASON_FOR_MESSAGE_TYPE,
    }.get(kind, ErrorType.UNRECOGNISED_DATA_VALUE)
    allowed = ", ".join(v.value for v in kind)
    raise Iso18626ParseError(error_type, f"{path}: {text!r} is not a valid {kind.__name__} "
                                         f"(expected one of {allowed})")
