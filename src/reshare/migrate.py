"""Schema migrations (Alembic), run programmatically: no alembic.ini to find.

Each capability keeps its own branch of revisions (``branch_labels=(capability,)``), based on
the tenancy branch; ``upgrade`` goes to all heads. So capabilities add tables independently.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision of every capability."""
    command.upgrade(alembic_config(engine), "heads")


def is_current(engine: Engine) -> bool:
    """True when every capability's newest revision is applied."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = tuple(MigrationContext.configure(conn).get_current_heads())
    # A branch that depends on another (e.g. directory_0001 on tenancy_0001) absorbs it in
    # alembic_version, so compare with everything the stored heads imply, dependencies included.
    applied: set[str] = set()
    todo = list(script.revision_map.get_revisions(current))
    while todo:
        rev = todo.pop()
        if rev is None or rev.revision in applied:
            continue
        applied.add(rev.revision)
        for parent in (*_as_tuple(rev.down_revision), *_as_tuple(rev.dependencies)):
            todo.extend(script.revision_map.get_revisions(parent))
    return set(script.get_heads()) <= applied


def _as_tuple(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def heads() -> list[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return list(ScriptDirectory.from_config(cfg).get_heads())
