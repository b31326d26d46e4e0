"""The outbox claim reads the partial index of unfinished rows, on SQLite and PostgreSQL.

An index holding every finished message made the claim slower with every message sent until
the table was vacuumed; these check the database's own plan for the claim as it is sent.
"""

from __future__ import annotations

import re

from sqlalchemy.dialects import postgresql, sqlite

from reshare.db import Database
from reshare.iso18626.outbox import _CLAIM


def _postgres_generic_plan(database: Database) -> str:
    """The plan PostgreSQL makes once for every parameter value, as for a statement the
    driver has prepared (it runs many times a second)."""
    sql = str(_CLAIM.compile(dialect=postgresql.dialect()))
    assert "POSTCOMPILE" not in sql, "statuses as an expanding parameter: not in the plan"
    names: list[str] = []

    def positional(found: re.Match[str]) -> str:
        if found.group(1) not in names:
            names.append(found.group(1))
        return f"${names.index(found.group(1)) + 1}"

    prepared = re.sub(r"%\((\w+)\)s", positional, sql)
    values = {"status": "'sending'", "lease": "now()", "token": "'t'", "now": "now()",
              "limit": "5"}
    values.update({n: "'pending'" for n in names if n not in values})  # any status compared
    with database.engine.connect() as conn:
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql(f"PREPARE claim AS {prepared}")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(
            f"EXPLAIN EXECUTE claim({', '.join(values[n] for n in names)})"))
        conn.rollback()
    return plan


def _sqlite_plan(database: Database) -> str:
    sql = str(_CLAIM.compile(dialect=sqlite.dialect()))
    with database.engine.connect() as conn:
        params = tuple("x" for _ in range(sql.count("?")))
        return "\n".join(str(row[-1]) for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {sql}", params))


def test_outbox_claim_reads_the_index_of_unfinished_rows(platform: object) -> None:
    database: Database = platform.db  # type: ignore[attr-defined]
    if database.dialect == "postgresql":
        plan = _postgres_generic_plan(database)
        assert "Seq Scan on iso18626_outbox" not in plan, plan
    else:
        plan = _sqlite_plan(database)
        assert re.search(r"SCAN iso18626_outbox\b(?! USING)", plan) is None, plan
    assert "ix_iso18626_outbox_open" in plan, plan
