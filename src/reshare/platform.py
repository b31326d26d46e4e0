"""The process context: settings, database and secrets, built once by app or command."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reshare.config import AppSettings
from reshare.db import Database


def _persistent_secret(var_dir: Path, name: str, nbytes: int = 32) -> str:
    """Read a generated secret from var/, creating it (mode 600) on first use."""
    path = var_dir / name
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


@dataclass
class Platform:
    """Everything a request handler, job or command needs; no globals anywhere."""

    settings: AppSettings
    db: Database
    secret_key: str
    admin_token: str
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        for value in list(self.extras.values()):  # thread pools started on demand
            shutdown = getattr(value, "shutdown", None)
            if callable(shutdown):
                shutdown(wait=False)
        self.db.dispose()


def build_platform(settings: AppSettings, db: Database | None = None) -> Platform:
    var_dir = Path(settings.var_dir)
    secret_key = settings.secret_key or _persistent_secret(var_dir, "secret_key")
    admin_token = settings.admin_token or _persistent_secret(var_dir, "admin_token")
    db = db or Database(settings.database_url)
    if not settings.change_feed:
        from reshare.changefeed import turn_off

        turn_off(db.engine)
    return Platform(settings=settings, db=db, secret_key=secret_key, admin_token=admin_token)
