"""HRID numbers stay unique when the first requests of a tenant arrive at the same time."""

from __future__ import annotations

import threading

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
