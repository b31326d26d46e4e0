"""HRID numbers stay unique when the first requests of a tenant arrive at the same time."""

from __future__ import annotations

import threading
from typing import Any

from reshare.db import Database
from reshare.requests.store import next_hrid_number
from reshare.tenancy import service as tenancy


def test_concurrent_first_requests_get_distinct_numbers(database: Database) -> None:
    tenant = tenancy.create_tenant(database, "RACE", "Race").id
    got: list[int] = []
    errors: list[str] = []

    def take() -> None:
        try:
            with database.tenant(tenant) as session:
                got.append(next_hrid_number(session))
        except Exception as exc:  # the test reports any failure below
            errors.append(repr(exc))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == list(range(1, 9))


def test_concurrent_first_numbers_taken_on_their_own(database: Database) -> None:
    """``take_hrid_number`` (PostgreSQL: a statement of its own) gives distinct numbers too,
    the tenant's first included."""
    from reshare.requests.store import take_hrid_number

    if database.dialect != "postgresql":
        assert take_hrid_number(database, 1) is None  # SQLite: taken in the transaction
        return
    tenant = tenancy.create_tenant(database, "RACE", "Race").id
    got: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        number = take_hrid_number(database, tenant)
        with lock:
            got.append(int(number or 0))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 9))


def test_a_slow_creation_does_not_hold_up_the_next(platform: Any, tenant_a: Any,
                                                   monkeypatch: Any) -> None:
    """While one request is being validated and sent (its transaction open), another can be
    created: on PostgreSQL the HRID counter is not locked for the whole transaction. (On
    SQLite writers are serialised: one transaction at a time, so only PostgreSQL runs it.)"""
    from reshare.requests import requester, service
    from reshare.requests.model import NewRequest

    if platform.db.dialect != "postgresql":
        return
    validate = requester.validate
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def slow(ctx: Any, req: Any) -> Any:
        if req.title == "Slow":
            inside.set()
            release.wait(20)  # until the other creation is done (or the test gives up)
            order.append("slow done")
        return validate(ctx, req)

    monkeypatch.setattr(requester, "validate", slow)

    def create(title: str) -> None:
        service.create_request(platform, tenant_a.id, NewRequest(title=title, patron_id="P"),
                               actor="t")

    first = threading.Thread(target=create, args=("Slow",))
    first.start()
    assert inside.wait(20)
    create("Quick")  # blocks until the slow one commits if the counter is locked
    order.append("quick done")
    release.set()
    first.join()
    assert order == ["quick done", "slow done"]
    views = service.list_requests(platform, tenant_a.id)
    numbers = {v.data["title"]: int(v.hrid.rsplit("-", 1)[1]) for v in views}
    assert numbers["Slow"] < numbers["Quick"]  # numbered in the order they came


def test_creating_a_request_writes_its_row_once_and_reads_no_rota(platform, tenant_a,  # type: ignore[no-untyped-def]
                                                                    tenant_b) -> None:
    """A new request's row is inserted once and updated once (at the commit), its audit
    rows go in one statement, and neither its (empty) rota nor the tenant is read (messages
    through the ISO 18626 outbox: the local queue flushes to number its message)."""
    from sqlalchemy import event

    from reshare.requests import service
    from reshare.requests.model import NewRequest
    from tests.integration.requests.helpers import configure, make_pair

    make_pair(platform, tenant_a, [tenant_b])
    platform.extras["requests.courier"] = "iso18626"  # the outbox, as in production
    configure(platform, tenant_a, request_id_prefix="",  # numbers then start with its code
              iso18626_gateway_address="http://in-process/iso18626")
    service.create_request(platform, tenant_a.id, NewRequest(title="Warm", patron_id="P"),
                           actor="staff")  # the tenant's code is now known to this process
    sent: list[str] = []

    def note(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(" ".join(statement.split())[:60])

    event.listen(platform.db.engine, "before_cursor_execute", note)
    try:
        view = service.create_request(platform, tenant_a.id,
                                      NewRequest(title="Dune", patron_id="P"), actor="staff")
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", note)
    assert view.hrid.startswith(f"{tenant_a.code}-")
    assert view.state == "REQ_REQUEST_SENT_TO_SUPPLIER"
    assert sum(s.startswith("INSERT INTO patron_requests") for s in sent) == 1
    assert sum(s.startswith("UPDATE patron_requests") for s in sent) == 1
    assert sum(s.startswith("INSERT INTO request_audit") for s in sent) == 1
    assert not [s for s in sent if s.startswith(("SELECT request_rota", "SELECT tenants.id"))]
