"""The `reshare` command line, run as users run it (a separate process per command)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "RESHARE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
           "RESHARE_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200"}

    def _run(*args: str, password: str | None = None,
             more_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        extra = {"RESHARE_NEW_PASSWORD": password} if password else {}
        return subprocess.run([sys.executable, "-m", "reshare.cli", *args],
                              env={**env, **extra, **(more_env or {})},
                              capture_output=True, text=True, timeout=120)

    return _run


def test_help_lists_every_command(run) -> None:  # type: ignore[no-untyped-def]
    out = run("--help").stdout
    for command in ("serve", "worker", "db", "tenant", "settings", "user", "demo", "config"):
        assert command in out
    assert "RESHARE_DATABASE_URL" in run("config").stdout


def test_commands_refuse_an_unmigrated_database(run) -> None:  # type: ignore[no-untyped-def]
    result = run("tenant", "list")
    assert result.returncode == 2
    assert "reshare db upgrade" in result.stderr


def test_tenant_user_and_settings_lifecycle(run) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").returncode == 0
    assert run("db", "current").returncode == 0
    created = run("tenant", "create", "njsoos", "--name", "New School")
    assert created.returncode == 0, created.stderr
    assert "NJSOOS" in created.stdout
    dup = run("tenant", "create", "NJSOOS", "--name", "Again")
    assert dup.returncode == 1 and "already exists" in dup.stderr
    assert run("user", "create", "NJSOOS", "alice", "--role", "admin",
               password="alice-password").returncode == 0
    assert "alice" in run("user", "list", "NJSOOS").stdout
    token = run("user", "token", "NJSOOS", "alice").stdout.strip()
    assert token.startswith("rs_")

    assert run("settings", "set", "NJSOOS", "request_id_prefix", "NJSOOS-").returncode == 0
    assert "NJSOOS-" in run("settings", "get", "NJSOOS", "request_id_prefix").stdout
    bad = run("settings", "set", "NJSOOS", "auto_responder_status", "sometimes")
    assert bad.returncode == 1 and "allowed" in bad.stderr
    unknown = run("settings", "get", "NJSOOS", "no_such_key")
    assert unknown.returncode == 1 and "unknown setting" in unknown.stderr
    listing = run("settings", "list", "NJSOOS", "--section", "requests").stdout
    assert "default_institutional_patron_id" in listing

    assert run("tenant", "disable", "NJSOOS").returncode == 0
    assert "disabled" in run("tenant", "list").stdout
    assert run("tenant", "enable", "NJSOOS").returncode == 0
    missing = run("tenant", "disable", "NOPE")
    assert missing.returncode == 1 and "no tenant NOPE" in missing.stderr


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_serve_runs_every_thread_on_the_cpu_it_is_given(tmp_path: Path) -> None:
    import httpx

    from tests.support.servers import free_port, reshare_process

    cpu = max(os.sched_getaffinity(0))
    port = free_port()
    with reshare_process(["serve", "--port", str(port)], tmp_path, port=port,
                         env={"RESHARE_CPU_AFFINITY": str(cpu)}) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200  # an API thread too
        tasks = list(Path(f"/proc/{server.process.pid}/task").iterdir())
        masks = [os.sched_getaffinity(int(t.name)) for t in tasks]
    assert len(tasks) > 3  # the event loop, an API thread, the job runner, ...
    assert all(mask == {cpu} for mask in masks), masks
    assert f"Pinned to CPU {cpu}" in server.log_path.read_text()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_serve_and_worker_refuse_a_cpu_they_may_not_use(run) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").returncode == 0
    missing = str(max(os.sched_getaffinity(0)) + 1)
    for command in (["serve"], ["worker", "--once"]):
        result = run(*command, more_env={"RESHARE_CPU_AFFINITY": missing})
        assert result.returncode == 2, result
        assert f"CPU(s) {missing} are not available" in result.stderr
