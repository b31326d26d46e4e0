"""Match keys: GoldRush 2021 and 2024 (Reservoir-compatible, byte for byte), ISBN and ISSN.

Pure functions over a ``pymarc.Record``. The GoldRush rules follow the published
specification as Reservoir implements it (see docs/sharedindex.md and the reference notes);
tests compare our keys with the keys Reservoir's own test suite asserts.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence

import pymarc
import regex

MATCHVALUE_MAX = 600
_DIACRITIC = regex.compile(r"\p{Diacritic}")
_LEADING_ARTICLES = (regex.compile(r"^ *[aA] +"), regex.compile(r"^ *[aA]n +"),
                     regex.compile(r"^ *[tT]he +"))
_ARTICLE_STARTS = frozenset("aAtT")
_ASCII_DIACRITICS = {ord("^"): None, ord("`"): None}
_PUNCT = frozenset(" !\"#$()*+,-./:;<=>?@[\\]^_`|~\u00a9")
_TABLES: dict[str, dict[int, str]] = {}
_ORDINALS = {"fir": "1", "sec": "2", "thi": "3", "fou": "4", "fif": "5", "six": "6",
             "sev": "7", "eig": "8", "nin": "9", "ten": "10"}
_SPACES = re.compile(r" +")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_YEAR_2024 = re.compile(r"[1-9][0-9]{3}")
_NON_DIGITS = re.compile(r"[^0-9]")
_NON_ALNUM = re.compile(r"[^a-zA-Z0-9]")
_DIGIT_RUNS = {n: re.compile(rf"[0-9]{{{n}}}") for n in (3, 2, 1)}
_WORD3 = re.compile(r"[a-zA-Z]{3}")
_ELECTRONIC = {p: re.compile(rf"\b{p}\b", re.IGNORECASE)
               for p in ("electronic resource", "electronic reproduction", "online resource")}
_cache = threading.local()  # per thread: the record being keyed and its fields by tag


def fields(record: pymarc.Record, tag: str) -> list[pymarc.Field]:
    """The fields with ``tag``, from an index built once for the record being keyed."""
    if getattr(_cache, "record", None) is not record:
        index: dict[str, list[pymarc.Field]] = {}
        for f in record.fields:
            index.setdefault(f.tag, []).append(f)
        _cache.record, _cache.index = record, index
    found: list[pymarc.Field] = _cache.index.get(tag, [])
    return found


# --- field access (the two lookup rules of the two versions) -------------------------------------


def first_field_subfield(record: pymarc.Record, tag: str, code: str | None = None) -> str | None:
    """2021 rule: the first field with ``tag``; its first non-empty ``code`` subfield."""
    found = fields(record, tag)
    if not found:
        return None
    field = found[0]
    if field.is_control_field():
        return field.data or None
    for sub in field.subfields:
        if sub.code == code and sub.value:
            return str(sub.value)
    return None


def any_field_subfield(record: pymarc.Record, tag: str, code: str) -> str | None:
    """2024 rule: the first non-empty ``code`` subfield across all repeats of ``tag``."""
    for field in fields(record, tag):
        if field.is_control_field():
            continue
        for sub in field.subfields:
            if sub.code == code and sub.value:
                return str(sub.value)
    return None


def all_subfields(record: pymarc.Record, tag: str, code: str) -> list[str]:
    return [str(s.value) for f in fields(record, tag) if not f.is_control_field()
            for s in f.subfields if s.code == code and s.value]


# --- normalisers -------------------------------------------------------------------------------------


def strip_punct(text: str, replacement: str) -> str:
    text = text.replace("%22", "_").replace("%", "_")
    if text.lstrip(" ")[:1] in _ARTICLE_STARTS:  # the patterns cannot match otherwise
        for article in _LEADING_ARTICLES:
            text = article.sub("", text, count=1)
    table = _TABLES.get(replacement)
    if table is None:
        table = _TABLES[replacement] = {ord(ch): replacement for ch in _PUNCT} | {
            ord("'"): "", ord("{"): "", ord("}"): "", ord("&"): "and"}
    return text.translate(table)


def unaccent(text: str) -> str:
    if text.isascii():  # NFD leaves ASCII alone; its only diacritics are ^ and `
        return text.translate(_ASCII_DIACRITICS)
    return _DIACRITIC.sub("", unicodedata.normalize("NFD", text))


def pad(text: str, width: int) -> str:
    text = _SPACES.sub(" ", text).replace(" ", "_")
    return text[:width].ljust(width, "_")


# --- components shared by both versions -------------------------------------------------------------


def _pagination(value: str | None) -> str:
    match = _FOUR_DIGITS.search(value or "")
    return pad(match.group(0) if match else "", 4)


def _publisher(b264: str | None, b260: str | None) -> str:
    value = b264 if b264 is not None else (b260 or "")
    value = unaccent(value).lower()
    return pad(strip_punct(value, " ").replace(" ", ""), 5)


def _record_type(leader: str) -> str:
    return leader[6:7] if len(leader) > 10 else ""


def _title_parts(parts: list[str]) -> str:
    text = "".join(strip_punct(unaccent(p).strip(), "_")[:10] for p in parts[1:])
    return pad(text, 30)


def _underscored(value: str | None, width: int) -> str:
    return pad(strip_punct(value, "_") if value is not None else "", width)


def _inclusive_dates(value: str | None) -> str:
    return pad(strip_punct(value.replace(" ", ""), "_") if value is not None else "", 15)


def _gov_doc(value: str | None) -> str:
    return unaccent(strip_punct(value, "_"))[:32000] if value is not None else ""


def _electronic(record: pymarc.Record, lookup: Callable[..., str | None]) -> str:
    for tag, code, phrase in (("245", "h", "electronic resource"),
                              ("590", "a", "electronic reproduction"),
                              ("533", "a", "electronic reproduction"),
                              ("300", "a", "online resource")):
        value = lookup(record, tag, code)
        if value and _ELECTRONIC[phrase].search(unaccent(value)):
            return "e"
    f007 = first_field_subfield(record, "007")
    if f007 and f007.startswith("c"):
        return "e"
    f337 = first_field_subfield(record, "337", "a")
    if f337 and f337.startswith("c"):
        return "e"
    return "e" if fields(record, "086") and fields(record, "856") else "p"


def _year(values: Sequence[str | None], f008_rule: Callable[[str], str],
          pattern: re.Pattern[str]) -> str:
    f008, c264, c260 = values
    if f008 is not None:
        found = f008_rule(f008)
        if found:
            return pad(found, 4)
    for value in (c264, c260):
        if value is not None:
            digits = _NON_DIGITS.sub("", value)
            if pattern.search(digits) and digits != "9999":
                return pad(digits, 4)
    return pad("0000", 4)


def _digits(text: str) -> str:
    return _NON_DIGITS.sub("", text)


# --- GoldRush 2021 -------------------------------------------------------------------------------------


def _year_2021_008(f008: str) -> str:
    for start, end in ((11, 15), (7, 11)):
        digits = _digits(f008[start:end])
        if _FOUR_DIGITS.search(digits) and digits != "9999":
            return digits
    return ""


def _edition_2021(value: str | None) -> str:
    if value is None:
        return pad("", 3)
    text = unaccent(value)
    for n in (3, 2, 1):
        match = _DIGIT_RUNS[n].search(text)
        if match:
            return pad(match.group(0), 3)
    return pad(_ORDINALS.get(text[:3].lower(), ""), 3)


def goldrush2021(record: pymarc.Record) -> str:
    """The GoldRush key of the September 2021 specification (Reservoir's ``goldrush``)."""
    get = first_field_subfield
    title = "".join(strip_punct(p, " ").strip()
                    for p in (get(record, "245", c) for c in "abp") if p is not None)
    gmd = _NON_ALNUM.sub("", unaccent(get(record, "245", "h") or ""))
    author = "".join(unaccent(strip_punct(a, "_"))
                     for a in (get(record, t, "a") for t in ("100", "110", "111"))
                     if a is not None)
    key = "".join((
        pad(unaccent(title), 70),
        pad(gmd, 5),
        _year((get(record, "008"), get(record, "264", "c"), get(record, "260", "c")),
              _year_2021_008, _FOUR_DIGITS),
        _pagination(get(record, "300", "a")),
        _edition_2021(get(record, "250", "a")),
        _publisher(get(record, "264", "b"), get(record, "260", "b")),
        _record_type(str(record.leader)),
        _title_parts(all_subfields(record, "245", "p")),
        _underscored(get(record, "245", "n"), 10),
        pad(author, 20),
        _inclusive_dates(get(record, "245", "f")),
        _gov_doc(get(record, "086", "a")),
        _electronic(record, first_field_subfield),
    ))
    return key.lower()


# --- GoldRush 2024 -------------------------------------------------------------------------------------


def _year_2024_008(f008: str) -> str:
    span = (7, 11) if f008[6:7] == "r" else (11, 15)
    digits = _digits(f008[span[0]:span[1]])
    return digits if _YEAR_2024.search(digits) and digits != "9999" else ""


def _edition_2024(value: str | None) -> str:
    if value is None:
        return pad("1", 3)
    text = unaccent(value).strip()
    for n in (3, 2, 1):
        match = _DIGIT_RUNS[n].match(text)
        if match:
            return pad(match.group(0), 3)
    word = _WORD3.match(text)
    return pad(_ORDINALS.get(word.group(0).lower(), "1") if word else "1", 3)


def goldrush2024(record: pymarc.Record) -> str:
    """The GoldRush key of the December 2024 specification (Reservoir's ``goldrush2024``)."""
    get = any_field_subfield
    title = "".join(strip_punct(p, " ").strip()
                    for p in (get(record, "245", c) for c in "abp") if p is not None)
    author = "".join(unaccent(strip_punct(a, ""))
                     for a in (first_field_subfield(record, t, "a")
                               for t in ("100", "110", "111", "130")) if a is not None)
    key = "".join((
        pad(unaccent(title.replace(" ", "")), 70),
        _year((first_field_subfield(record, "008"), get(record, "264", "c"),
               get(record, "260", "c")), _year_2024_008, _YEAR_2024),
        _pagination(get(record, "300", "a")),
        _edition_2024(get(record, "250", "a")),
        _publisher(get(record, "264", "b"), get(record, "260", "b")),
        _record_type(str(record.leader)),
        _title_parts(all_subfields(record, "245", "p")),
        _underscored(get(record, "245", "n"), 10),
        pad(_NON_ALNUM.sub("", author), 5),
        _inclusive_dates(get(record, "245", "f")),
        _gov_doc(get(record, "086", "a")),
        _electronic(record, any_field_subfield),
    ))
    return key.lower()


MATCHERS: dict[str, Callable[[pymarc.Record], str]] = {
    "goldrush2024": goldrush2024,
    "goldrush2021": goldrush2021,
}
