"""`reshare directory ...` commands on a migrated SQLite database: results and clear errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reshare import migrate
from reshare.db import Database
from reshare.tenancy import service as tenancy

Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    from reshare.cli.main import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    migrate.upgrade(db.engine)
    tenancy.create_tenant(db, "NJSOOS", "New School Library")
    db.dispose()
    monkeypatch.setenv("RESHARE_DATABASE_URL", url)
    monkeypatch.setenv("RESHARE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_building_a_library_from_the_command_line(run: Run) -> None:
    out = run("directory", "add-branch", "NJSOOS", "--name", "Main", code=1).output
    assert "NJSOOS has no institution entry yet" in out
    run("directory", "add-consortium", "NJSOOS", "--name", "VIVA", "--symbol", "RESHARE:VIVA")
    out = run("directory", "add-institution", "NJSOOS", "--symbol", "reshare:njsoos",
              "--iso18626", "https://ns.edu/iso18626", "--z3950", "z.ns.edu:210/cat",
              "--parent", "viva").output
    assert "New School Library (institution, managed) slug njsoos" in out
    assert "ISO18626: https://ns.edu/iso18626" in out and "Z3950: z.ns.edu:210/cat" in out
    out = run("directory", "add-branch", "NJSOOS", "--name", "Main Library", "--pickup",
              "--lms-location-code", "MAIN").output
    assert "parent: New School Library (njsoos)" in out
    assert "symbols: RESHARE:NJSOOS  (inherited)" in out and "tags: pickup" in out
    run("directory", "add-symbol", "NJSOOS", "njsoos", "isil:us-njsoos")
    run("directory", "remove-symbol", "NJSOOS", "njsoos", "ISIL:US-NJSOOS")
    run("directory", "add-service", "NJSOOS", "njsoos", "rs_stats", "https://ns.edu/stats")
    run("directory", "remove-service", "NJSOOS", "njsoos", "z3950")
    run("directory", "set-property", "NJSOOS", "VIVA", "local_institutionalPatronId", "ILL-VIVA")
    run("directory", "update", "NJSOOS", "main-library", "--name", "Main", "--tag", "pickup")
    out = run("directory", "show", "RESHARE:VIVA", "--tenant", "NJSOOS").output
    assert "local_institutionalPatronId = ILL-VIVA" in out
    assert "ILL-VIVA" not in run("directory", "show", "RESHARE:VIVA").output
    out = run("directory", "list", "--tenant", "NJSOOS", "--tag", "pickup").output
    assert "main-library" in out and "njsoos " not in out
    out = run("directory", "resolve", "Reshare:NJSOOS").output
    assert '"rs_stats_url": "https://ns.edu/stats"' in out and '"z3950_address": null' in out
    run("directory", "remove", "NJSOOS", "main-library")


@pytest.mark.parametrize("args, words", [
    (("directory", "add-institution", "NJSOOS", "--symbol", "NJSOOS"), "AUTHORITY:SYMBOL"),
    (("directory", "add-institution", "NOPE"), "no tenant NOPE"),
    (("directory", "resolve", "RESHARE:GHOST"), "no directory entry has the symbol"),
    (("directory", "set-property", "NJSOOS", "ghost", "url", "x"), "no directory entry"),
    (("directory", "add-friend", "peer.example.org"), "http(s) URL"),
    (("directory", "remove-friend", "7"), "no friend 7"),
    (("directory", "add-service", "NJSOOS", "x", "smtp", "a"), "no directory entry 'x'"),
])
def test_errors_are_one_clear_line(run: Run, args: tuple[str, ...], words: str) -> None:
    result = run(*args, code=1)
    assert words in result.output and "Traceback" not in result.output


def test_sync_without_friends_says_how_to_add_one(run: Run) -> None:
    assert "add-friend" in run("directory", "sync").output
    run("directory", "add-friend", "http://127.0.0.1:9", "--every", "15")
    assert "127.0.0.1:9/directory/feed" in run("directory", "friends").output
    run("directory", "remove-friend", "http://127.0.0.1:9")
