"""Harvester pieces without a network: parsing real OAI-PMH pages, retries on a fake transport."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reshare.sharedindex import marcio
from reshare.sharedindex.harvest import HarvestError, HarvestOptions, fetch, parse_page


def test_parses_real_oai_pages(marc_dir: Path) -> None:
    page = parse_page((marc_dir / "reservoir/oai-response-1.xml").read_bytes(), 0)
    assert page.token and page.newest and page.error is None
    reads = [e for e in page.entries if isinstance(e[0], marcio.ReadRecord)]
    assert reads and all(identifier for _, identifier, _ in reads)
    empty = parse_page((marc_dir / "reservoir/oai-response-2.xml").read_bytes(), 0)
    assert empty.error is not None and empty.error[0] == "noRecordsMatch"


def test_deleted_headers_become_deletes(marc_dir: Path) -> None:
    deleted = []
    for n in range(1, 6):
        try:
            page = parse_page((marc_dir / f"reservoir/oai-response-{n}.xml").read_bytes(), 0)
        except HarvestError:
            continue
        deleted += [identifier for _, identifier, is_deleted in page.entries if is_deleted]
    assert deleted


def test_retries_transient_failures_and_honours_retry_after() -> None:
    answers = iter([httpx.Response(503, headers={"Retry-After": "7"}),
                    httpx.Response(429), httpx.Response(200, content=b"<ok/>")])
    client = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
    waits: list[float] = []
    content = fetch(client, "http://oai.example/oai", {"verb": "ListRecords"},
                    HarvestOptions(retries=3, wait_seconds=2), sleep=waits.append)
    assert content == b"<ok/>" and waits == [7.0, 2.0]


def test_gives_up_with_a_clear_error() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(404)))
    with pytest.raises(HarvestError, match="HTTP 404"):
        fetch(client, "http://oai.example/oai", {}, HarvestOptions(), sleep=lambda s: None)

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    waits: list[float] = []
    client = httpx.Client(transport=httpx.MockTransport(broken))
    with pytest.raises(HarvestError, match="ConnectError"):
        fetch(client, "http://oai.example/oai", {}, HarvestOptions(retries=2, wait_seconds=1),
              sleep=waits.append)
    assert waits == [1, 1]
