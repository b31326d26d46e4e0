"""Fixtures shared by every test folder.

``database`` runs a test on SQLite and, when RESHARE_TEST_POSTGRES_URL is set, again on
PostgreSQL. Each SQLite test gets its own file; PostgreSQL tests share one database per run,
emptied after every test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text

from reshare import capabilities
from reshare.config import AppSettings
from reshare.db import Base, Database
from reshare.platform import Platform, build_platform
from reshare.tenancy.service import use_password_hasher
from reshare.web.app import create_app
from tests.support.databases import postgres_admin_url, postgres_database, sqlite_url
from tests.support.factories import TenantFixture, make_tenant

capabilities.load_models()
# argon2's production cost (64 MiB, 3 passes) takes ~1 s on a busy 2-core machine
use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str | None]:
    if postgres_admin_url() is None:
        yield None
        return
    with postgres_database("reshare_test_shared") as url:
        db = Database(url)
        Base.metadata.create_all(db.engine)
        db.dispose()
        yield url


def _empty_postgres(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path,
             _postgres_url: str | None) -> Iterator[Database]:
    if request.param == "postgresql":
        if _postgres_url is None:
            pytest.skip("RESHARE_TEST_POSTGRES_URL is not set")
        db = Database(_postgres_url)
        try:
            yield db
        finally:
            _empty_postgres(db)
            db.dispose()
    else:
        db = Database(sqlite_url(tmp_path))
        Base.metadata.create_all(db.engine)
        try:
            yield db
        finally:
            db.dispose()


@pytest.fixture
def app_settings(tmp_path: Path, database: Database) -> AppSettings:
    return AppSettings(database_url=database.url, var_dir=str(tmp_path / "var"),
                       cookie_secure=False, inprocess_worker=False,
                       secret_key="test-secret", admin_token="test-admin-token")


@pytest.fixture
def platform(app_settings: AppSettings, database: Database) -> Platform:
    return build_platform(app_settings, db=database)


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform=platform, run_jobs=False)) as c:
        yield c


@pytest.fixture
def admin_headers(platform: Platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.admin_token}"}


@pytest.fixture
def tenant_a(platform: Platform) -> TenantFixture:
    return make_tenant(platform, "ALPHA", "Alpha Library")


@pytest.fixture
def tenant_b(platform: Platform) -> TenantFixture:
    return make_tenant(platform, "BETA", "Beta Library")
