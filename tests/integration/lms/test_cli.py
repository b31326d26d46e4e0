"""`reshare lms …` run as users run it (own process), against a simulator on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reshare import migrate
from reshare.db import Database
from reshare.settings.service import set_value
from reshare.tenancy import service as tenancy
from tests.integration.lms.conftest import SimServer


def test_lms_commands(tmp_path: Path, sim_server: SimServer) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    db = Database(url)
    migrate.upgrade(db.engine)
    tenant = tenancy.create_tenant(db, "SUPP", "Supplier")
    with db.tenant(tenant.id) as s:
        for key, value in (("host_lms_integration", "alma"), ("borrower_check", "ncip"),
                           ("ncip_server_address", sim_server.ncip), ("ncip_from_agency", "SIM"),
                           ("z3950_server_address", sim_server.sru)):
            set_value(s, None, key, value)
    db.dispose()
    env = {**os.environ, "RESHARE_DATABASE_URL": url, "RESHARE_VAR_DIR": str(tmp_path / "var"),
           "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "reshare.cli", "lms", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    blocked = run("patron", "SUPP", "p-carol")
    assert blocked.returncode == 1 and "blocked" in blocked.stdout
    found = run("find", "SUPP", "--title", "dawn")
    assert found.returncode == 0 and "Main Library" in found.stdout and "30001" in found.stdout
    listed = run("locations", "SUPP")
    assert "Science Library" in listed.stdout
