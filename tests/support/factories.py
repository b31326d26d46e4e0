"""Factories: tenants with users and tokens, in one call."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from reshare.platform import Platform
from reshare.tenancy import service
from reshare.tenancy.model import Role

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class TenantFixture:
    id: int
    code: str
    admin_token: str
    staff_token: str

    def headers(self, role: str = "admin") -> dict[str, str]:
        token = self.admin_token if role == "admin" else self.staff_token
        return {"Authorization": f"Bearer {token}"}


def make_tenant(platform: Platform, code: str | None = None,
                name: str | None = None) -> TenantFixture:
    code = code or f"LIB{next(_counter)}"
    info = service.create_tenant(platform.db, code, name or f"Library {code}")
    service.create_user(platform.db, info.id, "admin", PASSWORD, Role.ADMIN)
    service.create_user(platform.db, info.id, "staff", PASSWORD, Role.STAFF)
    return TenantFixture(
        id=info.id,
        code=info.code,
        admin_token=service.issue_token(platform.db, info.id, "admin", "tests"),
        staff_token=service.issue_token(platform.db, info.id, "staff", "tests"),
    )
