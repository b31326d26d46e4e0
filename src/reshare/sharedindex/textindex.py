"""The full-text index of records: FTS5 on SQLite, a weighted tsvector on PostgreSQL.

Title words weigh A, author words B, other keyword text D, so a field search on PostgreSQL
asks for ``word:A``; on SQLite the FTS5 table has one column per field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, literal_column, text
from sqlalchemy.engine import Connection

from reshare.db import ScopedSession
from reshare.sharedindex import bulk

FTS_DDL = ("CREATE VIRTUAL TABLE IF NOT EXISTS si_fts USING fts5("
           "title, author, keyword, tokenize='unicode61 remove_diacritics 2')")
WORD = re.compile(r"\w+", re.UNICODE)


def ensure_fts(session: ScopedSession) -> bool:
    """On SQLite, create the FTS5 table if missing (cheap and idempotent); True on SQLite."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    session.connection().exec_driver_sql(FTS_DDL)
    return True


def _ts(value: Any, weight: str) -> Any:
    return func.setweight(func.to_tsvector(literal_column("'simple'"), value),
                          literal_column(f"'{weight}'"))


def vector_in_row(session: ScopedSession) -> bool:
    """PostgreSQL keeps the vector in the record row; SQLite in the FTS5 table."""
    return bulk.is_postgres(session)


def vector(title: Any = None, author: Any = None, keyword: Any = None) -> Any:
    """The weighted tsvector of three texts; by default bound parameters s_title, s_author,
    s_keyword."""
    return (_ts(bindparam("s_title") if title is None else title, "A")
            .op("||")(_ts(bindparam("s_author") if author is None else author, "B"))
            .op("||")(_ts(bindparam("s_keyword") if keyword is None else keyword, "D")))


def params(row: dict[str, Any]) -> dict[str, Any]:
    return {"s_title": row["title"], "s_author": row["author"], "s_keyword": row["keyword"]}


def index_rows(session: ScopedSession, rows: Sequence[dict[str, Any]],
               new: bool = False) -> None:
    """(Re)index records in SQLite's FTS5 table: each row has id, title, author, keyword.

    ``new``: the records were just inserted, so they have no old entry to remove."""
    if not rows or not ensure_fts(session):
        return
    conn: Connection = session.connection()
    if not new:
        conn.execute(text("DELETE FROM si_fts WHERE rowid = :id"),
                     [{"id": r["id"]} for r in rows])
    conn.exec_driver_sql("INSERT INTO si_fts(rowid, title, author, keyword) VALUES (?, ?, ?, ?)",
                         [(r["id"], r["title"], r["author"], r["keyword"]) for r in rows])


def unindex(session: ScopedSession, ids: Sequence[int]) -> None:
    if ids and ensure_fts(session):
        session.connection().execute(text("DELETE FROM si_fts WHERE rowid = :id"),
                                     [{"id": i} for i in ids])


def words(query: str) -> list[str]:
    return [w.lower() for w in WORD.findall(query or "")][:12]


def sqlite_match(field_words: dict[str, list[str]]) -> str:
    """FTS5 query: every word must match, in its column (``keyword`` = any column)."""
    parts = []
    for field, ws in field_words.items():
        for w in ws:
            phrase = '"' + w.replace('"', "") + '"'
            parts.append(phrase if field == "keyword" else f"{field} : {phrase}")
    return " AND ".join(parts)


def pg_tsquery(field_words: dict[str, list[str]]) -> str:
    weights = {"title": ":A", "author": ":B", "keyword": ""}
    terms = []
    for field, ws in field_words.items():
        for w in ws:
            clean = re.sub(r"[^\w]", "", w)
            if clean:
                terms.append(f"{clean}{weights[field]}")
    return " & ".join(terms)
