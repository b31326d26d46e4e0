"""Each demo library's own LMS simulator, stocked with the copies its shared-index records
describe, so NCIP and SRU answers agree with what the shared index says the library holds."""

from __future__ import annotations

from reshare.demo.network import DemoLibrary
from reshare.lms.sim.app import demo_library
from reshare.lms.sim.state import Item, Library, Patron
from reshare.sharedindex.demo import barcode, demo_records, holders, local_id


def _first(record: object, tag: str, code: str) -> str:
    fields = record.get_fields(tag)  # type: ignore[attr-defined]
    if not fields:
        return ""
    values = fields[0].get_subfields(code)
    return values[0].strip(" /:;,.") if values else ""


def sim_library(lib: DemoLibrary, index: int, count: int, *,
                institutional_patrons: list[str]) -> Library:
    """The simulator of library number ``index`` of ``count`` (same spread as the index)."""
    sim = demo_library(lib.code)
    sim.items.clear()
    sim.loans.clear()
    for patron_id in institutional_patrons:
        if patron_id and patron_id != "-" and patron_id not in sim.patrons:
            sim.patrons[patron_id] = Patron(patron_id, patron_id.lower(), "", "Interlibrary loan",
                                            "", "LIBRARY")
    if lib.institutional_patron == "-":
        # Alma checks interlibrary loans out to the borrowing partner it knows itself; ReShare
        # sends "-" as the user and Alma's NCIP accepts it. The simulator plays that part.
        sim.patrons["-"] = Patron("-", "-", "", "Resource sharing partner", "", "LIBRARY")
    for position, read in enumerate(demo_records()):
        if index not in holders(position, count):
            continue
        record = read.record
        isbn = _first(record, "020", "a").split(" ")[0]
        call = " ".join(record.get_fields("050")[0].get_subfields("a", "b")) \
            if record.get_fields("050") else ""
        branch_code = lib.branches[position % len(lib.branches)][1]
        sim.items[barcode(lib.code, position)] = Item(
            barcode=barcode(lib.code, position), bib_id=local_id(lib.code, record, position),
            title=_first(record, "245", "a"), author=_first(record, "100", "a"), isbn=isbn,
            location=branch_code, shelving_location="Stacks", call_number=call,
            loan_policy="Not for loan" if position % 10 == 0 else "Standard")
    return sim
