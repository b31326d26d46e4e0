"""Holdings presets per LMS on real records, custom mappings, and what a record contributes."""

from __future__ import annotations

from pathlib import Path

import pymarc
import pytest

from reshare.errors import ValidationFailed
from reshare.sharedindex import marcio
from reshare.sharedindex.model import (
    PRESETS,
    Op,
    contribution,
    extract_holdings,
    mapping_from,
    operation_of,
)


def _records(path: Path) -> list[pymarc.Record]:
    return [r.record for r in marcio.read_marc(path.read_bytes())
            if isinstance(r, marcio.ReadRecord)]


@pytest.mark.parametrize(("path", "preset", "first"), [
    ("reservoir/record10.xml", "999", ("SAL3", "ML96.5 .S392 NO.1", "36105041839973")),
    ("natlibfi-recordmanager/record/marc-broken.xml", "koha",
     ("EVO", "Varasto TENHOLA", "1583037376")),
    ("princeton-bibdata/alma/sru/constituents.xml", "ava",
     ("firestone", "MICROFICHE 1138", "22639719450006421")),
    ("evergreen/oss.marc", "926", ("YORK", "QA 76.76 S46 P47 2005", "")),
    ("evergreen/map_data.mrc", "852", ("BR1", "", "11223344")),
    ("evergreen/lul_fre_100.mrc", "949", ("DESM-CIR", "PS 9455 H68 S8", "30007004052170")),
])
def test_presets_read_real_holdings(marc_dir: Path, path: str, preset: str,
                                   first: tuple[str, str, str]) -> None:
    found = [h for r in _records(marc_dir / path) for h in extract_holdings(r, PRESETS[preset])]
    assert found
    assert (found[0].location, found[0].call_number, found[0].item_id) == first


def test_koha_not_for_loan_items_are_not_lendable() -> None:
    record = pymarc.Record()
    for status in ("0", "1", "-1"):
        record.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "),
                                      subfields=[pymarc.Subfield("a", "MAIN"),
                                                 pymarc.Subfield("7", status)]))
    assert [h.lendable for h in extract_holdings(record, PRESETS["koha"])] == [True, False, False]


def test_custom_mapping_and_its_validation() -> None:
    mapping = mapping_from("custom", {"tag": "945", "location": "l", "call_number": "a",
                                      "unlendable": {"l": "REF.*"}})
    record = pymarc.Record()
    for loc in ("STACKS", "REFDESK"):
        record.add_field(pymarc.Field(tag="945", indicators=pymarc.Indicators(" ", " "),
                                      subfields=[pymarc.Subfield("l", loc)]))
    assert [h.lendable for h in extract_holdings(record, mapping)] == [True, False]
    with pytest.raises(ValidationFailed, match="tag"):
        mapping_from("custom", {"location": "b"})
    with pytest.raises(ValidationFailed, match="unknown mapping keys"):
        mapping_from("custom", {"tag": "945", "barcode": "i"})
    with pytest.raises(ValidationFailed, match="regular expression"):
        mapping_from("custom", {"tag": "945", "unlendable": {"l": "("}})
    with pytest.raises(ValidationFailed, match="unknown holdings preset"):
        mapping_from("aleph", None)


def test_operations_deletes_and_mfhd(marc_dir: Path) -> None:
    deleted = _records(marc_dir / "reservoir/marc1-delete.xml")
    assert [operation_of(r) for r in deleted] == [Op.DELETE]
    stream = _records(marc_dir / "reservoir/mfhd.marc")
    assert [operation_of(r) for r in stream].count(Op.MFHD) == 7
    c = contribution(stream[0], PRESETS["852"], "goldrush2024")
    assert c.local_id and c.keys[0].startswith("goldrush2024:") and c.title
