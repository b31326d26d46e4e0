"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database.

``RESHARE_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
points at a server where tests may create and drop databases; without it, PostgreSQL runs are
skipped. Every database gets a unique name, so test runs can overlap.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "RESHARE_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def postgres_database(prefix: str = "reshare_test") -> Iterator[str]:
    """Create a new, empty PostgreSQL database; yield its URL; drop it afterwards."""
    admin = postgres_admin_url()
    if admin is None:
        raise RuntimeError(f"{POSTGRES_ENV} is not set")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def sqlite_url(folder: Path, name: str = "reshare.db") -> str:
    return f"sqlite:///{folder / name}"
