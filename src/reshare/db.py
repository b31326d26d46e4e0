"""Database plumbing: the declarative base, column types, engines and the unit of work.

Tenant scoping lives here and nowhere else. Every tenant-owned table mixes in
:class:`TenantOwned`; a unit of work opened for a tenant adds ``tenant_id = :tenant`` to every
ORM SELECT, UPDATE and DELETE that touches such a table, stamps the tenant on new rows, and
refuses rows of another tenant at flush. A unit of work opened without a tenant refuses to touch
tenant-owned tables at all, unless it is explicitly a *platform* unit of work (provisioning,
routing incoming messages to a tenant), which sees every tenant.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    JSON,
    Alias,
    CursorResult,
    DateTime,
    Delete,
    Executable,
    ForeignKey,
    Insert,
    Join,
    MetaData,
    Select,
    Table,
    Update,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TenantOwned:
    """Mixin for every tenant-owned table: adds ``tenant_id`` and puts it under scoping."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr signature
        return mapped_column(
            ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False
        )


class CrossTenantAccess(RuntimeError):
    """A unit of work touched tenant-owned data it is not scoped to."""


_PLATFORM = "platform"
_UNSCOPED = "unscoped"


def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("reshare_scoped"):  # ScopedSession.load: done already
        return
    scope = state.session.info.get("tenant_id", _UNSCOPED)
    if scope == _PLATFORM:
        return
    touches_tenant_data = any(
        issubclass(m.class_, TenantOwned) for m in state.all_mappers
    )
    if scope == _UNSCOPED:
        if touches_tenant_data:
            raise CrossTenantAccess(
                "tenant-owned data queried outside a tenant unit of work; open the unit of work "
                "with a tenant, or as a platform unit of work"
            )
        return
    state.statement = state.statement.options(_tenant_criteria(scope))


_CRITERIA: dict[int, Any] = {}  # tenant id -> its criteria option, built once


def _tenant_criteria(scope: int) -> Any:
    """``tenant_id = scope`` on every tenant-owned entity of a statement. Building the
    option analyses its lambda, half the cost of scoping a statement: once per tenant."""
    found = _CRITERIA.get(scope)
    if found is None:
        found = _CRITERIA[scope] = with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == scope,
            include_aliases=True,
            track_closure_variables=False,
        )
    return found


def _stamp_tenant(session: Session, flush_context: Any, instances: Any) -> None:
    scope = session.info.get("tenant_id", _UNSCOPED)
    if scope == _PLATFORM:
        return
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            if scope == _UNSCOPED:
                raise CrossTenantAccess(f"new {type(obj).__name__} outside a tenant unit of work")
            if obj.tenant_id is None:  # type: ignore[attr-defined]
                obj.tenant_id = scope  # type: ignore[attr-defined]
            elif obj.tenant_id != scope:  # type: ignore[attr-defined]
                raise CrossTenantAccess(f"{type(obj).__name__} belongs to another tenant")
    for obj in session.dirty:
        if isinstance(obj, TenantOwned) and obj.tenant_id != scope:  # type: ignore[attr-defined]
            raise CrossTenantAccess(f"{type(obj).__name__} belongs to another tenant")
    for obj in session.deleted:
        if isinstance(obj, TenantOwned) and obj.tenant_id != scope:  # type: ignore[attr-defined]
            raise CrossTenantAccess(f"{type(obj).__name__} belongs to another tenant")


def engine_of(session: Session) -> Engine:
    """The engine a session works on (a read-only unit is bound to a connection): the key of
    everything this process keeps in memory per database."""
    bind: Any = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind  # type: ignore[no-any-return]


class ScopedSession(Session):
    """A session that knows its tenant; created only by :class:`Database`."""

    @property
    def tenant_id(self) -> int:
        scope = self.info.get("tenant_id")
        if not isinstance(scope, int):
            raise CrossTenantAccess("this unit of work is not scoped to a tenant")
        return scope

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this unit of work has committed (events, wake-ups)."""
        self.info.setdefault("after_commit", []).append(callback)

    def add_later(self, statement: Insert, values: dict[str, Any]) -> None:
        """Insert a row at the next flush or commit of this unit of work, in one statement
        with the other rows given for ``statement`` meanwhile: for rows nothing reads back
        in the same unit (audit entries). A flush (and so every ORM query) writes them first,
        in the order given. Outside a transaction of the unit's own, the row is written now."""
        if self.info.get("single_statement"):
            self.core(statement, values)
            return
        self.info.setdefault(_LATER, {}).setdefault(statement, []).append(values)

    def load_rows_of(self, statement: Select[Any], params: Any, model: type) -> Any:
        """:meth:`load` for rows of ``model`` alone (a request's volumes, say), which pending
        changes to other rows cannot alter: unless this unit holds unwritten ``model``
        objects or rows, nothing is flushed first, so a changed request row is not written
        early and then again at commit."""
        table = getattr(model, "__table__", None)
        if (any(getattr(st, "table", None) is table for st in self.info.get(_LATER, {}))
                or any(isinstance(o, model) for o in (*self.new, *self.deleted, *self.dirty))):
            return self.load(statement, params)
        with self.no_autoflush:
            return self.load(statement, params)

    def flush(self, objects: Any = None) -> None:
        later = self.info.pop(_LATER, None)
        if later:
            for statement, rows in later.items():
                self.insert_rows(statement, rows)
        super().flush(objects)

    def insert_rows(self, statement: Insert, rows: list[dict[str, Any]]) -> None:
        """Write ``rows`` with ``statement`` now, as one multi-row INSERT (a single row as a
        plain one); nothing for no rows."""
        if rows:
            self.core(statement, rows if len(rows) > 1 else rows[0])

    def core(self, statement: Executable, params: Any = None, *,
             autoflush: bool = True) -> CursorResult[Any]:
        """Run a prebuilt Core statement in this unit of work, scoped as ORM statements are.

        For the hot paths, where the ORM's per-statement work costs several times the
        statement itself. In a tenant unit of work, each tenant-owned table a SELECT reads
        from, or an UPDATE or DELETE changes, gets ``tenant_id = <the tenant>``, and an
        INSERT gets the tenant's id (a row naming another tenant is refused). A tenant-owned
        table anywhere else in the statement (a subquery) is refused: write that query for
        the ORM. Pending ORM changes are flushed before a SELECT, as the ORM does before a
        query, but not before a write: flush first a new ORM object that a written row refers
        to; ``autoflush=False`` skips it for a SELECT that pending ORM changes cannot
        affect. Build statements once (module constants): the scoped form is remembered per object.
        """
        scope = self.info.get("tenant_id", _UNSCOPED)
        if autoflush and isinstance(statement, Select):
            self._autoflush()
        conn = self.connection()
        if scope == _PLATFORM:
            return conn.execute(statement, params)
        scoped, owned, binds = _core_scoped(statement)
        if scope == _UNSCOPED:
            if owned:
                raise CrossTenantAccess("tenant-owned data queried outside a tenant unit of "
                                        "work; open the unit of work with a tenant")
            return conn.execute(statement, params)
        if not owned:
            return conn.execute(statement, params)
        if isinstance(statement, Insert):
            params = _stamped(params, scope)
            if not binds:
                return conn.execute(statement, params)
        if isinstance(params, list):
            return conn.execute(scoped, [{**p, _SCOPE_PARAM: scope} for p in params])
        return conn.execute(scoped, {**(params or {}), _SCOPE_PARAM: scope})

    def load(self, statement: Select[Any], params: Any = None) -> Any:
        """Run a prebuilt ORM SELECT (a module constant with bound parameters) and return
        its scalars. Scoped as every ORM statement is, but the scoped form is built once per
        statement and tenant: adding the tenant criteria to a new statement, and computing
        its cache key, costs more than running a small query."""
        scope = self.info.get("tenant_id", _UNSCOPED)
        if scope == _PLATFORM:
            return self.scalars(statement, params)
        if not isinstance(scope, int):
            return self.scalars(statement, params)  # refused by _scope_statement if owned
        key = (id(statement), scope)
        hit = _ORM_SCOPED.get(key)
        if hit is None or hit[0] is not statement:
            hit = (statement, statement.options(_tenant_criteria(scope)))
            with _CORE_LOCK:
                if len(_ORM_SCOPED) < 16384:  # module constants per tenant: a bound
                    _ORM_SCOPED[key] = hit
        return self.scalars(hit[1], params, execution_options=_PRESCOPED)


_PRESCOPED = {"reshare_scoped": True}
_LATER = "reshare.insert_later"  # statement -> rows, written at the next flush
# (statement id, tenant) -> (statement, scoped form): statements are module constants
_ORM_SCOPED: dict[tuple[int, int], tuple[Any, Any]] = {}
_SCOPE_PARAM = "reshare_scope_tenant"
# id -> (statement, scoped form, owned, binds the scope parameter)
_CORE_SCOPED: dict[int, tuple[Any, Any, bool, bool]] = {}
_CORE_LOCK = threading.Lock()


def _tenant_tables() -> set[Any]:
    return {m.local_table for m in Base.registry.mappers if issubclass(m.class_, TenantOwned)}


def _owned(table: Any, tables: set[Any]) -> bool:
    return getattr(table, "element", table) in tables or table in tables


def _core_scoped(statement: Any) -> tuple[Any, bool, bool]:
    """The statement with the tenant criteria added, whether it touches tenant data, and
    whether it needs the scope parameter bound (its subqueries use :func:`scope_criterion`)."""
    hit = _CORE_SCOPED.get(id(statement))
    if hit is not None and hit[0] is statement:
        return hit[1], hit[2], hit[3]
    tables = _tenant_tables()
    if isinstance(statement, (Insert, Update, Delete)):
        targets = [statement.table]
    elif isinstance(statement, Select):
        targets = []
        for source in statement.get_final_froms():
            targets.extend(_surface(source))
    else:
        raise TypeError(f"ScopedSession.core runs SELECT, INSERT, UPDATE or DELETE, not "
                        f"{type(statement).__name__}")
    scoped_tables = [t for t in targets if _owned(t, tables)]
    covered = {id(t) for t in targets}
    explicit = False  # a subquery scoped with scope_criterion(): the parameter is bound
    for element in visitors.iterate(statement):
        if element is not statement and isinstance(element, Select):
            # every one, the outer statement's own table included: whether a subquery
            # correlates it is decided when the statement is compiled
            owned = [t for f in element.get_final_froms() for t in _surface(f)
                     if _owned(t, tables)]
            if owned and not all(_explicitly_scoped(element, t) for t in owned):
                raise CrossTenantAccess("a tenant-owned table is read in a subquery that "
                                        "tenant scoping cannot see: add scope_criterion() "
                                        "for it, or use the ORM for this statement")
            covered.update(id(t) for t in owned)
            explicit = explicit or bool(owned)
    for element in visitors.iterate(statement):
        if isinstance(element, (Table, Alias)) and _owned(element, tables) \
                and id(element) not in covered:
            raise CrossTenantAccess("a tenant-owned table is read in a subquery that tenant "
                                    "scoping cannot see; use the ORM for this statement")
    scoped = statement
    if scoped_tables and not isinstance(statement, Insert):
        tenant: Any = bindparam(_SCOPE_PARAM)
        for table in scoped_tables:
            scoped = scoped.where(table.c.tenant_id == tenant)
    owned_any = bool(scoped_tables) or explicit
    binds = bool(scoped_tables) and not isinstance(statement, Insert) or explicit
    with _CORE_LOCK:
        if len(_CORE_SCOPED) < 4096:  # statements are module constants; a bound, not a cache
            _CORE_SCOPED[id(statement)] = (statement, scoped, owned_any, binds)
    return scoped, owned_any, binds


def scope_criterion(table: Any) -> Any:
    """``table.tenant_id = <the unit's tenant>``, for a subquery of a prebuilt Core statement
    on a tenant-owned table (``ScopedSession.core`` refuses one without it, and binds it)."""
    return table.c.tenant_id == bindparam(_SCOPE_PARAM)


def _explicitly_scoped(select_: Any, table: Any) -> bool:
    for criterion in select_._where_criteria:
        for term in getattr(criterion, "clauses", (criterion,)):  # an and_() or one term
            if isinstance(term, BinaryExpression) and term.operator is operators.eq \
                    and term.left is table.c.tenant_id \
                    and isinstance(term.right, BindParameter) and term.right.key == _SCOPE_PARAM:
                return True
    return False


def _surface(source: Any) -> list[Any]:
    if isinstance(source, Join):
        return _surface(source.left) + _surface(source.right)
    return [source]


def _stamped(params: Any, scope: int) -> Any:
    if isinstance(params, list):
        return [_stamped(p, scope) for p in params]
    given = (params or {}).get("tenant_id")
    if given is not None and given != scope:
        raise CrossTenantAccess("a row of another tenant inserted in a tenant unit of work")
    return {**(params or {}), "tenant_id": scope}


event.listen(ScopedSession, "do_orm_execute", _scope_statement)
event.listen(ScopedSession, "before_flush", _stamp_tenant)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy (not the driver) issue BEGIN, so we can make it IMMEDIATE below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


WRITER_WAIT_SECONDS = 30  # as SQLite's own busy timeout


class DatabaseBusy(RuntimeError):
    """A writing transaction could not start: the database stayed locked too long."""


def _sqlite_writer_events(engine: Engine) -> None:
    """Writers queue on the busy timeout instead of failing on a read-to-write lock upgrade.

    Read-only units of work take no lock: in WAL mode they read beside a writer, even one
    held by the same thread (a use case reading settings through a second unit of work).
    SQLite has one writer at a time, and its busy handler makes a waiting writer sleep (up
    to 100 ms a try), so writing threads of this process first queue on a lock that is
    handed on the moment the previous writer ends. Like SQLite's own lock it is taken at
    BEGIN, not when a unit of work opens, and handed on only once COMMIT or ROLLBACK has
    run: SQLAlchemy's commit event comes before the COMMIT, and a lock handed on there let
    the next writer's BEGIN IMMEDIATE meet SQLite's lock and sleep in its busy handler.
    Other processes still wait in the busy handler.
    """
    writer = _WRITERS[engine] = threading.RLock()

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get("reshare_readonly"):
            conn.exec_driver_sql("BEGIN")
            return
        if not writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise DatabaseBusy(f"another transaction of this process kept the SQLite database "
                               f"locked for {WRITER_WAIT_SECONDS} s; try again (a writer may "
                               "be waiting on a slow outside call)")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise
        conn.info["reshare_writer"] = True

    def end(connection: Any) -> None:  # the pool's connection: its info is the Connection's
        try:
            info = connection.info
        except NotImplementedError:  # a bare connection (first connect): no writer here
            return
        if info.pop("reshare_writer", False):
            writer.release()

    dialect: Any = engine.dialect

    def do_commit(connection: Any) -> None:
        try:
            type(dialect).do_commit(dialect, connection)
        finally:
            end(connection)

    def do_rollback(connection: Any) -> None:
        try:
            type(dialect).do_rollback(dialect, connection)
        finally:
            end(connection)

    event.listen(engine, "begin", begin)
    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback


# engine -> its writer lock (SQLite), for tests that check when it is held
_WRITERS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            import pathlib

            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Pooled: opening a connection and setting its pragmas costs more than most of
        # our transactions. Unlimited overflow, because a thread may hold a writing and a
        # reading unit at once; connections above pool_size are closed when returned.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=NullPool if path in ("", ":memory:") else QueuePool,
            **({} if path in ("", ":memory:") else {"pool_size": 10, "max_overflow": -1}),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_writer_events(engine)
        return engine
    # sized for a process's API threads, outbox senders and the reads they nest: a pool
    # smaller than that opens and closes a connection (a server process) for nearly every
    # transaction under load
    engine = create_engine(url, pool_size=24, max_overflow=16)
    # several rows given to one Core INSERT (e.g. a unit's audit rows) go as one multi-row
    # statement, as SQLAlchemy does for psycopg2, instead of one statement each
    engine.dialect.use_insertmanyvalues_wo_returning = True  # type: ignore[attr-defined]
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip to the server on every checkout, as
    many as the unit of work's own BEGIN or COMMIT. A connection used in the last few
    seconds is almost surely alive; one idle longer (the server may have restarted, or a
    firewall dropped it) gets a ``SELECT 1``, and a dead one is replaced before the unit
    of work starts. A restart within those seconds fails one unit of work, whose error
    makes SQLAlchemy drop every older connection of the pool.
    """
    from sqlalchemy import exc

    def checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["reshare_idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("reshare_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:  # the pool replaces it and checks out another
            raise exc.DisconnectionError(f"pooled connection is dead: {error}") from error

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


class Database:
    """Engine plus unit-of-work factory. One per process (or per test)."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self._sessions = sessionmaker(
            bind=self.engine, class_=ScopedSession, expire_on_commit=False
        )
        self._read_options: dict[str, Any] = {"reshare_readonly": True}
        if self.engine.dialect.name == "postgresql":
            self._read_options["isolation_level"] = "AUTOCOMMIT"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _unit(self, scope: int | str) -> Iterator[ScopedSession]:
        session = self._sessions(info={"tenant_id": scope})
        try:
            yield session
            session.flush()  # with the rows given to add_later, when nothing else is pending
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        for callback in session.info.get("after_commit", []):
            callback()

    @contextmanager
    def _connection_unit(self, scope: int | str, options: dict[str, Any],
                         readonly: bool) -> Iterator[ScopedSession]:
        """A session on a connection of its own, for work that needs no transaction of the
        unit's own: reads, and (on PostgreSQL) a single writing statement in autocommit."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**options)
            info: dict[str, Any] = {"tenant_id": scope, "single_statement": True}
            if readonly:
                info["readonly"] = True
            session = self._sessions(bind=conn, info=info)
            try:
                yield session
                if session.new or session.dirty or session.deleted:
                    raise RuntimeError("a unit of work on its own connection (read-only, or "
                                       "one statement) holds ORM changes")
            finally:
                # close (not rollback): loaded objects stay readable after the block, as they
                # do after a writing unit commits; the connection's exit ends the transaction
                session.close()

    def reading(self, tenant_id: int | None = None) -> Any:
        """A read-only unit of work (tenant-scoped, or platform-wide without a tenant).

        It never takes SQLite's write lock, so it may be opened while this thread holds a
        writing unit of work (e.g. to read settings from an adapter factory); it sees the
        last committed state, not the outer unit's uncommitted changes.
        """
        if tenant_id is not None and not isinstance(tenant_id, int):
            raise TypeError("tenant_id must be the tenant's integer id")
        # PostgreSQL: no BEGIN and ROLLBACK round trips; under its default READ COMMITTED
        # each statement takes its own snapshot inside a transaction too
        return self._connection_unit(_PLATFORM if tenant_id is None else tenant_id,
                                     self._read_options, readonly=True)

    def tenant(self, tenant_id: int) -> Any:
        """A unit of work that sees only ``tenant_id``'s rows; commits when the block ends."""
        if not isinstance(tenant_id, int):
            raise TypeError("tenant_id must be the tenant's integer id")
        return self._unit(tenant_id)

    def platform(self) -> Any:
        """A unit of work across all tenants: provisioning and message routing only."""
        return self._unit(_PLATFORM)

    def unscoped(self) -> Any:
        """A unit of work for platform tables only (tenants list, health); refuses tenant data."""
        return self._unit(_UNSCOPED)

    def statement(self, tenant_id: int | None = None) -> Any:
        """A unit of work for one writing statement (tenant-scoped, or platform-wide without
        a tenant): the outbox claim, a send's result. On PostgreSQL it runs in autocommit: a
        single statement is atomic by itself, so the ``BEGIN`` and ``COMMIT`` round trips are
        saved. Elsewhere it is an ordinary unit of work (SQLite's writers queue at
        ``BEGIN``). Holding ORM changes at its end is an error: only one statement is atomic.
        """
        if tenant_id is not None and not isinstance(tenant_id, int):
            raise TypeError("tenant_id must be the tenant's integer id")
        scope: int | str = _PLATFORM if tenant_id is None else tenant_id
        if self.engine.dialect.name != "postgresql":
            return self._unit(scope)
        return self._connection_unit(scope, {"isolation_level": "AUTOCOMMIT"}, readonly=False)

    def dispose(self) -> None:
        from reshare.changefeed import close_feed

        close_feed(self.engine)
        self.engine.dispose()
