"""Process-level configuration: the settings object every app and command is built from.

Per-tenant settings (request ID prefix, NCIP addresses...) live in the database; see
``reshare.settings``. This module only holds what an operator sets for the whole process,
read from ``RESHARE_*`` environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_DB_PATH = Path("var") / "reshare.db"


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a yes/no value, got {value!r}")


@dataclass(frozen=True)
class AppSettings:
    """Everything a process needs to know before it touches the database.

    Each field maps to an environment variable ``RESHARE_<FIELD NAME UPPER-CASE>``.
    """

    database_url: str = field(
        default=f"sqlite:///{DEFAULT_DB_PATH}",
        metadata={"doc": "SQLAlchemy URL of the database (SQLite file or postgresql+psycopg://)."},
    )
    base_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={"doc": "Public base URL of this installation (used in feeds, links, e-mails)."},
    )
    host: str = field(default="127.0.0.1", metadata={"doc": "Address `reshare serve` binds."})
    port: int = field(default=8000, metadata={"doc": "Port `reshare serve` listens on."})
    secret_key: str = field(
        default="",
        metadata={"doc": "Key signing session cookies and links. Generated into var/ if empty."},
    )
    admin_token: str = field(
        default="",
        metadata={"doc": "Platform-admin Bearer token for provisioning. Generated if empty."},
    )
    cookie_secure: bool = field(
        default=True,
        metadata={"doc": "Mark the session cookie Secure (keep on in production behind HTTPS)."},
    )
    session_hours: int = field(default=12, metadata={"doc": "Lifetime of a staff login session."})
    inprocess_worker: bool = field(
        default=True,
        metadata={"doc": "Run background jobs (outbox, timers) inside `reshare serve`."},
    )
    outbox_senders: int = field(
        default=8,
        metadata={"doc": "ISO 18626 messages a worker sends at once (to different requests; "
                         "one request's messages always go in order)."},
    )
    api_threads: int = field(
        default=8,
        metadata={"doc": "Threads that run API calls at once (per process). More mostly "
                         "contend for the GIL and the database's write lock; raise it when "
                         "calls wait long on a slow library system (NCIP, Z39.50)."},
    )
    change_feed: bool = field(
        default=True,
        metadata={"doc": "PostgreSQL: learn of other processes' settings changes by "
                         "LISTEN/NOTIFY (one more connection per process) instead of a query "
                         "in each transaction. It checks at start that its own notification "
                         "arrives; turn it off behind a pooler that does not pass "
                         "notifications on (PgBouncer in transaction mode)."},
    )
    cpu_affinity: str = field(
        default="",
        metadata={"doc": "Linux: the CPUs `reshare serve` or `reshare worker` runs on, e.g. "
                         "`0`, `0,2` or `1-3`; empty lets the system place it. With as many "
                         "cores as busy processes, pin each process to a core of its own: "
                         "its threads then hand work to each other on that core instead of "
                         "waking another (see docs/operations.md)."},
    )
    var_dir: str = field(default="var", metadata={"doc": "Folder for generated keys and files."})
    log_level: str = field(default="INFO", metadata={"doc": "Python logging level."})
    max_message_bytes: int = field(
        default=5_000_000, metadata={"doc": "Largest protocol message body accepted (bytes)."}
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> AppSettings:
        """Read ``RESHARE_*`` variables; keyword overrides win over the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"RESHARE_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("bool", bool):
                values[f.name] = _bool(raw)
            elif f.type in ("int", int):
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes: Any) -> AppSettings:
        return replace(self, **changes)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def documented_variables() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every process setting, for docs and --help."""
    return [
        (f"RESHARE_{f.name.upper()}", str(f.default), f.metadata.get("doc", ""))
        for f in fields(AppSettings)
    ]
