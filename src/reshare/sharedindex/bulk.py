"""Bulk reads and writes of one ingest batch: the database-specific fast paths.

Ids are allocated before rows are written, so nothing has to be read back: from the table's
sequence on PostgreSQL; on SQLite as max(id) + 1 onwards, which is what SQLite itself would
pick and is safe because every unit of work there holds the write lock from its start
(``BEGIN IMMEDIATE``, see ``reshare.db``).

On PostgreSQL rows are written with COPY, and "one of these values" is one ``= ANY(array)``
parameter, so every statement text is the same whatever the batch size (psycopg and
SQLAlchemy cache it). On SQLite rows go to the driver's ``executemany`` directly, converted
by the columns' own SQLAlchemy bind processors (so stored values are exactly what the ORM
would store); chunked ``IN`` lists are cheap there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Table, any_, bindparam, text
from sqlalchemy.sql.schema import Column

from reshare.db import ScopedSession

CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def is_postgres(session: ScopedSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(session: ScopedSession, column: Column[Any],
          values: Iterable[Any]) -> Iterator[ColumnElement[bool]]:
    """Conditions "``column`` is one of ``values``" to run one after the other (none when
    ``values`` is empty): a single array parameter on PostgreSQL, IN chunks elsewhere."""
    wanted = list(values)
    if not wanted:
        return
    if is_postgres(session):
        yield column == any_(bindparam(None, wanted, type_=ARRAY(column.type)))
        return
    for part in chunks(wanted):
        yield column.in_(part)


def next_ids(session: ScopedSession, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, in increasing order."""
    if count == 0:
        return []
    if not is_postgres(session):
        top = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar()
        return list(range(int(top or 0) + 1, int(top or 0) + 1 + count))
    rows = session.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                                "FROM generate_series(1, :n)"), {"t": table.name, "n": count})
    return sorted(r[0] for r in rows)


def _copy_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def copy_rows(session: ScopedSession, table: str, columns: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into a table (PostgreSQL); lists and dicts are written as JSON."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copy_value(v) for v in row])


def _bound(process: Any, values: list[Any]) -> list[Any]:
    """One column's values as the driver gets them (the type's SQLAlchemy bind processor)."""
    if process is None:
        return values
    if all(v is values[0] for v in values):  # e.g. one timestamp for the whole batch
        return [None if values[0] is None else process(values[0])] * len(values)
    return [None if v is None else process(v) for v in values]


def insert_rows(session: ScopedSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) that need nothing read back: COPY on PostgreSQL,
    the driver's executemany elsewhere."""
    if not rows:
        return
    columns = list(rows[0])
    if is_postgres(session):
        copy_rows(session, table.name, columns, ([r[c] for c in columns] for r in rows))
        return
    dialect = session.get_bind().dialect
    by_column = [_bound(table.c[c].type._cached_bind_processor(dialect), [r[c] for r in rows])
                 for c in columns]
    converted = list(zip(*by_column, strict=True))
    marks = ", ".join("?" for _ in columns)
    session.connection().exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", converted)


_STAGE = "si_stage_records"
_STAGE_DDL = (f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (LIKE si_records INCLUDING DEFAULTS, "
              "s_title text, s_author text, s_keyword text) ON COMMIT DELETE ROWS")


def copy_records(session: ScopedSession, table: Table, rows: list[dict[str, Any]],
                 vector: str) -> None:
    """Insert record rows (with their ``id``) through a COPY into a temporary staging table,
    computing the search vector from its s_title, s_author and s_keyword columns on the way
    (PostgreSQL only)."""
    if not rows:
        return
    session.execute(text(_STAGE_DDL))
    columns = list(rows[0])
    copy_rows(session, _STAGE, columns, ([r[c] for c in columns] for r in rows))
    stored = [c for c in columns if not c.startswith("s_")]
    session.execute(text(f"INSERT INTO {table.name} ({', '.join(stored)}, search) "
                         f"SELECT {', '.join(stored)}, {vector} FROM {_STAGE}"))
    session.execute(text(f"DELETE FROM {_STAGE}"))
