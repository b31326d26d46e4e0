"""Tables of the request engine: patron requests (both roles), rota, audit, messages, loan
conditions, volumes, HRID counters and the local message queue; plus the queries on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from reshare.db import Base, JSONType, ScopedSession, TenantOwned, UTCDateTime, utcnow

_S = String(255)


class PatronRequest(TenantOwned, Base):
    """One side of a request: the requester's view or a supplier's view."""

    __tablename__ = "patron_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hrid: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    is_requester: Mapped[bool] = mapped_column(Boolean, nullable=False)
    state_model: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    previous_states: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    needs_attention: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    requesting_symbol: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    supplying_symbol: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    peer_request_id: Mapped[str] = mapped_column(String(128), nullable=False, default="",
                                                 index=True)
    rota_position: Mapped[int] = mapped_column(Integer, nullable=False, default=-1)
    request_to_continue: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # bibliographic
    title: Mapped[str] = mapped_column(_S, nullable=False, default="")
    author: Mapped[str] = mapped_column(_S, nullable=False, default="")
    subtitle: Mapped[str] = mapped_column(_S, nullable=False, default="")
    isbn: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    issn: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    oclc_number: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    publisher: Mapped[str] = mapped_column(_S, nullable=False, default="")
    publication_date: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    place_of_publication: Mapped[str] = mapped_column(_S, nullable=False, default="")
    edition: Mapped[str] = mapped_column(_S, nullable=False, default="")
    volume: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    issue: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    pages: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    start_page: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    number_of_pages: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    publication_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    title_of_component: Mapped[str] = mapped_column(_S, nullable=False, default="")
    author_of_component: Mapped[str] = mapped_column(_S, nullable=False, default="")
    system_instance_id: Mapped[str] = mapped_column(_S, nullable=False, default="")
    supplier_unique_record_id: Mapped[str] = mapped_column(_S, nullable=False, default="")
    # service
    service_type: Mapped[str] = mapped_column(String(16), nullable=False, default="Loan")
    service_level: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    delivery_method: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    needed_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    copyright_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    max_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    max_cost_currency: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    cost_currency: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    # patron and pickup
    patron_id: Mapped[str] = mapped_column(String(128), nullable=False, default="", index=True)
    patron_name: Mapped[str] = mapped_column(_S, nullable=False, default="")
    patron_email: Mapped[str] = mapped_column(_S, nullable=False, default="")
    patron_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    patron_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    pickup_location: Mapped[str] = mapped_column(_S, nullable=False, default="")
    pickup_url: Mapped[str] = mapped_column(Text, nullable=False, default="")
    referrer_id: Mapped[str] = mapped_column(_S, nullable=False, default="")
    return_address: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # supplier-side fulfilment
    pick_location: Mapped[str] = mapped_column(_S, nullable=False, default="")
    pick_shelving_location: Mapped[str] = mapped_column(_S, nullable=False, default="")
    local_call_number: Mapped[str] = mapped_column(_S, nullable=False, default="")
    selected_item_barcode: Mapped[str] = mapped_column(_S, nullable=False, default="")
    pull_slip_printed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # lifecycle
    due_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    renewals: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    recalled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cancellation_reason: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    local_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    last_seq_sent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_seq_received: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sent_request_response: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    network_status: Mapped[str] = mapped_column(String(16), nullable=False, default="Idle")
    preceded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    succeeded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False,
                                                    index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def _request_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("patron_requests.id", ondelete="CASCADE"), index=True,
                         nullable=False)


class RotaEntry(TenantOwned, Base):
    __tablename__ = "request_rota"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    instance_id: Mapped[str] = mapped_column(_S, nullable=False, default="")
    score: Mapped[float | None] = mapped_column(Numeric(14, 4), nullable=True)
    reason: Mapped[str] = mapped_column(_S, nullable=False, default="")
    state: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    note: Mapped[str] = mapped_column(_S, nullable=False, default="")


class AuditEntry(TenantOwned, Base):
    __tablename__ = "request_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    from_state: Mapped[str] = mapped_column(String(64), nullable=False)
    to_state: Mapped[str] = mapped_column(String(64), nullable=False)
    trigger: Mapped[str] = mapped_column(String(64), nullable=False)
    qualifier: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    actor: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    rota_position: Mapped[int] = mapped_column(Integer, nullable=False, default=-1)


class RequestMessage(TenantOwned, Base):
    """Chat and protocol notes exchanged with the peer, both directions."""

    __tablename__ = "request_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    outbound: Mapped[bool] = mapped_column(Boolean, nullable=False)
    peer_symbol: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # action / reason
    status: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    reason: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    seen: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    delivery: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class LoanCondition(TenantOwned, Base):
    __tablename__ = "request_conditions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    currency: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    supplier_symbol: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class Volume(TenantOwned, Base):
    __tablename__ = "request_volumes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    name: Mapped[str] = mapped_column(_S, nullable=False, default="")
    item_id: Mapped[str] = mapped_column(_S, nullable=False)
    call_number: Mapped[str] = mapped_column(_S, nullable=False, default="")
    temporary_barcode: Mapped[str] = mapped_column(_S, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class HridCounter(TenantOwned, Base):
    __tablename__ = "request_hrid_counters"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_request_hrid_counters_tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class LocalMessage(TenantOwned, Base):
    """Messages queued for a peer when the ISO 18626 outbox is not installed (loopback)."""

    __tablename__ = "request_local_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    peer_symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    delivered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    result: Mapped[str] = mapped_column(Text, nullable=False, default="")


# ------------------------------------------------------------------------------ queries


_NEXT_HRID = (update(HridCounter).values(next_value=HridCounter.next_value + 1)
              .returning(HridCounter.next_value))


def next_hrid_number(session: ScopedSession) -> int:
    """The tenant's next request number: one ``UPDATE … RETURNING`` (the row lock it takes
    orders concurrent requests); concurrent first requests race safely."""
    taken = session.core(_NEXT_HRID).scalar()
    if taken is None:
        try:
            with session.begin_nested():
                session.add(HridCounter(next_value=1))
        except IntegrityError:
            pass  # another transaction created it first: use theirs
        taken = session.core(_NEXT_HRID).scalar_one()
    return int(taken) - 1


def take_hrid_number(db: Any, tenant_id: int) -> int | None:
    """On PostgreSQL, the next request number taken in a statement of its own (autocommit),
    so that the counter's row lock is not held while the new request is validated and sent:
    concurrent creations would queue behind it. A creation that then fails leaves a gap in
    the numbers, as a sequence does. None elsewhere: SQLite's writers are serialised anyway,
    and the number is taken in the creating transaction (no gaps)."""
    if db.dialect != "postgresql":
        return None
    with db.statement(tenant_id) as session:
        taken = session.core(_NEXT_HRID).scalar()
    if taken is not None:
        return int(taken) - 1
    with db.tenant(tenant_id) as session:  # the tenant's first request
        return next_hrid_number(session)


_ADD_AUDIT = insert(AuditEntry).inline()  # inline: its id is not needed (no RETURNING)


def add_audit(session: ScopedSession, values: dict[str, Any]) -> None:
    """One audit row, written with Core with the unit's other audit rows, at its next flush
    or commit: there is one per transition (several when a request is created), the
    engine's most frequent insert, and reading them (an ORM query) flushes first."""
    session.add_later(_ADD_AUDIT, values)


_ADD_MESSAGE = insert(RequestMessage).inline()


def add_message(session: ScopedSession, values: dict[str, Any]) -> None:
    """Record a message of a request (Core: one per message sent or received)."""
    session.core(_ADD_MESSAGE, values)


def get(session: ScopedSession, request_id: int, *, lock: bool = False) -> PatronRequest | None:
    return session.load(_GET_LOCKED if lock else _GET, {"id": request_id}).first()


def find_supplier_request(session: ScopedSession, hrid: str,
                          requesting_symbol: str) -> PatronRequest | None:
    return session.load(_SUPPLIER_REQUEST, {"hrid": hrid,
                                            "symbol": requesting_symbol}).first()


def find_by_peer(session: ScopedSession, peer_request_id: str, requesting_symbol: str, *,
                 lock: bool = False) -> PatronRequest | None:
    """The supplier request made for the requester's request id (ISO 18626 messages name
    the requester's id and symbol)."""
    return session.load(_BY_PEER_LOCKED if lock else _BY_PEER, {
        "peer": peer_request_id, "symbol": requesting_symbol.upper()}).first()


def find_requester_request(session: ScopedSession, hrid: str) -> PatronRequest | None:
    return session.load(_REQUESTER_REQUEST, {"hrid": hrid}).first()


def rota(session: ScopedSession, request_id: int) -> list[RotaEntry]:
    return list(session.load(_ROTA, {"id": request_id}))


def audit(session: ScopedSession, request_id: int) -> list[AuditEntry]:
    return list(session.load(_AUDIT, {"id": request_id}))


def messages(session: ScopedSession, request_id: int) -> list[RequestMessage]:
    return list(session.load(_MESSAGES, {"id": request_id}))


def conditions(session: ScopedSession, request_id: int) -> list[LoanCondition]:
    return list(session.load(_CONDITIONS, {"id": request_id}))


def add_volumes(session: ScopedSession, rows: list[dict[str, Any]]) -> None:
    """Write a request's new volumes at once, in one statement (rows of Volume's columns)."""
    session.insert_rows(_ADD_VOLUMES, rows)


def volumes(session: ScopedSession, request_id: int) -> list[Volume]:
    return list(session.load_rows_of(_VOLUMES, {"id": request_id}, Volume))


# built once: the engine loads these several times per message or action
_GET = select(PatronRequest).where(PatronRequest.id == bindparam("id"))
_GET_LOCKED = _GET.with_for_update()
_SUPPLIER_REQUEST = select(PatronRequest).where(
    PatronRequest.is_requester.is_(False), PatronRequest.hrid == bindparam("hrid"),
    PatronRequest.requesting_symbol == bindparam("symbol")).with_for_update()
_BY_PEER = select(PatronRequest).where(
    PatronRequest.is_requester.is_(False), PatronRequest.peer_request_id == bindparam("peer"),
    PatronRequest.requesting_symbol == bindparam("symbol"))
_BY_PEER_LOCKED = _BY_PEER.with_for_update()
_REQUESTER_REQUEST = select(PatronRequest).where(
    PatronRequest.is_requester.is_(True), PatronRequest.hrid == bindparam("hrid")
).with_for_update()


def _children(model: Any, order: Any) -> Any:
    return select(model).where(model.request_id == bindparam("id")).order_by(order)


_ROTA = _children(RotaEntry, RotaEntry.position)
_AUDIT = _children(AuditEntry, AuditEntry.id)
_MESSAGES = _children(RequestMessage, RequestMessage.id)
_CONDITIONS = _children(LoanCondition, LoanCondition.id)
_VOLUMES = _children(Volume, Volume.id)
_ADD_VOLUMES = insert(Volume).inline()


from reshare.requests import changes as _changes  # noqa: E402,F401  (registers its listeners)
