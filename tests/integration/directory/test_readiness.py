"""The configuration check: a fresh library lists every missing item with its fix; NCIP and
Z39.50 are probed on loopback; following the README's "Set up a library" makes it ready."""

from __future__ import annotations

import re
import shlex
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reshare import migrate
from reshare.db import Database
from reshare.directory import readiness
from reshare.platform import Platform
from reshare.settings import service as settings
from tests.integration.directory.helpers import make_library
from tests.support.factories import TenantFixture

README = Path(__file__).parents[3] / "README.md"
DIRECTORY_ITEMS = ["root_entry", "symbol", "iso18626_service", "pickup_branch"]


def _set(platform: Platform, tenant_id: int, **values: str) -> None:
    with platform.db.tenant(tenant_id) as s:
        for key, value in values.items():
            settings.set_value(s, None, key, value)


def _by_id(platform: Platform, tenant_id: int) -> dict[str, readiness.ReadinessItem]:
    return {i.id: i for i in readiness.check(platform, tenant_id)}


def test_a_fresh_library_lists_every_missing_item(platform: Platform, lib_a: int) -> None:
    items = readiness.check(platform, lib_a)
    assert [i.id for i in items] == [*DIRECTORY_ITEMS, "request_id_prefix",
                                     "default_institutional_patron_id", "shared_index", "ncip",
                                     "z3950", "openurl"]
    missing = [i.id for i in items if not i.ok]
    expected = [*DIRECTORY_ITEMS, "request_id_prefix", "default_institutional_patron_id"]
    if not readiness.installation_has_index():
        expected.append("shared_index")
    assert missing == expected
    assert all(i.how_to_fix.startswith("reshare ") for i in items if not i.ok)
    by_id = {i.id: i for i in items}
    assert "recommended: ALPHA-" in by_id["request_id_prefix"].message
    assert by_id["request_id_prefix"].how_to_fix == \
        "reshare settings set ALPHA request_id_prefix ALPHA-"
    assert "--symbol RESHARE:ALPHA" in by_id["root_entry"].how_to_fix
    assert "manual" in by_id["ncip"].message and by_id["ncip"].ok
    assert by_id["openurl"].message.endswith("/openurl/ALPHA") and not by_id["openurl"].required
    assert not readiness.is_ready(items)


def test_configured_library_is_ready(platform: Platform, lib_a: int) -> None:
    make_library(platform, lib_a, "ALPHA")
    _set(platform, lib_a, request_id_prefix="ALPHA-", default_institutional_patron_id="ILL-A",
         shared_index_base_url="https://index.example.org/")
    assert readiness.is_ready(readiness.check(platform, lib_a))


@pytest.fixture
def ncip_server() -> Iterator[str]:
    class Answer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            self.send_response(400)  # any HTTP answer means the server is up
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ncip"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def z3950_listener() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(5)
        yield f"127.0.0.1:{sock.getsockname()[1]}/catalog"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ncip_and_z3950_are_required_with_an_lms_and_probed(
        platform: Platform, lib_a: int, ncip_server: str, z3950_listener: str) -> None:
    _set(platform, lib_a, host_lms_integration="alma")
    items = _by_id(platform, lib_a)
    assert not items["ncip"].ok and "ncip_server_address not set (LMS: alma)" in \
        items["ncip"].message
    assert not items["z3950"].ok and "z3950_server_address" in items["z3950"].how_to_fix
    assert "default_institutional_patron_id -" in \
        items["default_institutional_patron_id"].how_to_fix  # Alma takes '-'
    _set(platform, lib_a, ncip_server_address=ncip_server, z3950_server_address=z3950_listener)
    items = _by_id(platform, lib_a)
    assert items["ncip"].ok and items["z3950"].ok, (items["ncip"], items["z3950"])
    port = _closed_port()
    _set(platform, lib_a, ncip_server_address=f"http://127.0.0.1:{port}/ncip",
         z3950_server_address=f"127.0.0.1:{port}/catalog")
    items = _by_id(platform, lib_a)
    assert not items["ncip"].ok and "not answering" in items["ncip"].message
    assert not items["z3950"].ok and "not answering" in items["z3950"].message


@pytest.mark.parametrize("values, ok, words", [
    ({"routing_adapter": "disabled"}, True, "broker mode"),
    ({"routing_adapter": "static"}, False, "static_routes is empty"),
    ({"routing_adapter": "static", "static_routes": "SYMBOL:RESHARE:X"}, True, "rota"),
    ({"shared_index_integration": "mock"}, False, "tests only"),
    ({"shared_index_integration": "oaipmh"}, False, "oaipmh needs shared_index_base_url"),
    ({"shared_index_integration": "oaipmh", "shared_index_base_url": "https://si.org/oai"}, True,
     "oaipmh index at https://si.org/oai"),
])
def test_shared_index_item(platform: Platform, lib_a: int, values: dict[str, str], ok: bool,
                           words: str) -> None:
    _set(platform, lib_a, **values)
    item = _by_id(platform, lib_a)["shared_index"]
    assert item.ok is ok and words in item.message


def test_readiness_route(client: TestClient, tenant_a: TenantFixture) -> None:
    body = client.get("/tenant/readiness", headers=tenant_a.headers("staff")).json()
    assert body["tenant"] == "ALPHA" and body["ready"] is False
    assert [i["id"] for i in body["items"] if not i["ok"]][:4] == DIRECTORY_ITEMS


def _readme_steps() -> list[str]:
    section = README.read_text().split("## Set up a library", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "README 'Set up a library' has no sh block"
    return [line for line in block.group(1).splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_following_the_readme_makes_a_fresh_library_ready(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reshare.cli.main import app

    url = f"sqlite:///{tmp_path / 'readme.db'}"
    database = Database(url)
    migrate.upgrade(database.engine)
    database.dispose()
    monkeypatch.setenv("RESHARE_DATABASE_URL", url)
    monkeypatch.setenv("RESHARE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RESHARE_NEW_PASSWORD", "a-long-password")
    runner = CliRunner()
    steps = _readme_steps()
    assert steps[-1] == "reshare tenant check NJSOOS"
    checks = []
    for step in steps:
        args = shlex.split(step.split("#", 1)[0])
        assert args[0] == "reshare"
        result = runner.invoke(app, args[1:])
        if args[1:3] == ["tenant", "check"]:
            checks.append(result)
        else:
            assert result.exit_code == 0, (step, result.output)
    first, last = checks[0], checks[-1]
    assert first.exit_code == 1 and "NJSOOS is NOT ready" in first.output
    assert first.output.count("MISSING") >= 6
    for title in ("institution entry", "symbol", "ISO 18626 service", "pickup location",
                  "Request ID prefix", "Default institutional patron ID"):
        assert re.search(rf"MISSING\s+(Directory: )?{title}", first.output), title
    assert last.exit_code == 0 and "NJSOOS is READY." in last.output, last.output
    assert "MISSING" not in last.output
