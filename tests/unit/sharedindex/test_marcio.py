"""Reading the real MARC files: every record is read or reported with a position and reason."""

from __future__ import annotations

import csv
import gzip
import io
import unicodedata
from pathlib import Path

from reshare.sharedindex import marcio
from reshare.sharedindex.marcio import BadRecord, ReadRecord


def _read(path: Path) -> tuple[list[ReadRecord], list[BadRecord]]:
    good: list[ReadRecord] = []
    bad: list[BadRecord] = []
    with path.open("rb") as f:
        for result in marcio.read_marc_stream(f):
            (good if isinstance(result, ReadRecord) else bad).append(result)
    return good, bad


def _inventory(marc_dir: Path) -> list[dict[str, str]]:
    lines = [line for line in (marc_dir / "FILES.tsv").read_text().splitlines()
             if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def test_every_record_of_every_file_is_read_or_reported(marc_dir: Path) -> None:
    total_good = 0
    for row in _inventory(marc_dir):
        if "json" in row["format"] or "tar" in row["path"]:
            continue  # MARC-in-JSON is tested with Reservoir's records; tar archives unsupported
        good, bad = _read(marc_dir / row["path"])
        expected = int(row["records"] or 0)
        total_good += len(good)
        assert all(b.reason and b.position >= 1 for b in bad), row["path"]
        if len(good) < expected:
            assert bad, f"{row['path']}: {expected - len(good)} records lost without a report"
        pymarc_ok = row["pymarc"].split("ok=")[1].split()[0] if "ok=" in row["pymarc"] else "0"
        assert len(good) >= int(pymarc_ok) or bad, row["path"]
        assert all(str(r.record.leader)[9] == "a" for r in good), row["path"]
    assert total_good > 8000


def test_marc8_is_decoded_to_unicode(marc_dir: Path) -> None:
    good, bad = _read(marc_dir / "evergreen/lul_fre_100.mrc")
    assert len(good) == 100 and not bad
    titles = {r.record["001"].data: r.record["245"].value() for r in good
              if r.record.get_fields("001") and r.record.get_fields("245")}
    assert unicodedata.normalize("NFC", titles["01-0118948"]).startswith(
        "Les aspirations : poésies canadiennes")
    good, _ = _read(marc_dir / "evergreen/hebrew.marc")
    vernacular = good[0].record.get_fields("880")[0].value()
    assert "לתורה" in vernacular


def test_utf8_with_a_blank_leader_09_is_not_mangled(marc_dir: Path) -> None:
    good, _ = _read(marc_dir / "evergreen/FSL.marc")
    assert good[0].record["245"].value().startswith("Люди с чистой совестью")


def test_broken_records_are_reported_and_reading_goes_on(marc_dir: Path) -> None:
    good, bad = _read(marc_dir / "pymarc-5.4.0/bad_records.mrc")
    assert len(good) == 2 and len(bad) >= 1
    assert any("base address" in b.reason.lower() for b in bad)
    assert all(b.offset is not None for b in bad)


def test_gzip_marcxml_and_oai_wrapped_records(marc_dir: Path) -> None:
    iso = (marc_dir / "traject/test_data.utf8.mrc").read_bytes()
    plain = [r.record["001"].data for r in marcio.read_marc(iso)]
    zipped = [r.record["001"].data for r in marcio.read_marc(gzip.compress(iso))
              if isinstance(r, ReadRecord)]
    xml = [r.record["001"].data for r in marcio.read_marc(
        (marc_dir / "traject/test_data.utf8.marc.xml").read_bytes()) if isinstance(r, ReadRecord)]
    assert len(plain) == 30 and plain == zipped == xml
    oai = [r for r in marcio.read_marc((marc_dir / "reservoir/oai-response-1.xml").read_bytes())
           if isinstance(r, ReadRecord)]
    assert oai and all(r.record.get_fields("245") for r in oai)


def test_byte_order_mark_and_stray_bytes(marc_dir: Path) -> None:
    good, bad = _read(marc_dir / "openlibrary/xml_input/39002054008678_yale_edu_marc.xml")
    assert len(good) == 1 and not bad
    data = (marc_dir / "traject/test_data.utf8.mrc").read_bytes()
    noisy = b"\r\n" + data.replace(b"\x1d", b"\x1d\n", 3)
    assert sum(isinstance(r, ReadRecord) for r in marcio.read_marc_stream(io.BytesIO(noisy))) == 30


def test_storage_round_trip_keeps_the_record(marc_dir: Path) -> None:
    good, _ = _read(marc_dir / "evergreen/lul_fre_100.mrc")
    fmt, data = marcio.to_storage(good[0].record, good[0].raw)
    assert fmt == "iso"
    assert marcio.from_storage(fmt, data)["245"].value() == good[0].record["245"].value()
    big, _ = _read(marc_dir / "lobid-hbz/alma-fix/990054089950206441.xml")
    fmt, data = marcio.to_storage(big[0].record, None)
    assert fmt == "json"  # 4 MB: beyond ISO 2709's 99,999 bytes
    assert len(marcio.from_storage(fmt, data).fields) == len(big[0].record.fields)
