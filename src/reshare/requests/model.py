"""Plain data of the request engine: what a new request needs, and what callers get back."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from reshare.errors import ValidationFailed

if TYPE_CHECKING:
    from reshare.requests.store import PatronRequest

SERVICE_TYPES = ("Loan", "Copy", "CopyOrLoan")


@dataclass
class NewRequest:
    """A patron request as staff, the API or OpenURL give it."""

    title: str = ""
    author: str = ""
    subtitle: str = ""
    isbn: str = ""
    issn: str = ""
    oclc_number: str = ""
    publisher: str = ""
    publication_date: str = ""
    place_of_publication: str = ""
    edition: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    start_page: str = ""
    number_of_pages: str = ""
    publication_type: str = ""
    title_of_component: str = ""
    author_of_component: str = ""
    service_type: str = "Loan"
    service_level: str = ""
    delivery_method: str = ""
    copyright_type: str = ""
    patron_id: str = ""
    patron_name: str = ""
    patron_email: str = ""
    patron_type: str = ""
    pickup_location: str = ""
    pickup_url: str = ""
    needed_by: dt.date | None = None
    patron_note: str = ""
    system_instance_id: str = ""
    referrer_id: str = ""
    max_cost: Decimal | None = None
    max_cost_currency: str = ""
    requesting_symbol: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        problems = []
        if not (self.title or self.system_instance_id or self.title_of_component):
            problems.append("give a title (or a record id)")
        if not self.patron_id:
            problems.append("give the patron's id (patron_id)")
        if self.service_type not in SERVICE_TYPES:
            problems.append(f"service_type must be one of {', '.join(SERVICE_TYPES)}")
        if problems:
            raise ValidationFailed("the request is incomplete: " + "; ".join(problems),
                                   details={"problems": problems})

    def columns(self) -> dict[str, Any]:
        skip = {"requesting_symbol", "extra"}
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        values["extra"] = dict(self.extra)
        for key, value in values.items():
            if isinstance(value, str):
                values[key] = value[:255] if key not in ("patron_note", "pickup_url") else value
        return values

    @classmethod
    def from_request(cls, old: PatronRequest, changes: dict[str, Any]) -> NewRequest:
        data = cls(**{f.name: getattr(old, f.name) for f in fields(cls)
                      if f.name not in ("extra", "requesting_symbol")})
        data.requesting_symbol = old.requesting_symbol
        for key, value in changes.items():
            if key in {f.name for f in fields(cls)} and key != "extra":
                setattr(data, key, value)
        return data

    @classmethod
    def from_wire(cls, values: dict[str, Any], note: str) -> NewRequest:
        known = {f.name for f in fields(cls)} - {"extra", "needed_by", "max_cost"}
        data = cls(**{k: str(v or "") for k, v in values.items() if k in known})  # type: ignore[arg-type]
        data.patron_note = note
        if values.get("needed_by"):
            with contextlib.suppress(ValueError):
                data.needed_by = dt.date.fromisoformat(str(values["needed_by"])[:10])
        if values.get("max_cost"):
            with contextlib.suppress(InvalidOperation):
                data.max_cost = Decimal(str(values["max_cost"]))
        data.service_type = data.service_type or "Loan"
        return data


@dataclass
class RequestView:
    """A request as the API returns it (plus audit, messages, rota when ``full``)."""

    id: int
    hrid: str
    role: str
    state: str
    state_label: str
    stage: str
    terminal: bool
    needs_attention: bool
    valid_actions: list[str]
    data: dict[str, Any]
    rota: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict (fields are JSON values already; the lists are copied one level,
        which is what ``dataclasses.asdict``'s deep copy cost on every API call)."""
        return {f.name: _shallow(getattr(self, f.name)) for f in fields(self)}


def _shallow(value: Any) -> Any:
    if isinstance(value, list):
        return [dict(v) if isinstance(v, dict) else v for v in value]
    if isinstance(value, dict):
        return dict(value)
    return value
