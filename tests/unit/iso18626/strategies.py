"""Hypothesis strategies for every ISO 18626 model class, derived from the dataclasses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hypothesis import strategies as st

from reshare.iso18626 import model as m
from reshare.iso18626._shapes import Field, fields_of

# XML 1.0 characters, minus CR (normalised to LF by any parser) and surrogates
_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\r\ufffe\uffff",
) | st.sampled_from("\n\t")
TEXT = st.text(_CHARS, max_size=12)
TOKEN = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Z"),
                              exclude_characters="\ufffe\uffff"),
                min_size=1, max_size=10)
URI = st.sampled_from([
    "http://illtransactions.org/ISO18626/OpenCodeList/ReasonUnfilledList-V1.0",
    "RESHARE", "reshare", "ISIL", "", "urn:x-test",
])
DATETIME = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 30),
                        timezones=st.just(dt.UTC))
DECIMAL = st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e9"),
                      max_value=Decimal("1e9"), places=2)


def _kind(kind: Any) -> st.SearchStrategy[Any]:
    if kind is m.SchemeValue:
        return st.builds(m.SchemeValue, TOKEN, st.none() | URI)
    if kind is m.Address:
        return st.one_of(st.builds(m.Address, electronic_address=_kind(m.ElectronicAddress)),
                         st.builds(m.Address, physical_address=_kind(m.PhysicalAddress)))
    if dataclasses.is_dataclass(kind):
        return objects(kind)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return st.sampled_from(list(kind))
    return {str: TEXT, int: st.integers(-10**6, 10**6), bool: st.booleans(),
            Decimal: DECIMAL, dt.datetime: DATETIME}[kind]


def _field(f: Field) -> st.SearchStrategy[Any]:
    inner = _kind(f.kind)
    if f.repeated:
        return st.lists(inner, max_size=3 if f.name == "request_sub_type" else 2)
    return st.none() | inner if f.optional else inner


def _empty(obj: Any) -> bool:
    return all(getattr(obj, f.name) in (None, []) for f in fields_of(type(obj)))


def objects(cls: type) -> st.SearchStrategy[Any]:
    strategy = st.builds(cls, **{f.name: _field(f) for f in fields_of(cls)})
    if all(f.optional or f.repeated for f in fields_of(cls)):
        # an empty optional group (<returnInfo/>) reads back as absent, by design
        strategy = strategy.filter(lambda o: not _empty(o))
    return strategy


MESSAGES = st.one_of(*[objects(cls) for cls in m.MESSAGE_CLASSES])
