"""Use cases of tenancy: provision tenants, manage staff users, authenticate callers."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from reshare.db import Database, ScopedSession, engine_of, utcnow
from reshare.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from reshare.settings import service as settings_service
from reshare.tenancy.model import (
    Principal,
    Role,
    TenantStatus,
    check_password,
    check_username,
    normalise_tenant_code,
)
from reshare.tenancy.store import ApiToken, Tenant, User

_hasher = PasswordHasher()
TOKEN_PREFIX = "rs_"


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Swap the argon2 parameters (tests use cheap ones; stored hashes carry their own)."""
    global _hasher
    _hasher = hasher


@dataclass(frozen=True)
class TenantInfo:
    id: int
    code: str
    name: str
    status: str

    @classmethod
    def of(cls, t: Tenant) -> TenantInfo:
        return cls(t.id, t.code, t.name, t.status)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "code": self.code, "name": self.name, "status": self.status}


# --- tenants -------------------------------------------------------------------------------


def create_tenant(db: Database, code: str, name: str) -> TenantInfo:
    """Create a tenant and seed its default settings, in one transaction."""
    code = normalise_tenant_code(code)
    if not name.strip():
        raise ValidationFailed("a tenant needs a name, e.g. --name 'New School Library'",
                               details={"field": "name"})
    with db.platform() as session:
        if session.scalars(select(Tenant).where(Tenant.code == code)).first():
            raise Conflict(f"tenant {code} already exists", details={"code": code})
        tenant = Tenant(code=code, name=name.strip(), status=TenantStatus.ACTIVE.value)
        session.add(tenant)
        session.flush()
        tenant_id = tenant.id
        info = TenantInfo.of(tenant)
    with db.tenant(tenant_id) as session:
        settings_service.seed_defaults(session, code)
    return info


def list_tenants(db: Database) -> list[TenantInfo]:
    with db.unscoped() as session:
        return [TenantInfo.of(t) for t in session.scalars(select(Tenant).order_by(Tenant.code))]


def get_tenant(db: Database, code: str) -> TenantInfo:
    with db.unscoped() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.code == code.upper())).first()
        if tenant is None:
            raise NotFound(f"no tenant {code.upper()}; `reshare tenant list` shows the tenants",
                           code="unknown_tenant", details={"code": code})
        return TenantInfo.of(tenant)


def set_tenant_status(db: Database, code: str, status: TenantStatus) -> TenantInfo:
    with db.unscoped() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.code == code.upper())).first()
        if tenant is None:
            raise NotFound(f"no tenant {code.upper()}", code="unknown_tenant")
        tenant.status = status.value
        session.flush()
        return TenantInfo.of(tenant)


# --- users -----------------------------------------------------------------------------------


def create_user(
    db: Database, tenant_id: int, username: str, password: str, role: Role = Role.STAFF,
    *, display_name: str = "", email: str = "",
) -> int:
    check_username(username)
    check_password(password)
    with db.tenant(tenant_id) as session:
        if session.scalars(select(User).where(User.username == username)).first():
            raise Conflict(f"user {username} already exists", details={"username": username})
        user = User(username=username, password_hash=_hasher.hash(password), role=role.value,
                    display_name=display_name or username, email=email)
        session.add(user)
        session.flush()
        return user.id


def set_password(db: Database, tenant_id: int, username: str, password: str) -> None:
    check_password(password)
    with db.tenant(tenant_id) as session:
        user = _user(session, username)
        user.password_hash = _hasher.hash(password)


def list_users(db: Database, tenant_id: int) -> list[dict[str, object]]:
    with db.tenant(tenant_id) as session:
        return [
            {"id": u.id, "username": u.username, "role": u.role, "active": u.active,
             "display_name": u.display_name, "email": u.email}
            for u in session.scalars(select(User).order_by(User.username))
        ]


def _user(session: ScopedSession, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username}", code="unknown_user")
    return user


def _principal(tenant: Tenant, user: User) -> Principal:
    return Principal(tenant.id, tenant.code, user.id, user.username, Role(user.role))


def authenticate_password(db: Database, tenant_code: str, username: str,
                          password: str) -> Principal:
    """Check a staff login; one vague error for every failure (no user enumeration)."""
    failure = Unauthorized("wrong library, user name or password", code="login_failed")
    with db.platform() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.code == tenant_code.upper())).first()
        if tenant is None or tenant.status != TenantStatus.ACTIVE.value:
            _hasher.hash(password)  # same work either way
            raise failure
        user = session.scalars(
            select(User).where(User.tenant_id == tenant.id, User.username == username)
        ).first()
        if user is None or not user.active:
            _hasher.hash(password)
            raise failure
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise failure from None
        return _principal(tenant, user)


def principal_for_user(db: Database, tenant_id: int, user_id: int) -> Principal | None:
    """Re-load a session's user; None when the user or tenant no longer may log in."""
    with db.platform() as session:
        user = session.get(User, user_id)
        tenant = session.get(Tenant, tenant_id)
        if (user is None or tenant is None or user.tenant_id != tenant.id or not user.active
                or tenant.status != TenantStatus.ACTIVE.value):
            return None
        return _principal(tenant, user)


# --- API tokens ------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Database, tenant_id: int, username: str, name: str = "") -> str:
    """Create a Bearer token for a user; the token is shown once and stored hashed."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.tenant(tenant_id) as session:
        user = _user(session, username)
        session.add(ApiToken(user_id=user.id, name=name, token_hash=_hash_token(token),
                             prefix=token[:10]))
    return token


TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


_PRINCIPAL = (  # built once: every API call runs it
    select(ApiToken.id, ApiToken.last_used_at, Tenant.id, Tenant.code, User.id,
           User.username, User.role)
    .join(User, User.id == ApiToken.user_id)
    .join(Tenant, Tenant.id == ApiToken.tenant_id)
    .where(ApiToken.token_hash == bindparam("hash"), ApiToken.revoked.is_(False),
           User.active.is_(True), Tenant.status == TenantStatus.ACTIVE.value))


PRINCIPAL_CACHE_SECONDS = 2.0
# engine -> token hash -> (monotonic time, principal): every API call authenticates, and the
# same staff tokens come back many times a second. Any change to tenants, users or tokens
# made in this process forgets them all at once; another process's within the period.
_PRINCIPALS: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, Principal]]] = (
    weakref.WeakKeyDictionary())
_PRINCIPALS_LOCK = threading.Lock()
_FORGOTTEN: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()  # per engine


def cached_principal(db: Database, token: str) -> Principal | None:
    """The principal for ``token`` when this process checked it in the last
    ``PRINCIPAL_CACHE_SECONDS`` (no database work: safe on the event loop), else None."""
    return _remembered(db, _hash_token(token))


def _remembered(db: Database, token_hash: str) -> Principal | None:
    with _PRINCIPALS_LOCK:
        hit = _PRINCIPALS.get(db.engine, {}).get(token_hash)
    if hit is None or time.monotonic() - hit[0] >= PRINCIPAL_CACHE_SECONDS:
        return None
    return hit[1]


def _forget_principals(engine: Any) -> None:
    with _PRINCIPALS_LOCK:
        _PRINCIPALS.pop(engine, None)
        _FORGOTTEN[engine] = _FORGOTTEN.get(engine, 0) + 1


@event.listens_for(Session, "before_flush")
def _principals_changed(session: Session, flush_context: Any, instances: Any) -> None:
    if any(isinstance(obj, (Tenant, User, ApiToken))
           for obj in (*session.new, *session.dirty, *session.deleted)):
        engine = engine_of(session)
        _forget_principals(engine)
        # and again once committed: a call meanwhile may have remembered the old state
        session.info.setdefault("after_commit", []).append(lambda: _forget_principals(engine))


def principal_for_token(db: Database, token: str) -> Principal | None:
    """The principal a Bearer token stands for, or None (unknown, revoked, inactive).

    A read-only unit of work: an API call must not queue on SQLite's write lock just to
    note that its token was used. ``last_used_at`` is written at most once a minute. A
    valid answer is remembered for ``PRINCIPAL_CACHE_SECONDS`` (see :func:`cached_principal`).
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_hash = _hash_token(token)
    hit = _remembered(db, token_hash)
    if hit is not None:
        return hit
    checked = time.monotonic()
    with _PRINCIPALS_LOCK:
        forgotten = _FORGOTTEN.get(db.engine, 0)
    with db.reading() as session:
        found = session.core(_PRINCIPAL, {"hash": token_hash}).first()
        if found is None:
            return None
        token_id, last_used, tenant_id, tenant_code, user_id, username, role = found
        principal = Principal(tenant_id, tenant_code, user_id, username, Role(role))
    now = utcnow()
    if last_used is None or now - last_used >= TOKEN_USE_RESOLUTION:
        with db.platform() as session:
            session.execute(update(ApiToken).where(ApiToken.id == token_id)
                            .values(last_used_at=now))
    with _PRINCIPALS_LOCK:  # not when a change was made meanwhile: it may predate our read
        if _FORGOTTEN.get(db.engine, 0) == forgotten:
            _PRINCIPALS.setdefault(db.engine, {})[token_hash] = (checked, principal)
    return principal


def revoke_tokens(db: Database, tenant_id: int, username: str) -> int:
    with db.tenant(tenant_id) as session:
        user = _user(session, username)
        rows = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
        for row in rows:
            row.revoked = True
        return len(rows)
