"""Pure rules about tenants and users: codes, roles, who may do what."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from reshare.errors import ValidationFailed

TENANT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD = 8


class Role(StrEnum):
    STAFF = "staff"
    ADMIN = "admin"


class TenantStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


def normalise_tenant_code(code: str) -> str:
    """Tenant codes are upper-case, e.g. the library's symbol without authority (NJSOOS)."""
    upper = code.strip().upper()
    if not TENANT_CODE.match(upper):
        raise ValidationFailed(
            f"tenant code {code!r} is not valid: use 2-32 letters, digits, '-' or '_', "
            "starting with a letter or digit (e.g. NJSOOS)",
            details={"field": "code"},
        )
    return upper


def check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise ValidationFailed(
            f"username {username!r} is not valid: 1-64 letters, digits or . _ @ -",
            details={"field": "username"},
        )
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"password too short: use at least {MIN_PASSWORD} characters",
            details={"field": "password"},
        )
    return password


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tenant's staff user, or the platform administrator."""

    tenant_id: int | None
    tenant_code: str | None
    user_id: int | None
    username: str
    role: Role | None
    platform_admin: bool = False

    @property
    def is_admin(self) -> bool:
        return self.platform_admin or self.role == Role.ADMIN
