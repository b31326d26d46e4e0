"""Conversion between the engine's :class:`Envelope` and ``reshare.iso18626.model`` messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from reshare.iso18626 import conventions as conv
from reshare.iso18626 import model as m
from reshare.requests.messages import RAM, REQUEST, SAM, Envelope

_BIB = ("title", "author", "subtitle", "edition", "volume", "issue", "title_of_component",
        "author_of_component")
# fields with no ISO slot, carried as RESHARE-scheme bibliographicRecordIds (§9.2)
_RECORD_CODES = {"systemInstanceIdentifier": "system_instance_id", "oclcNumber": "oclc_number",
                 "startPage": "start_page", "numberOfPages": "number_of_pages",
                 "patronReference": "patron_email", "deliveryMethod": "delivery_method",
                 "copyrightType": "copyright_type", "placeOfPublication": "place_of_publication"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _sv(value: str) -> m.SchemeValue | None:
    return m.SchemeValue(value) if value else None


def _costs(value: str, currency: str) -> m.Costs | None:
    if not value or not currency:
        return None
    return m.Costs(m.SchemeValue(currency), Decimal(value))


def _header(env: Envelope) -> m.Header:
    return m.Header(supplying_agency_id=m.AgencyId.from_symbol(env.supplying_symbol),
                    requesting_agency_id=m.AgencyId.from_symbol(env.requesting_symbol),
                    timestamp=_now(), requesting_agency_request_id=env.requesting_request_id,
                    supplying_agency_request_id=env.supplying_request_id or None)


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def to_iso(env: Envelope) -> m.InitiatingMessage:
    if env.kind == SAM:
        return _sam_to_iso(env)
    if env.kind == RAM:
        return m.RequestingAgencyMessage(_header(env), m.Action(env.action), env.note or None)
    return _request_to_iso(env)


def _sam_to_iso(env: Envelope) -> m.SupplyingAgencyMessage:
    info = m.MessageInfo(m.ReasonForMessage(env.reason),
                         answer_yes_no=m.YesNo(env.answer) if env.answer else None,
                         note=env.note or None, reason_unfilled=_sv(env.reason_unfilled),
                         offered_costs=_costs(env.offered_cost, env.offered_currency))
    status = m.StatusInfo(m.Status(env.status or "ExpectToSupply"), last_change=_now(),
                          due_date=_date(env.due_date))
    delivery = None
    if env.item_id or env.loan_condition or env.delivery_cost:
        delivery = m.DeliveryInfo(date_sent=_now(), item_id=env.item_id or None,
                                  sent_via=_sv(env.sent_via), sent_to_patron=False,
                                  loan_condition=_sv(env.loan_condition),
                                  delivery_costs=_costs(env.delivery_cost,
                                                        env.delivery_currency))
    return m.SupplyingAgencyMessage(_header(env), info, status, delivery)


def _request_to_iso(env: Envelope) -> m.Request:
    f = env.request
    bib = m.BibliographicInfo(
        supplier_unique_record_id=f.get("supplier_unique_record_id") or None,
        pages_requested=f.get("pages") or None,
        bibliographic_record_id=conv.record_ids({code: f.get(col) for code, col in
                                                 _RECORD_CODES.items()}),
        **{k: f.get(k) or None for k in _BIB})  # type: ignore[arg-type]
    for code in ("isbn", "issn"):
        if f.get(code):
            bib.bibliographic_item_id.append(m.BibliographicItemId(f[code], m.SchemeValue(
                code.upper())))
    if f.get("preceded_by"):
        bib.bibliographic_item_id.append(conv.preceded_by(f["preceded_by"]))
    needed = f.get("needed_by")
    service = m.ServiceInfo(
        m.ServiceType(f.get("service_type") or "Loan"), request_type=m.RequestType.NEW,
        service_level=_sv(f.get("service_level", "")), any_edition=m.YesNo.Y,
        need_before_date=_date(needed + "T00:00:00+00:00") if needed else None,
        note=env.note or None)
    pub = m.PublicationInfo(publisher=f.get("publisher") or None,
                            publication_type=_sv(f.get("publication_type", "")),
                            publication_date=f.get("publication_date") or None)
    delivery = []
    if f.get("delivery_method", "").lower() == "url" and f.get("pickup_url"):
        delivery.append(m.RequestedDeliveryInfo(address=m.Address(
            electronic_address=m.ElectronicAddress(m.SchemeValue("url"), f["pickup_url"]))))
    elif f.get("pickup_location"):
        delivery.append(m.RequestedDeliveryInfo(address=m.Address(
            physical_address=m.PhysicalAddress(line1=f["pickup_location"]))))
    patron = None
    if f.get("patron_id"):
        patron = m.PatronInfo(patron_id=f["patron_id"], surname=f.get("patron_name") or None,
                              patron_type=_sv(f.get("patron_type", "")))
    billing = None
    if f.get("max_cost"):
        billing = m.BillingInfo(maximum_costs=_costs(f["max_cost"], f.get("max_cost_currency",
                                                                           "")))
    return m.Request(_header(env), bib, pub, service, [], delivery, None, patron, billing)


# ------------------------------------------------------------------------------ incoming


def _txt(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def from_iso(msg: Any) -> Envelope:
    h = msg.header
    env = Envelope("", h.requesting_agency_id.symbol.upper(), h.supplying_agency_id.symbol.upper(),
                   h.requesting_agency_request_id,
                   supplying_request_id=h.supplying_agency_request_id or "")
    if isinstance(msg, m.SupplyingAgencyMessage):
        _sam_from_iso(env, msg)
    elif isinstance(msg, m.RequestingAgencyMessage):
        env.kind, env.action, env.note = RAM, _txt(msg.action), msg.note or ""
    else:
        _request_from_iso(env, msg)
    return env


def _sam_from_iso(env: Envelope, msg: m.SupplyingAgencyMessage) -> None:
    info, status, delivery = msg.message_info, msg.status_info, msg.delivery_info
    env.kind, env.reason, env.status = SAM, _txt(info.reason_for_message), _txt(status.status)
    env.answer, env.note = _txt(info.answer_yes_no), info.note or ""
    env.reason_unfilled = _txt(info.reason_unfilled)
    if info.offered_costs is not None:
        env.offered_cost = str(info.offered_costs.monetary_value)
        env.offered_currency = _txt(info.offered_costs.currency_code)
    if status.due_date is not None:
        env.due_date = status.due_date.isoformat()
    if delivery is not None:
        env.item_id, env.sent_via = delivery.item_id or "", _txt(delivery.sent_via)
        env.loan_condition = _txt(delivery.loan_condition)
        if delivery.delivery_costs is not None:
            env.delivery_cost = str(delivery.delivery_costs.monetary_value)
            env.delivery_currency = _txt(delivery.delivery_costs.currency_code)


def _request_from_iso(env: Envelope, msg: m.Request) -> None:
    bib = msg.bibliographic_info
    ids = conv.identifier_fields(bib)
    f: dict[str, Any] = {k: getattr(bib, k) or "" for k in _BIB}
    f["pages"] = bib.pages_requested or ""
    f["supplier_unique_record_id"] = bib.supplier_unique_record_id or ""
    for code, col in _RECORD_CODES.items():
        f[col] = ids.get(code.lower(), "")
    f["isbn"], f["issn"] = ids.get("isbn", ""), ids.get("issn", "")
    f["preceded_by"] = ids.get(conv.PRECEDED_BY, "")
    if msg.publication_info is not None:
        f["publisher"] = msg.publication_info.publisher or ""
        f["publication_type"] = _txt(msg.publication_info.publication_type)
        f["publication_date"] = msg.publication_info.publication_date or ""
    if msg.service_info is not None:
        s = msg.service_info
        f["service_type"], f["service_level"] = _txt(s.service_type), _txt(s.service_level)
        f["needed_by"] = s.need_before_date.date().isoformat() if s.need_before_date else ""
        env.note = s.note or ""
    for d in msg.requested_delivery_info:
        if d.address and d.address.physical_address:
            f["pickup_location"] = d.address.physical_address.line1 or ""
        elif d.address and d.address.electronic_address:
            f["pickup_url"] = d.address.electronic_address.electronic_address_data
            f["delivery_method"] = "URL"
    if msg.patron_info is not None:
        f["patron_id"] = msg.patron_info.patron_id or ""
        f["patron_name"] = msg.patron_info.surname or ""
    if msg.billing_info is not None and msg.billing_info.maximum_costs is not None:
        f["max_cost"] = str(msg.billing_info.maximum_costs.monetary_value)
        f["max_cost_currency"] = _txt(msg.billing_info.maximum_costs.currency_code)
    env.kind, env.request = REQUEST, f


def outcome_to_iso(outcome: Any) -> Any:
    """Our Outcome as the ISO 18626 endpoint's HandlingOutcome (when that module exists)."""
    try:
        from reshare.iso18626 import handlers  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return outcome
    if outcome.ok:
        return handlers.HandlingOutcome.accepted()
    return handlers.HandlingOutcome.error(handlers.error_type_of(outcome.error_type),
                                          outcome.error_value)


def delivery_outcome(outcome: Any) -> Any:
    """Read the outbox's final delivery outcome as our Outcome (ok / error type / value)."""
    from reshare.requests.protocol import Outcome

    if isinstance(outcome, Outcome):
        return outcome
    ok = bool(getattr(outcome, "ok", False))
    return Outcome(ok, str(getattr(outcome, "error_type", "") or getattr(outcome, "result", "")),
                   str(getattr(outcome, "error_value", "") or getattr(outcome, "detail", "")))
