"""The fast UTF-8 decoder builds exactly what pymarc builds, or hands the record to pymarc."""

from __future__ import annotations

import gzip
from pathlib import Path

import pymarc
import pytest

from reshare.sharedindex import iso2709, marcio


def _pymarc(chunk: bytes) -> pymarc.Record:
    return pymarc.Record(data=chunk, to_unicode=True, force_utf8=True, utf8_handling="replace",
                         hide_utf8_warnings=True)


def _shape(record: pymarc.Record) -> tuple[object, ...]:
    return (str(record.leader), [(type(f), f.tag, f.data, f.indicators, f.subfields,
                                  f.control_field, [type(s) for s in f.subfields])
                                 for f in record.fields])


def _chunks(marc_dir: Path) -> list[bytes]:
    found = []
    for path in sorted(marc_dir.rglob("*")):
        if path.suffix not in (".mrc", ".marc", ".dat", ".usmarc", ".gz") or ".tar" in path.name:
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if data.lstrip()[:1] in (b"<", b"{", b"["):
            continue
        found += [p.data for p in marcio.iso_pieces([data]) if isinstance(p, marcio.RawRecord)]
    return found


def test_regular_records_decode_exactly_as_pymarc_decodes_them(marc_dir: Path) -> None:
    marcio.quiet_pymarc()
    fast = irregular = 0
    for chunk in _chunks(marc_dir):
        try:
            record = iso2709.decode_utf8(chunk)
        except iso2709.Irregular:
            irregular += 1
            continue
        fast += 1
        assert _shape(record) == _shape(_pymarc(chunk))
        assert record.as_marc() == _pymarc(chunk).as_marc()
    assert fast > 4000 and irregular > 0


@pytest.mark.parametrize("chunk", [
    b"",
    b"00026nam a2200025   4500\x1e\x1d",  # no directory entries
    b"0004xnam a22000xx   4500001000400000\x1e1\x1e\x1d",  # bad base address
])
def test_irregular_records_are_left_to_pymarc(chunk: bytes) -> None:
    with pytest.raises(iso2709.Irregular):
        iso2709.decode_utf8(chunk)


def test_a_one_indicator_field_goes_through_pymarc_and_still_reads() -> None:
    field = b"0\x1faTitle\x1e"
    directory = b"245" + f"{len(field):04}".encode() + b"00000"
    base = 24 + len(directory) + 1
    body = directory + b"\x1e" + field + b"\x1d"
    chunk = f"{24 + len(body):05}nam a22{base:05}   4500".encode() + body
    with pytest.raises(iso2709.Irregular):
        iso2709.decode_utf8(chunk)
    record, _ = marcio.parse_iso_record(chunk)
    assert record.get_fields("245")[0].get_subfields("a") == ["Title"]
