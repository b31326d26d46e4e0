"""A fast decoder for regular UTF-8 ISO 2709 records, building the same pymarc objects.

pymarc's ``Record(data=...)`` spends most of its time in per-field bookkeeping (keyword
constructors, leader slicing per subfield, MARC-8 checks). For the common case, a UTF-8 record
with a valid leader and directory, two indicators per data field and ASCII subfield codes, this
module builds identical ``pymarc.Field`` / ``Subfield`` / ``Indicators`` values directly.
Anything irregular raises :class:`Irregular`, and the caller lets pymarc decode the record
(so its repairs and its error messages stay the reference behaviour).
"""

from __future__ import annotations

import pymarc
from pymarc import Field, Indicators, Leader, Subfield

_LEADER = 24
_ENTRY = 12
_SUB = b"\x1f"
_new_field = Field.__new__
_new_tuple = tuple.__new__


class Irregular(Exception):
    """The record needs pymarc's general decoder."""


def _control(tag: str, data: str) -> Field:
    field = _new_field(Field)
    field.tag = tag
    field.data = data
    field._indicators = None
    field.subfields = []
    field.control_field = True
    return field


def _datafield(tag: str, data: bytes) -> Field:
    try:
        parts = data.decode("utf-8").split("\x1f")
    except UnicodeDecodeError:  # decoded per subfield, as pymarc does, with replacements
        parts = [part.decode("utf-8", "replace") for part in data.split(_SUB)]
    head = parts[0]
    if len(head) != 2 or not head.isascii():
        raise Irregular("indicators")
    subfields = []
    for part in parts[1:]:
        if part:
            if part[0] > "\x7f":
                raise Irregular("subfield code")
            subfields.append(_new_tuple(Subfield, (part[0], part[1:])))
    field = _new_field(Field)
    field.tag = tag
    field.data = None
    field._indicators = _new_tuple(Indicators, (head[0], head[1]))
    field.subfields = subfields
    field.control_field = False
    return field


def decode_utf8(chunk: bytes) -> pymarc.Record:
    """The record pymarc would build with ``to_unicode=True, force_utf8=True,
    utf8_handling="replace"``; raises :class:`Irregular` when it is not a regular record."""
    try:
        leader = chunk[:_LEADER].decode("ascii")
        base = int(chunk[12:17])
        length = int(leader[:5])
        directory = chunk[_LEADER:base - 1].decode("ascii")
    except (UnicodeDecodeError, ValueError):
        raise Irregular("leader") from None
    if len(leader) != _LEADER or not 0 < base < len(chunk) or len(chunk) < length:
        raise Irregular("leader")
    if not directory or len(directory) % _ENTRY:
        raise Irregular("directory")
    fields = []
    for start in range(0, len(directory), _ENTRY):
        tag = directory[start:start + 3]
        try:
            size = int(directory[start + 3:start + 7])
            offset = base + int(directory[start + 7:start + 12])
        except ValueError:
            raise Irregular("directory") from None
        data = chunk[offset:offset + size - 1]
        if tag < "010" and tag.isdigit():
            try:
                fields.append(_control(tag, data.decode("utf-8")))
            except UnicodeDecodeError:
                raise Irregular("control field") from None
        else:
            fields.append(_datafield(tag, data))
    record = pymarc.Record(force_utf8=True)
    record.leader = Leader(leader)
    record.fields = fields
    return record
