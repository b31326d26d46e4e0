"""The LMS simulator's library: patrons (some blocked), items, loans, holds and fees, with the
circulation rules of a real LMS. Every refusal is an :class:`SimProblem` carrying the NCIP
Problem type a real LMS gives."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


class SimProblem(Exception):
    def __init__(self, type_: str, detail: str = "", element: str = "", value: str = "") -> None:
        super().__init__(f"{type_}: {detail}")
        self.type = type_
        self.detail = detail
        self.element = element
        self.value = value


@dataclass
class Patron:
    id: str
    username: str = ""
    given_name: str = ""
    surname: str = ""
    email: str = ""
    profile: str = "FACULTY"
    blocked: bool = False
    barcode: str = ""
    pin: str = ""


@dataclass
class Item:
    barcode: str
    bib_id: str
    title: str
    author: str = ""
    isbn: str = ""
    location: str = "Main Library"
    shelving_location: str = "Stacks"
    call_number: str = ""
    loan_policy: str = ""
    temporary: bool = False  # created by AcceptItem for an interlibrary loan


@dataclass
class Loan:
    barcode: str
    patron_id: str
    due: str
    request_id: str = ""


@dataclass
class Hold:
    request_id: str
    patron_id: str
    bib_id: str = ""
    barcode: str = ""
    type: str = "Hold"
    pickup_location: str = ""


@dataclass
class Fee:
    patron_id: str
    amount: str
    currency: str
    barcode: str = ""


@dataclass
class Library:
    agency: str
    loan_days: int = 28
    patrons: dict[str, Patron] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    loans: dict[str, Loan] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    fees: list[Fee] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    # called (under the lock) after a loan starts or ends, e.g. to re-index the Z39.50 server
    on_change: list[Callable[[], None]] = field(default_factory=list, repr=False, compare=False)

    # --- loading ------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Library:
        lib = cls(agency=data.get("agency", "SIM"), loan_days=int(data.get("loan_days", 28)))
        for p in data.get("patrons", []):
            lib.patrons[p["id"]] = Patron(**p)
        for i in data.get("items", []):
            lib.items[i["barcode"]] = Item(**i)
        for loan in data.get("loans", []):
            lib.loans[loan["barcode"]] = Loan(**loan)
        for h in data.get("holds", []):
            lib.holds[h["request_id"]] = Hold(**h)
        return lib

    @classmethod
    def load(cls, path: Path) -> Library:
        return cls.from_dict(json.loads(path.read_text()))

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"agency": self.agency, "loan_days": self.loan_days,
                    "patrons": [asdict(p) for p in self.patrons.values()],
                    "items": [asdict(i) for i in self.items.values()],
                    "loans": [asdict(x) for x in self.loans.values()],
                    "holds": [asdict(h) for h in self.holds.values()],
                    "fees": [asdict(f) for f in self.fees]}

    # --- look-ups ------------------------------------------------------------

    def patron(self, key: str, by_username: bool = False) -> Patron:
        if by_username:
            found = next((p for p in self.patrons.values() if p.username and p.username == key),
                         None)
        else:
            found = self.patrons.get(key)
        if found is None:
            raise SimProblem("Unknown User", f"no patron {key!r}", "UserId", key)
        return found

    def authenticate(self, barcode: str, pin: str) -> Patron:
        found = next((p for p in self.patrons.values() if p.barcode and p.barcode == barcode),
                     None)
        if found is None or not found.pin or found.pin != pin:
            raise SimProblem("User Authentication Failed", "barcode or PIN not recognised",
                             "AuthenticationInput")
        return found

    def item(self, barcode: str) -> Item:
        if barcode not in self.items:
            raise SimProblem("Unknown Item", f"no item with barcode {barcode!r}", "ItemId",
                             barcode)
        return self.items[barcode]

    def is_available(self, item: Item) -> bool:
        on_hold = any(h.barcode == item.barcode for h in self.holds.values())
        return item.barcode not in self.loans and not item.temporary and not on_hold

    def items_of_bib(self, bib_id: str) -> list[Item]:
        return [i for i in self.items.values() if i.bib_id == bib_id and not i.temporary]

    # --- circulation ------------------------------------------------------------

    def check_out(self, patron_id: str, barcode: str, request_id: str = "") -> Loan:
        with self.lock:
            patron = self.patron(patron_id)
            item = self.item(barcode)
            if patron.blocked:
                raise SimProblem("User Blocked", "patron is blocked", "UserId", patron_id)
            if barcode in self.loans:
                raise SimProblem("Resource Cannot Be Provided", "item is already checked out",
                                 "ItemId", barcode)
            due = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(self.loan_days)
            loan = Loan(item.barcode, patron.id, due.isoformat(), request_id)
            self.loans[barcode] = loan
            self._changed()
            return loan

    def check_in(self, barcode: str) -> tuple[Item, Loan]:
        with self.lock:
            item = self.item(barcode)
            loan = self.loans.pop(barcode, None)
            if loan is None:
                raise SimProblem("Item Not Checked Out", "item is not on loan", "ItemId", barcode)
            self._changed()
            return item, loan

    def _changed(self) -> None:
        for callback in self.on_change:
            callback()

    def accept_item(self, request_id: str, barcode: str, patron_id: str, title: str,
                    author: str, pickup: str) -> Item:
        with self.lock:
            if not request_id or not title:
                missing = "RequestId" if not request_id else "ItemOptionalFields/" \
                    "BibliographicDescription/Title"
                raise SimProblem("Needed Data Missing", f"{missing} is required", missing)
            if patron_id:
                self.patron(patron_id)
            if barcode in self.items:
                raise SimProblem("Duplicate Item", "an item with this barcode exists", "ItemId",
                                 barcode)
            item = Item(barcode=barcode, bib_id=f"ill-{request_id}", title=title, author=author,
                        location=pickup or "ILL", shelving_location="ILL", temporary=True)
            self.items[barcode] = item
            self.holds[request_id] = Hold(request_id, patron_id, barcode=barcode,
                                          type="Hold For Pickup", pickup_location=pickup)
            return item

    def delete_item(self, barcode: str) -> None:
        with self.lock:
            self.item(barcode)
            if barcode in self.loans:
                raise SimProblem("Unable To Delete Element", "item is on loan: check it in first",
                                 "ItemId", barcode)
            del self.items[barcode]
            for key in [k for k, h in self.holds.items() if h.barcode == barcode]:
                del self.holds[key]

    def request_item(self, patron_id: str, bib_id: str, request_id: str, type_: str,
                     pickup: str) -> Hold:
        with self.lock:
            patron = self.patron(patron_id)
            if patron.blocked:
                raise SimProblem("User Blocked", "patron is blocked", "UserId", patron_id)
            copies = self.items_of_bib(bib_id)
            if not copies:
                raise SimProblem("Unknown Item", f"no record {bib_id!r}",
                                 "BibliographicRecordId", bib_id)
            if request_id in self.holds:
                raise SimProblem("Duplicate Request", "request id already used", "RequestId",
                                 request_id)
            free = [c for c in copies if self.is_available(c)]
            hold = Hold(request_id, patron.id, bib_id=bib_id,
                        barcode=free[0].barcode if free else "", type=type_, pickup_location=pickup)
            self.holds[request_id] = hold
            return hold

    def cancel_request(self, request_id: str) -> Hold:
        with self.lock:
            if request_id not in self.holds:
                raise SimProblem("Unknown Request", f"no request {request_id!r}", "RequestId",
                                 request_id)
            return self.holds.pop(request_id)

    def add_fee(self, patron_id: str, amount: str, currency: str, barcode: str) -> Fee:
        with self.lock:
            self.patron(patron_id)
            fee = Fee(patron_id, amount, currency, barcode)
            self.fees.append(fee)
            return fee
