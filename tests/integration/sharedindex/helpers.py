"""Building small MARC records and loading them, for shared-index tests."""

from __future__ import annotations

import io

import pymarc

from reshare.db import Database
from reshare.sharedindex import ingest, service


def bib(local_id: str, title: str, *, isbn: str = "", author: str = "Author, Ann",
        year: str = "2001", deleted: bool = False, holdings: list[dict[str, str]] | None = None,
        ) -> pymarc.Record:
    leader = f"00000{'d' if deleted else 'n'}am a2200000 a 4500"
    record = pymarc.Record(leader=leader, force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data=local_id))
    record.add_field(pymarc.Field(tag="008", data=f"010101s{year}    xx            000 0 eng d"))
    if isbn:
        record.add_field(_df("020", a=isbn))
    record.add_field(_df("100", a=author))
    record.add_field(_df("245", a=title))
    record.add_field(_df("264", b="Publisher", c=year))
    for h in holdings or []:
        record.add_field(_df("852", **h))
    return record


def _df(tag: str, **subfields: str) -> pymarc.Field:
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators(" ", " "),
                        subfields=[pymarc.Subfield(k, v) for k, v in subfields.items()])


def iso(*records: pymarc.Record) -> bytes:
    return b"".join(r.as_marc() for r in records)


def load(db: Database, code: str, *records: pymarc.Record) -> ingest.LoadReport:
    return service.load_stream(db, code, io.BytesIO(iso(*records)))
