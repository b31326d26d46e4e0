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
    # the option is interpolated by configparser: a '%' (URL-encoded characters of a
    # password or a socket path, e.g. ?host=%2Fvar%2Frun%2Fpostgresql) must be doubled
    cfg.set_main_option("sqlalchemy.url",
                        engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision of every capability."""
    command.upgrade(alembic_config(engine), "heads")


def is_current(engine: Engine) -> bool:
    """True when every capability's newest revision is applied."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return set(script.get_heads()) <= _with_ancestors(script, current)


def _with_ancestors(script: ScriptDirectory, revisions: set[str]) -> set[str]:
    """Applied revisions plus everything they stand on. Alembic keeps only the tip of each
    branch in alembic_version, so a branch that ``depends_on`` tenancy hides tenancy's head."""
    seen: set[str] = set()
    stack = list(revisions)
    while stack:
        for rev in script.revision_map.get_revisions(stack.pop()):
            if rev is None or isinstance(rev, str) or rev.revision in seen:
                continue
            seen.add(rev.revision)
            for parent in (rev.down_revision, rev.dependencies):
                if parent:
                    stack.extend([parent] if isinstance(parent, str) else parent)
    return seen


def heads() -> list[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return list(ScriptDirectory.from_config(cfg).get_heads())
