"""Pure domain of the shared index: holdings mappings, standard numbers, what a record
contributes (keys, holdings, search text). No database, no web.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import pymarc

from reshare.errors import ValidationFailed
from reshare.sharedindex.matchkeys import MATCHERS, MATCHVALUE_MAX

SOURCE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9:/_-]{0,31}$")
HOLDINGS_TYPES = frozenset("uvxy")  # leader/06 of MARC 21 holdings (MFHD) records


class Op(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"
    MFHD = "mfhd"


# --- holdings mapping -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldingsMapping:
    """Which field and subfields of a library's records give its holdings.

    ``unlendable`` maps a subfield code to a regular expression: a holding whose subfield
    matches it in full is not lendable (e.g. Koha's not-for-loan ``$7`` other than 0).
    """

    tag: str
    location: str = ""
    call_number: str = ""
    item_id: str = ""
    policy: str = ""  # subfield whose value is shown as the policy
    unlendable: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, HoldingsMapping] = {
    # MARC 21 852 location (Alma publishing, Voyager, MFHD): $b location, $h call number
    "852": HoldingsMapping("852", location="b", call_number="h", item_id="p", policy="z"),
    # Koha items: $a home branch, $o call number, $p barcode; $7 not for loan, $1 lost,
    # $0 withdrawn (non-zero means not lendable)
    "koha": HoldingsMapping("952", location="a", call_number="o", item_id="p", policy="7",
                            unlendable={"7": r"-?[1-9][0-9]*", "1": r"[1-9][0-9]*",
                                        "0": r"[1-9][0-9]*"}),
    # SirsiDynix Symphony/Unicorn 999: $m library, $l home location, $a call number,
    # $i barcode, $t item type
    "999": HoldingsMapping("999", location="m", call_number="a", item_id="i", policy="t",
                           unlendable={"l": r"(?i).*(REFERENCE|NONCIRC|REF|RESERVE).*"}),
    # Alma AVA availability: $b library, $d call number, $e availability, $8 holdings id
    "ava": HoldingsMapping("AVA", location="b", call_number="d", item_id="8", policy="e"),
    # Symphony 926 (SIRSI holdings export): $a library, $b location, $c call number
    "926": HoldingsMapping("926", location="a", call_number="c", item_id="",
                           policy="b", unlendable={"b": r"(?i).*(REF|NONCIRC).*"}),
    # Evergreen / Symphony 949 items: $l location, $a call number, $i barcode
    "949": HoldingsMapping("949", location="l", call_number="a", item_id="i", policy="t"),
}


def mapping_from(preset: str, custom: dict[str, Any] | None = None) -> HoldingsMapping:
    """The preset named ``preset``, or ``custom`` when preset is 'custom'."""
    if preset == "custom":
        if not custom or not isinstance(custom.get("tag"), str) or len(custom["tag"]) != 3:
            raise ValidationFailed("a custom holdings mapping needs 'tag' (three characters) "
                                   "and subfield codes for location, call_number, item_id",
                                   details={"field": "mapping"})
        allowed = {"tag", "location", "call_number", "item_id", "policy", "unlendable"}
        unknown = set(custom) - allowed
        if unknown:
            raise ValidationFailed(f"unknown mapping keys {sorted(unknown)}; use {sorted(allowed)}",
                                   details={"field": "mapping"})
        for pattern in (custom.get("unlendable") or {}).values():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValidationFailed(f"unlendable pattern {pattern!r} is not a valid "
                                       f"regular expression: {exc}") from None
        return HoldingsMapping(**custom)
    if preset not in PRESETS:
        raise ValidationFailed(f"unknown holdings preset {preset!r}; use one of "
                               f"{sorted(PRESETS)} or 'custom'", details={"field": "preset"})
    return PRESETS[preset]


@dataclass(frozen=True)
class Holding:
    location: str = ""
    call_number: str = ""
    item_id: str = ""
    policy: str = ""
    lendable: bool = True


def _sub(field_: pymarc.Field, code: str) -> str:
    if not code:
        return ""
    for sub in field_.subfields:
        if sub.code == code and sub.value:
            return str(sub.value).strip()
    return ""


def extract_holdings(record: pymarc.Record, mapping: HoldingsMapping) -> list[Holding]:
    found = []
    for f in record.get_fields(mapping.tag):
        if f.is_control_field():
            continue
        lendable = not any(re.fullmatch(pattern, _sub(f, code))
                           for code, pattern in mapping.unlendable.items() if _sub(f, code))
        found.append(Holding(location=_sub(f, mapping.location),
                             call_number=_sub(f, mapping.call_number),
                             item_id=_sub(f, mapping.item_id), policy=_sub(f, mapping.policy),
                             lendable=lendable))
    return found


# --- standard numbers -----------------------------------------------------------------------------

_ISBN = re.compile(r"[0-9][0-9 -]{8,16}[0-9Xx]")
_ISSN = re.compile(r"\b([0-9]{4})-?([0-9]{3}[0-9Xx])\b")


def isbn13(text: str) -> str | None:
    """ISBN-13 of the first ISBN in ``text`` (ISBN-10 converted); None when there is none."""
    match = _ISBN.search(text or "")
    if not match:
        return None
    digits = re.sub(r"[^0-9Xx]", "", match.group(0)).upper()
    if len(digits) == 10:
        stem = "978" + digits[:9]
    elif len(digits) == 13 and "X" not in digits:
        return digits
    else:
        return None
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(stem))
    return stem + str((10 - total % 10) % 10)


def issn(text: str) -> str | None:
    match = _ISSN.search(text or "")
    return (match.group(1) + match.group(2)).upper() if match else None


_LCCN = re.compile(r"^[a-z]{0,3}[0-9]{8,10}$")
_OCLC = re.compile(r"\(OCoLC\)\s*(?:ocm|ocn|on)?\s*0*([1-9][0-9]*)")


def lccn(text: str) -> str | None:
    """LC control number normalised as LC specifies (blanks out, hyphen part zero-padded)."""
    value = (text or "").split("/")[0].replace(" ", "").lower()
    if "-" in value:
        prefix, _, serial = value.partition("-")
        value = prefix + serial.zfill(6)
    return value if _LCCN.match(value) else None


def oclc(text: str) -> str | None:
    match = _OCLC.search(text or "")
    return match.group(1) if match else None


def other_numbers(record: pymarc.Record) -> list[str]:
    """``lccn:`` (010 $a) and ``oclc:`` (035 $a with the (OCoLC) prefix) match values."""
    found = {f"lccn:{n}" for f in record.get_fields("010") for v in f.get_subfields("a")
             if (n := lccn(v))}
    found |= {f"oclc:{n}" for f in record.get_fields("035") for v in f.get_subfields("a")
              if (n := oclc(v))}
    return sorted(found)


def standard_numbers(record: pymarc.Record) -> tuple[list[str], list[str]]:
    isbns = {n for f in record.get_fields("020") for v in f.get_subfields("a")
             if (n := isbn13(v))}
    issns = {n for f in record.get_fields("022") for v in f.get_subfields("a") if (n := issn(v))}
    return sorted(isbns), sorted(issns)


# --- what a record contributes ------------------------------------------------------------------


@dataclass
class Contribution:
    """A bibliographic record ready to store: its identity, keys, holdings and search text."""

    local_id: str
    keys: list[str]
    holdings: list[Holding]
    title: str
    author: str
    isbns: list[str]
    issns: list[str]
    year: str
    text: str  # keyword text: subjects, notes, publisher, series


def _joined(record: pymarc.Record, tags: tuple[str, ...], codes: str) -> str:
    parts: list[str] = []
    for f in record.get_fields(*tags):
        if not f.is_control_field():
            parts.extend(str(s.value) for s in f.subfields if s.code in codes and s.value)
    return " ".join(parts)


def match_keys(record: pymarc.Record, matcher: str, isbns: list[str],
               issns: list[str]) -> list[str]:
    """Every match value of a record: ``<matcher>:<key>`` when it has a title, then ISBN-13,
    ISSN, LCCN and OCLC numbers."""
    keys = []
    if any(f.get_subfields("a", "b") for f in record.get_fields("245")):
        keys.append(f"{matcher}:{MATCHERS[matcher](record)}"[:MATCHVALUE_MAX])
    keys.extend(f"isbn:{n}" for n in isbns)
    keys.extend(f"issn:{n}" for n in issns)
    keys.extend(other_numbers(record))
    return keys


def local_id_of(record: pymarc.Record) -> str:
    fields = record.get_fields("001")
    return (fields[0].data or "").replace("\x1f", "").strip() if fields else ""


def contribution(record: pymarc.Record, mapping: HoldingsMapping, matcher: str) -> Contribution:
    isbns, issns = standard_numbers(record)
    f008 = record.get_fields("008")
    year = (f008[0].data or "")[7:11] if f008 else ""
    return Contribution(
        local_id=local_id_of(record),
        keys=match_keys(record, matcher, isbns, issns),
        holdings=extract_holdings(record, mapping),
        title=_joined(record, ("245",), "abnp").strip(" /:;,."),
        author=_joined(record, ("100", "110", "111", "700", "710"), "abcdq").strip(" ,."),
        isbns=isbns, issns=issns, year=year if year.isdigit() else "",
        text=_joined(record, ("250", "260", "264", "490", "500", "520", "600", "610", "650",
                              "651", "655", "830"), "abcdvxyz"),
    )


def operation_of(record: pymarc.Record) -> Op:
    leader = str(record.leader)
    if leader[5:6] == "d":
        return Op.DELETE
    if leader[6:7] in HOLDINGS_TYPES or record.get_fields("004"):
        return Op.MFHD
    return Op.UPSERT


def check_source_code(code: str) -> str:
    upper = code.strip().upper()
    if not SOURCE_CODE.match(upper):
        raise ValidationFailed(f"source code {code!r} is not valid: 1-32 letters, digits, ':', "
                               "'/', '_' or '-' (e.g. NJSOOS)", details={"field": "code"})
    return upper
