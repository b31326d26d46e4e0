"""What each request action asks of staff: the fields of its form, its label, its vocabulary.

The engine says which actions are valid now; this table says how to ask for their parameters.
Vocabularies are ReShare's (cancellation reasons, cannot-supply reasons, loan conditions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CANCEL_REASONS = ("patron_requested", "available_locally", "invalid_user")
UNFILLED_REASONS = ("unavailable", "missing", "incorrect", "other")
LOAN_CONDITIONS = ("LibraryUseOnly", "NoReproduction", "SignatureRequired", "SpecCollSupervReq",
                   "WatchLibraryUseOnly", "Other")
CURRENCIES = ("", "USD", "EUR", "AUD", "CAD", "SEK", "DKK")
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, select, date, number
    options: tuple[str, ...] = ()
    required: bool = False


NOTE = Field("note", "Note")
FORMS: dict[str, tuple[Field, ...]] = {
    "requesterCancel": (Field("reason", "Reason", "select", CANCEL_REASONS, True), NOTE),
    "supplierCannotSupply": (Field("reason", "Reason", "select", UNFILLED_REASONS, True), NOTE),
    "supplierConditionalSupply": (
        Field("loanCondition", "Condition", "select", LOAN_CONDITIONS, True),
        Field("cost", "Cost", "number"), Field("costCurrency", "Currency", "select", CURRENCIES),
        NOTE),
    "supplierAddCondition": (
        Field("loanCondition", "Condition", "select", LOAN_CONDITIONS, True),
        Field("cost", "Cost", "number"), Field("costCurrency", "Currency", "select", CURRENCIES),
        NOTE),
    "supplierCheckInToReshare": (Field("itemBarcode", "Item barcode", required=True),),
    "supplierCheckInToReshareAndSupplierMarkShipped": (
        Field("itemBarcode", "Item barcode", required=True),),
    "supplierRespondToCancel": (Field("cancelResponse", "Agree to cancel?", "select", YES_NO,
                                      True), NOTE),
    "supplierRespondToRenew": (Field("renewResponse", "Renew?", "select", YES_NO, True),
                               Field("dueDate", "New due date", "date")),
    "supplierAddURLToDocument": (Field("url", "Document URL", required=True),),
    "supplierFillDigitalLoan": (Field("url", "Loan URL", required=True),),
    "localNote": (Field("localNote", "Local note"),),
}
LABELS: dict[str, str] = {
    "respondYes": "Will supply", "supplierCannotSupply": "Cannot supply",
    "supplierConditionalSupply": "Supply with conditions",
    "supplierPrintPullSlip": "Mark pull slip printed",
    "supplierCheckInToReshare": "Fill request (scan item)",
    "supplierCheckInToReshareAndSupplierMarkShipped": "Fill and ship",
    "supplierMarkShipped": "Ship", "supplierCheckOutOfReshare": "Check item back in",
    "requesterReceived": "Mark received", "patronReturnedItem": "Patron returned item",
    "shippedReturn": "Return shipped", "requesterCancel": "Cancel request",
    "patronReturnedItemAndShippedReturn": "Patron returned and return shipped",
    "requesterAgreeConditions": "Agree to conditions",
    "requesterRejectConditions": "Reject conditions", "localNote": "Save local note",
    "borrowerCheck": "Check patron again", "requesterBypassValidation": "Bypass validation",
    "requesterRetryValidation": "Retry validation",
}
HIDDEN = {"message", "edit", "rerequest", "manualClose"}  # chat has its own form


def label(action: str) -> str:
    if action in LABELS:
        return LABELS[action]
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", action).lower()
    return words[:1].upper() + words[1:]


def fields(action: str) -> tuple[Field, ...]:
    return FORMS.get(action, ())


def params_from_form(action: str, form: dict[str, str]) -> dict[str, object]:
    """Only the fields of this action's form, blank ones left out; barcodes as the engine wants."""
    out: dict[str, object] = {}
    for f in fields(action):
        value = form.get(f.name, "").strip()
        if value:
            out[f.name] = value
    if "itemBarcode" in out:
        out["itemBarcodes"] = [{"itemId": code.strip()} for code in
                               str(out.pop("itemBarcode")).replace(",", " ").split()]
    if form.get("note") and "note" not in out:
        out["note"] = form["note"].strip()
    return out
