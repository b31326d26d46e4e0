"""`reshare db current` sees a schema whose capability branches depend on tenancy as current."""

from __future__ import annotations

from pathlib import Path

from reshare import migrate
from reshare.db import Database


def test_is_current_after_upgrade_only(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'schema.db'}")
    try:
        assert not migrate.is_current(db.engine)
        migrate.upgrade(db.engine)
        assert migrate.is_current(db.engine)
    finally:
        db.dispose()
