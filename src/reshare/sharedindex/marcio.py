"""Reading MARC: ISO 2709 (UTF-8 or MARC-8), MARCXML (bare, namespaced, in OAI-PMH) and
MARC-in-JSON, optionally gzipped. A bad record becomes a :class:`BadRecord` with its position
and the reason; reading always goes on to the next record.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import pymarc
from lxml import etree
from pymarc.exceptions import BadSubfieldCodeWarning

from reshare.sharedindex import iso2709

RECORD_END = b"\x1d"
_ISO_MAX = 99999


@dataclass(frozen=True)
class ReadRecord:
    position: int  # 1-based record number in the input
    record: pymarc.Record
    raw: bytes | None  # the original ISO 2709 bytes when they are already UTF-8 and unchanged


@dataclass(frozen=True)
class BadRecord:
    position: int
    reason: str
    offset: int | None = None  # byte offset in the (uncompressed) input, for ISO 2709


def read_marc(data: bytes) -> Iterator[ReadRecord | BadRecord]:
    """Every record of ``data``, whatever its format; gzip is detected by its magic bytes."""
    return read_marc_stream(io.BytesIO(data))


def read_marc_stream(stream: BinaryIO) -> Iterator[ReadRecord | BadRecord]:
    """Every record of a binary stream (a file, an upload), read block by block."""
    buffered = open_stream(stream)
    try:
        head = buffered.peek(512)[:512].lstrip().removeprefix(b"\xef\xbb\xbf")[:1]
    except (OSError, EOFError) as exc:
        yield BadRecord(1, f"gzip data is damaged: {exc}")
        return
    if head == b"<":
        yield from read_xml(buffered)
    elif head in (b"{", b"["):
        yield from read_json(buffered.read())
    else:
        yield from read_iso2709(iter(lambda: buffered.read(1 << 20), b""))


# --- ISO 2709 ---------------------------------------------------------------------------------------


def _looks_utf8(chunk: bytes) -> bool:
    """A blank leader/09 record whose bytes are valid UTF-8 (and carry no MARC-8 escapes)."""
    if b"\x1b" in chunk:
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def parse_iso_record(chunk: bytes) -> tuple[pymarc.Record, bytes | None]:
    """One ISO 2709 record as Unicode; raises ValueError with the reason when it is broken."""
    if len(chunk) < 24 or not chunk[:5].isdigit():
        raise ValueError("no valid leader (the record does not start with a 5-digit length)")
    coding = chunk[9:10]
    utf8 = coding == b"a" or (coding != b"a" and _looks_utf8(chunk))
    try:
        record = iso2709.decode_utf8(chunk) if utf8 else None
    except iso2709.Irregular:
        record = None
    if record is None:
        record = _pymarc_decode(chunk, utf8)
    if not record.fields:
        raise ValueError("the record has no fields")
    if coding == b"a" and b"\x00" not in chunk:
        return record, chunk
    leader = str(record.leader)
    record.leader = pymarc.Leader(leader[:9] + "a" + leader[10:])
    return record, None


def _pymarc_decode(chunk: bytes, utf8: bool) -> pymarc.Record:
    try:
        return pymarc.Record(data=chunk, to_unicode=True, force_utf8=utf8,
                             utf8_handling="replace", hide_utf8_warnings=True)
    except Exception as exc:  # pymarc raises many exception types for broken structure
        raise ValueError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None


class _Truncated(Exception):
    pass


def _pieces(blocks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    try:
        for block in blocks:
            parts = (rest + block).split(RECORD_END)
            rest = parts.pop()
            yield from parts
    except (OSError, EOFError) as exc:  # e.g. a truncated gzip stream
        raise _Truncated(str(exc)) from None
    if rest.strip(b"\r\n\t \x00"):
        yield rest


@dataclass(frozen=True)
class RawRecord:
    """One ISO 2709 record's bytes, cut from the input but not parsed yet."""

    position: int
    data: bytes
    offset: int


def quiet_pymarc() -> None:
    # pymarc logs each oddity it repairs; we report what matters per record instead
    logging.getLogger("pymarc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=BadSubfieldCodeWarning)


def iso_pieces(blocks: Iterable[bytes]) -> Iterator[RawRecord | BadRecord]:
    """Cut ISO 2709 records out of blocks, tolerating noise between records."""
    position = 0
    offset = 0
    pieces = _pieces(blocks)
    while True:
        try:
            piece = next(pieces)
        except StopIteration:
            return
        except _Truncated as exc:
            yield BadRecord(position + 1, f"the input ends early (damaged or truncated): {exc}")
            return
        start = offset
        offset += len(piece) + 1
        # tolerate line breaks, NULs and a few garbage bytes between records
        stripped = piece.lstrip(b"\r\n\t \x00")
        skipped = len(piece) - len(stripped)
        if not stripped:
            continue
        garbage = 0
        while garbage < 4 and garbage < len(stripped) and not stripped[garbage:garbage + 1].isdigit():
            garbage += 1
        position += 1
        yield RawRecord(position, stripped[garbage:] + RECORD_END, start + skipped + garbage)


def parse_raw(raw: RawRecord) -> ReadRecord | BadRecord:
    try:
        record, kept = parse_iso_record(raw.data)
    except ValueError as exc:
        return BadRecord(raw.position, str(exc), raw.offset)
    return ReadRecord(raw.position, record, kept)


def read_iso2709(blocks: Iterable[bytes]) -> Iterator[ReadRecord | BadRecord]:
    quiet_pymarc()
    for piece in iso_pieces(blocks):
        yield parse_raw(piece) if isinstance(piece, RawRecord) else piece


def is_iso2709(buffered: Any) -> bool:
    head = buffered.peek(512)[:512].lstrip().removeprefix(b"\xef\xbb\xbf")[:1]
    return head not in (b"<", b"{", b"[")


def open_stream(stream: BinaryIO) -> Any:
    """A peekable stream, gunzipped when the data is gzip."""
    buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        buffered = io.BufferedReader(gzip.GzipFile(fileobj=buffered))  # type: ignore[arg-type]
    return buffered


# --- MARCXML ------------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def _xml_record(element: etree._Element) -> pymarc.Record:
    record = pymarc.Record(leader="00000nam a2200000   4500", force_utf8=True)
    for child in element:
        name = _local(child.tag)
        if name == "leader":
            text = (child.text or "").ljust(24)[:24]
            record.leader = pymarc.Leader(text[:9] + "a" + text[10:])
        elif name == "controlfield":
            record.add_field(pymarc.Field(tag=child.get("tag", "").strip(),
                                          data=child.text or ""))
        elif name == "datafield":
            subfields = [pymarc.Subfield(code=(sf.get("code") or " ")[:1], value=sf.text or "")
                         for sf in child if _local(sf.tag) == "subfield"]
            indicators = pymarc.Indicators((child.get("ind1") or " ")[:1] or " ",
                                           (child.get("ind2") or " ")[:1] or " ")
            record.add_field(pymarc.Field(tag=child.get("tag", "").strip(),
                                          indicators=indicators, subfields=subfields))
    return record


def _is_marc_record(element: etree._Element) -> bool:
    return any(_local(c.tag) in ("leader", "controlfield", "datafield") for c in element)


def read_xml(source: bytes | BinaryIO) -> Iterator[ReadRecord | BadRecord]:
    """MARCXML records anywhere in the document (collection, OAI-PMH, SRU), namespaced or not.

    The parser recovers from broken XML where it can; what it cannot read is reported.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    parser_events = etree.iterparse(stream, events=("end",), recover=True, huge_tree=True)
    position = 0
    try:
        for _, element in parser_events:
            if _local(element.tag) != "record" or not _is_marc_record(element):
                continue
            position += 1
            try:
                record = _xml_record(element)
                if not record.fields:
                    raise ValueError("the record has no fields")
                yield ReadRecord(position, record, None)
            except (ValueError, TypeError) as exc:
                yield BadRecord(position, f"bad MARCXML record: {exc}")
            element.clear()
    except (etree.XMLSyntaxError, OSError, EOFError) as exc:
        yield BadRecord(position + 1, f"XML is not well-formed, reading stopped here: {exc}")
    if position == 0:
        yield BadRecord(1, "no MARCXML record found (expected <record> with <leader>, "
                           "<controlfield> or <datafield> children)")


# --- MARC-in-JSON -------------------------------------------------------------------------------------


def record_from_json(obj: dict[str, object]) -> pymarc.Record:
    """One MARC-in-JSON record, bare or wrapped as ``{"marc": ...}`` (Reservoir's payload)."""
    if "marc" in obj and isinstance(obj["marc"], dict):
        obj = obj["marc"]
    fields = obj.get("fields")
    if not isinstance(fields, list):
        raise ValueError("MARC fields is not an array")
    if not obj.get("leader"):
        obj = {**obj, "leader": "00000nam a22000000a 4500"}
    reader = pymarc.JSONReader(json.dumps(obj))
    return next(iter(reader))


def read_json(data: bytes) -> Iterator[ReadRecord | BadRecord]:
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        yield BadRecord(1, f"JSON is not valid: {exc}")
        return
    items = parsed if isinstance(parsed, list) else [parsed]
    for position, item in enumerate(items, start=1):
        try:
            if not isinstance(item, dict):
                raise ValueError("a record must be a JSON object")
            yield ReadRecord(position, record_from_json(item), None)
        except (ValueError, KeyError, TypeError) as exc:
            yield BadRecord(position, f"bad MARC-in-JSON record: {exc}")


# --- writing ---------------------------------------------------------------------------------------


def to_storage(record: pymarc.Record, raw: bytes | None) -> tuple[str, bytes]:
    """How a record is stored: ISO 2709 UTF-8 when it fits, else MARC-in-JSON."""
    if raw is not None:
        return "iso", raw
    try:
        encoded = record.as_marc()
    except Exception:  # noqa: BLE001 - fall back to JSON for anything ISO 2709 cannot hold
        encoded = b""
    if encoded and len(encoded) <= _ISO_MAX:
        return "iso", encoded
    return "json", record.as_json().encode("utf-8")


def from_storage(fmt: str, data: bytes) -> pymarc.Record:
    if fmt == "json":
        return record_from_json(json.loads(data))
    return pymarc.Record(data=data, force_utf8=True, utf8_handling="replace",
                         hide_utf8_warnings=True)
