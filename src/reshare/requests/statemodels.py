"""ReShare's state models as data: states with their metadata, and one transition table per model.

Codes and rows follow mod-rs (see docs/requests.md for where we deliberately differ: unmatched
messages are errors, Unfilled while cancel-pending ends the request, renewals and recall exist,
a Cancel after shipping is refused with a reason).
"""

from __future__ import annotations

from reshare.requests.engine import (
    Stage,
    StateInfo,
    StateModel,
    Trig,
    expand,
    inherit,
)

M, P, S = Trig.MANUAL, Trig.PROTOCOL, Trig.SYSTEM
PREP, LOCAL, ACTIVE = Stage.PREPARING, Stage.LOCAL, Stage.ACTIVE
PENDING, SHIPPED, DONE = (Stage.ACTIVE_PENDING_CONDITIONAL_ANSWER, Stage.ACTIVE_SHIPPED,
                          Stage.COMPLETED)
AP, AB, AL = "ACTIVE_PATRON", "ACTIVE_BORROW", "ACTIVE_LOAN"


def _s(code: str, stage: Stage, label: str, *, terminal: bool = False, attention: bool = False,
       tags: tuple[str, ...] = ()) -> StateInfo:
    return StateInfo(code, stage, label, terminal, attention, frozenset(tags))


STATES: dict[str, StateInfo] = {s.code: s for s in [
    _s("REQ_IDLE", PREP, "New", attention=True, tags=(AP,)),
    _s("REQ_VALIDATED", PREP, "Validated", tags=(AP,)),
    _s("REQ_INVALID_PATRON", PREP, "Invalid patron", attention=True),
    _s("REQ_SOURCING_ITEM", PREP, "Sourcing", tags=(AP,)),
    _s("REQ_SUPPLIER_IDENTIFIED", PREP, "Supplier identified", tags=(AP,)),
    _s("REQ_REQUEST_SENT_TO_SUPPLIER", ACTIVE, "Request sent", tags=(AP,)),
    _s("REQ_EXPECTS_TO_SUPPLY", ACTIVE, "Expects to supply", tags=(AP,)),
    _s("REQ_CONDITIONAL_ANSWER_RECEIVED", ACTIVE, "Loan conditions received", attention=True,
       tags=(AP,)),
    _s("REQ_CANCEL_PENDING", ACTIVE, "Cancel pending", tags=(AP,)),
    _s("REQ_CANCELLED_WITH_SUPPLIER", DONE, "Cancelled with supplier"),
    _s("REQ_UNFILLED", DONE, "Unfilled"),
    _s("REQ_SHIPPED", SHIPPED, "Shipped", tags=(AP,)),
    _s("REQ_CHECKED_IN", SHIPPED, "In local circulation process", tags=(AB, AP)),
    _s("REQ_RENEW_PENDING", SHIPPED, "Renewal requested", tags=(AB, AP)),
    _s("REQ_AWAITING_RETURN_SHIPPING", SHIPPED, "Awaiting return shipping", tags=(AB,)),
    _s("REQ_SHIPPED_TO_SUPPLIER", SHIPPED, "Return shipped"),
    _s("REQ_REQUEST_COMPLETE", DONE, "Complete", terminal=True),
    _s("REQ_OVERDUE", SHIPPED, "Overdue", tags=(AB, AP)),
    _s("REQ_RECALLED", SHIPPED, "Recalled", attention=True, tags=(AP,)),
    _s("REQ_LOCAL_REVIEW", LOCAL, "Requires review - locally available", attention=True,
       tags=(AP,)),
    _s("REQ_FILLED_LOCALLY", DONE, "Filled locally", terminal=True),
    _s("REQ_DUPLICATE_REVIEW", PREP, "Possible duplicate", attention=True, tags=(AP,)),
    _s("REQ_BLANK_FORM_REVIEW", PREP, "Blank form, needs review", attention=True, tags=(AP,)),
    _s("REQ_OVER_LIMIT", DONE, "Over limit", terminal=True),
    _s("REQ_END_OF_ROTA", DONE, "End of rota", terminal=True),
    _s("REQ_END_OF_ROTA_REVIEWED", DONE, "End of rota reviewed", terminal=True),
    _s("REQ_REREQUESTED", DONE, "Re-requested", terminal=True),
    _s("REQ_CANCELLED", DONE, "Cancelled", terminal=True),
    _s("REQ_ERROR", ACTIVE, "Error", attention=True),
    _s("REQ_LOANED_DIGITALLY", SHIPPED, "Loaned digitally", tags=(AB, AP)),
    _s("REQ_DOCUMENT_DELIVERED", DONE, "Document delivered", terminal=True),
    _s("RES_IDLE", ACTIVE, "New"),
    _s("RES_PENDING_CONDITIONAL_ANSWER", PENDING, "Loan conditions sent"),
    _s("RES_NEW_AWAIT_PULL_SLIP", ACTIVE, "Awaiting pull slip printing"),
    _s("RES_AWAIT_PICKING", ACTIVE, "Searching"),
    _s("RES_AWAIT_SHIP", ACTIVE, "Awaiting shipping", tags=(AL,)),
    _s("RES_ITEM_SHIPPED", SHIPPED, "Shipped", tags=(AL,)),
    _s("RES_RENEW_REQUESTED", SHIPPED, "Renewal requested", attention=True, tags=(AL,)),
    _s("RES_ITEM_RETURNED", SHIPPED, "Return shipped", tags=(AL,)),
    _s("RES_COMPLETE", DONE, "Complete", terminal=True),
    _s("RES_UNFILLED", DONE, "Unfilled", terminal=True),
    _s("RES_NOT_SUPPLIED", DONE, "Not supplied", terminal=True),
    _s("RES_CANCEL_REQUEST_RECEIVED", ACTIVE, "Cancel request received", attention=True),
    _s("RES_CANCELLED", DONE, "Cancelled", terminal=True),
    _s("RES_OVERDUE", SHIPPED, "Overdue", tags=(AL,)),
    _s("RES_SEQUESTERED", ACTIVE, "Sequestered", tags=(AL,)),
    _s("RES_LOANED_DIGITALLY", SHIPPED, "Loaned digitally", tags=(AL,)),
    _s("RES_AWAIT_DESEQUESTRATION", SHIPPED, "Awaiting desequestration", tags=(AL,)),
    _s("RES_COPY_AWAIT_PICKING", ACTIVE, "Awaiting copying"),
    _s("RES_DOCUMENT_DELIVERED", DONE, "Document delivered", terminal=True),
]}

# incoming supplying-agency messages that carry a status change (the requester's P triggers)
SAM = ("ISO18626RequestResponse", "ISO18626StatusChange", "ISO18626StatusRequestResponse")
NOTIFICATION = "ISO18626Notification"
ALWAYS = ("message", "localNote")

_CANCELLABLE = ["REQ_IDLE", "REQ_VALIDATED", "REQ_SOURCING_ITEM", "REQ_SUPPLIER_IDENTIFIED",
                "REQ_REQUEST_SENT_TO_SUPPLIER", "REQ_EXPECTS_TO_SUPPLY",
                "REQ_CONDITIONAL_ANSWER_RECEIVED", "REQ_INVALID_PATRON", "REQ_DUPLICATE_REVIEW",
                "REQ_BLANK_FORM_REVIEW"]
_NEGOTIATING = ["REQ_REQUEST_SENT_TO_SUPPLIER", "REQ_EXPECTS_TO_SUPPLY",
                "REQ_CONDITIONAL_ANSWER_RECEIVED"]


def _requester_common(delivered: str, delivered_status: str) -> list:
    """Preparation, validation, rota, negotiation and cancel rows shared by every requester."""
    return [
        *expand(S, ["REQ_IDLE"], "newRequest", {
            None: "REQ_VALIDATED", "invalidPatron": "REQ_INVALID_PATRON",
            "hostLMSCallFailed": "REQ_INVALID_PATRON", "duplicateReview": "REQ_DUPLICATE_REVIEW",
            "blankFormReview": "REQ_BLANK_FORM_REVIEW", "overLimit": "REQ_OVER_LIMIT",
            "noInstitutionSymbol": "REQ_ERROR"}),
        *expand(M, ["REQ_IDLE"], "borrowerCheck", {
            None: "REQ_VALIDATED", "invalidPatron": "REQ_INVALID_PATRON",
            "hostLMSCallFailed": "="}),
        *expand(S, ["REQ_VALIDATED"], "buildRota",
                {None: "REQ_SUPPLIER_IDENTIFIED", "endOfRota": "REQ_END_OF_ROTA"}),
        *expand(S, ["REQ_SUPPLIER_IDENTIFIED", "REQ_UNFILLED"], "sendToNextLender", {
            None: "REQ_REQUEST_SENT_TO_SUPPLIER", "localReview": "REQ_LOCAL_REVIEW",
            "endOfRota": "REQ_END_OF_ROTA"}),
        *expand(S, ["REQ_CANCELLED_WITH_SUPPLIER"], "cancelledWithSupplier",
                {None: "REQ_CANCELLED", "continue": "REQ_UNFILLED"}),
        *expand(M, ["REQ_INVALID_PATRON", "REQ_BLANK_FORM_REVIEW"], "requesterRetryValidation",
                {None: "REQ_IDLE"}),
        *expand(M, ["REQ_INVALID_PATRON", "REQ_DUPLICATE_REVIEW", "REQ_BLANK_FORM_REVIEW"],
                "requesterBypassValidation", {None: "REQ_VALIDATED"}),
        *expand(M, _CANCELLABLE, "requesterCancel",
                {None: "REQ_CANCEL_PENDING+save", "noSupplier": "REQ_CANCELLED"}),
        *expand(M, ["REQ_CONDITIONAL_ANSWER_RECEIVED"], "requesterAgreeConditions",
                {None: "REQ_EXPECTS_TO_SUPPLY"}),
        *expand(M, ["REQ_CONDITIONAL_ANSWER_RECEIVED"], "requesterRejectConditions",
                {None: "REQ_CANCEL_PENDING+save"}),
        *expand(M, ["REQ_LOCAL_REVIEW"], "fillLocally", {None: "REQ_FILLED_LOCALLY"}),
        *expand(M, ["REQ_LOCAL_REVIEW"], "cancelLocal", {None: "REQ_CANCELLED"}),
        *expand(M, ["REQ_LOCAL_REVIEW"], "localSupplierCannotSupply", {None: "REQ_UNFILLED"}),
        *expand(M, ["REQ_END_OF_ROTA"], "requesterMarkEndOfRotaReviewed",
                {None: "REQ_END_OF_ROTA_REVIEWED"}),
        *expand(M, ["REQ_END_OF_ROTA"], "rerequest", {None: "REQ_END_OF_ROTA_REVIEWED"}),
        *expand(M, ["REQ_CANCELLED"], "rerequest", {None: "="}),
        # answers of the supplier while we negotiate
        *expand(P, ["REQ_REQUEST_SENT_TO_SUPPLIER"], SAM, {
            "Conditional": "REQ_CONDITIONAL_ANSWER_RECEIVED", "ExpectToSupply": "=",
            "WillSupply": "REQ_EXPECTS_TO_SUPPLY", "Unfilled": "REQ_UNFILLED",
            "UnfilledTransfer": "REQ_REREQUESTED", delivered_status: delivered,
            "Cancelled": "REQ_CANCELLED", None: "="}),
        *expand(P, ["REQ_EXPECTS_TO_SUPPLY"], SAM, {
            "Conditional": "REQ_CONDITIONAL_ANSWER_RECEIVED", "ExpectToSupply": "=",
            "WillSupply": "=", "Unfilled": "REQ_UNFILLED", "UnfilledTransfer": "REQ_REREQUESTED",
            delivered_status: delivered, "Cancelled": "REQ_CANCELLED", None: "="}),
        *expand(P, ["REQ_CONDITIONAL_ANSWER_RECEIVED"], SAM, {
            "Conditional": "=", "ExpectToSupply": "=", "WillSupply": "=",
            "Unfilled": "REQ_UNFILLED", delivered_status: delivered,
            "Cancelled": "REQ_CANCELLED", None: "="}),
        # while a cancel is pending; Unfilled ends the request instead of trying the next lender
        *expand(P, ["REQ_CANCEL_PENDING"], ("ISO18626CancelResponse", *SAM), {
            "Cancelled": "REQ_CANCELLED_WITH_SUPPLIER", "no": "<restore",
            delivered_status: delivered, "ExpectToSupply": "=",
            "WillSupply": "=+save>REQ_EXPECTS_TO_SUPPLY",
            "Conditional": "=+save>REQ_CONDITIONAL_ANSWER_RECEIVED",
            "Unfilled": "REQ_CANCELLED_WITH_SUPPLIER", None: "="}),
        *expand(P, _NEGOTIATING, NOTIFICATION, {"Conditional": "REQ_CONDITIONAL_ANSWER_RECEIVED",
                                                None: "="}),
        *expand(P, ["REQ_EXPECTS_TO_SUPPLY", "REQ_CONDITIONAL_ANSWER_RECEIVED"], NOTIFICATION,
                {"UnfilledContinue": "REQ_REQUEST_SENT_TO_SUPPLIER"}),
        *expand(P, [s for s in STATES if s.startswith("REQ_") and s not in _NEGOTIATING],
                NOTIFICATION, {None: "="}),
        # late answers to a cancel that lost the race with shipping or closing
        *expand(P, ["REQ_CANCELLED", "REQ_END_OF_ROTA", "REQ_END_OF_ROTA_REVIEWED"],
                ("ISO18626CancelResponse", *SAM), {"Cancelled": "=", "no": "=",
                                                   "Unfilled": "="}),
    ]


_LOANED = ["REQ_SHIPPED", "REQ_CHECKED_IN", "REQ_RENEW_PENDING", "REQ_AWAITING_RETURN_SHIPPING",
           "REQ_SHIPPED_TO_SUPPLIER", "REQ_OVERDUE", "REQ_RECALLED"]

PATRON_REQUEST_ROWS = [
    *_requester_common("REQ_SHIPPED", "Loaned"),
    *expand(M, ["REQ_SHIPPED", "REQ_OVERDUE", "REQ_RECALLED"], "requesterReceived",
            {None: "REQ_CHECKED_IN"}),
    *expand(M, ["REQ_CHECKED_IN", "REQ_OVERDUE", "REQ_RECALLED", "REQ_RENEW_PENDING"],
            "patronReturnedItem", {None: "REQ_AWAITING_RETURN_SHIPPING"}),
    *expand(M, ["REQ_CHECKED_IN", "REQ_OVERDUE", "REQ_RECALLED"],
            "patronReturnedItemAndShippedReturn", {None: "REQ_SHIPPED_TO_SUPPLIER"}),
    *expand(M, ["REQ_AWAITING_RETURN_SHIPPING", "REQ_OVERDUE", "REQ_RECALLED"], "shippedReturn",
            {None: "REQ_SHIPPED_TO_SUPPLIER"}),
    # beyond ReShare: renewals and requester-side overdue
    *expand(M, ["REQ_CHECKED_IN", "REQ_OVERDUE"], "requesterRenew",
            {None: "REQ_RENEW_PENDING+save"}),
    *expand(P, ["REQ_RENEW_PENDING"], "ISO18626RenewResponse",
            {"yes": "REQ_CHECKED_IN", "no": "<restore"}),
    *expand(S, ["REQ_SHIPPED", "REQ_CHECKED_IN"], "requesterOverdue", {None: "REQ_OVERDUE"}),
    # what the supplier may tell us once the item is out
    *expand(P, ["REQ_SHIPPED", "REQ_CHECKED_IN", "REQ_RENEW_PENDING"], SAM, {
        "Overdue": "REQ_OVERDUE", "Recalled": "REQ_RECALLED", "Loaned": "=", None: "="}),
    *expand(P, ["REQ_AWAITING_RETURN_SHIPPING", "REQ_OVERDUE", "REQ_RECALLED"], SAM, {
        "LoanCompleted": "REQ_REQUEST_COMPLETE", "Overdue": "REQ_OVERDUE",
        "Recalled": "REQ_RECALLED", "Loaned": "=", None: "="}),
    *expand(P, ["REQ_SHIPPED_TO_SUPPLIER"], SAM, {
        "LoanCompleted": "REQ_REQUEST_COMPLETE", "Overdue": "=", "Recalled": "=", None: "="}),
    *expand(P, ["REQ_REQUEST_COMPLETE"], SAM, {"LoanCompleted": "=", None: "="}),
    *expand(P, _LOANED, "ISO18626CancelResponse", {"no": "=", "Cancelled": "="}),
]

NONRETURNABLE_REQUESTER_ROWS = [
    *_requester_common("REQ_DOCUMENT_DELIVERED", "CopyCompleted"),
    *expand(P, ["REQ_DOCUMENT_DELIVERED"], SAM, {"CopyCompleted": "=", None: "="}),
    *expand(P, ["REQ_DOCUMENT_DELIVERED"], "ISO18626CancelResponse", {"no": "=",
                                                                      "Cancelled": "="}),
]

DIGITAL_REQUESTER_ROWS = inherit(PATRON_REQUEST_ROWS, [
    *expand(P, ["REQ_REQUEST_SENT_TO_SUPPLIER", "REQ_EXPECTS_TO_SUPPLY",
                "REQ_CONDITIONAL_ANSWER_RECEIVED"], SAM, {"Loaned": "REQ_LOANED_DIGITALLY"}),
    *expand(P, ["REQ_CANCEL_PENDING"], ("ISO18626CancelResponse", *SAM),
            {"Loaned": "REQ_LOANED_DIGITALLY"}),
    *expand(P, ["REQ_LOANED_DIGITALLY"], SAM, {"Overdue": "REQ_REQUEST_COMPLETE",
                                               "LoanCompleted": "REQ_REQUEST_COMPLETE",
                                               "Loaned": "=", None: "="}),
    *expand(P, ["REQ_LOANED_DIGITALLY"], "ISO18626CancelResponse", {"no": "=", "Cancelled": "="}),
])

# ------------------------------------------------------------------------------ responders

_RES_CANCELLABLE = ["RES_IDLE", "RES_NEW_AWAIT_PULL_SLIP", "RES_AWAIT_PICKING", "RES_AWAIT_SHIP",
                    "RES_PENDING_CONDITIONAL_ANSWER"]
_RES_OUT = ["RES_ITEM_SHIPPED", "RES_OVERDUE", "RES_RENEW_REQUESTED", "RES_ITEM_RETURNED",
            "RES_COMPLETE"]


def _responder_common(cancellable: list[str], pickable: list[str]) -> list:
    return [
        *expand(M, ["RES_IDLE"], "respondYes", {None: "RES_NEW_AWAIT_PULL_SLIP"}),
        *expand(M, ["RES_IDLE"], "supplierConditionalSupply", {
            None: "RES_NEW_AWAIT_PULL_SLIP",
            "holding": "RES_PENDING_CONDITIONAL_ANSWER+save>RES_NEW_AWAIT_PULL_SLIP"}),
        *expand(M, ["RES_NEW_AWAIT_PULL_SLIP", *pickable], "supplierAddCondition",
                {"holding": "RES_PENDING_CONDITIONAL_ANSWER+save", None: "="}),
        *expand(M, ["RES_PENDING_CONDITIONAL_ANSWER"], "supplierMarkConditionsAgreed",
                {None: "<restore"}),
        *expand(M, ["RES_IDLE", "RES_NEW_AWAIT_PULL_SLIP", "RES_PENDING_CONDITIONAL_ANSWER",
                    pickable[0]], "supplierCannotSupply", {None: "RES_UNFILLED"}),
        *expand(M, ["RES_CANCEL_REQUEST_RECEIVED"], "supplierRespondToCancel",
                {None: "RES_CANCELLED", "no": "<restore"}),
        *expand(P, cancellable, "ISO18626Cancel", {None: "RES_CANCEL_REQUEST_RECEIVED+save"}),
        # a cancel that comes too late is answered "no" (shipped) or ignored (already closed)
        *expand(P, ["RES_UNFILLED", "RES_CANCELLED", "RES_NOT_SUPPLIED", "RES_CANCEL_REQUEST_RECEIVED"],
                "ISO18626Cancel", {"closed": "="}),
        *expand(P, ["RES_PENDING_CONDITIONAL_ANSWER"], "ISO18626Notification",
                {"conditionsAgreed": "<restore"}),
        *expand(P, [s for s in STATES if s.startswith("RES_")], "ISO18626Notification",
                {None: "="}),
        *expand(P, [s for s in STATES if s.startswith("RES_")], "ISO18626StatusRequest",
                {None: "="}),
    ]


RESPONDER_ROWS = [
    *_responder_common(_RES_CANCELLABLE, ["RES_AWAIT_PICKING", "RES_AWAIT_SHIP"]),
    *expand(M, ["RES_NEW_AWAIT_PULL_SLIP"], "supplierPrintPullSlip", {None: "RES_AWAIT_PICKING"}),
    *expand(M, ["RES_AWAIT_PICKING"], "supplierCheckInToReshare", {None: "RES_AWAIT_SHIP"}),
    *expand(M, ["RES_AWAIT_PICKING"], "supplierCheckInToReshareAndSupplierMarkShipped",
            {None: "RES_ITEM_SHIPPED"}),
    *expand(M, ["RES_AWAIT_SHIP"], "supplierMarkShipped", {None: "RES_ITEM_SHIPPED"}),
    *expand(P, ["RES_ITEM_SHIPPED", "RES_OVERDUE", "RES_RENEW_REQUESTED"], "ISO18626Received",
            {None: "="}),
    *expand(P, ["RES_ITEM_SHIPPED", "RES_OVERDUE", "RES_RENEW_REQUESTED"],
            "ISO18626ShippedReturn", {None: "RES_ITEM_RETURNED"}),
    *expand(M, ["RES_ITEM_RETURNED", "RES_OVERDUE"], "supplierCheckOutOfReshare",
            {None: "RES_COMPLETE"}),
    *expand(S, ["RES_ITEM_SHIPPED"], "supplierOverdue", {None: "RES_OVERDUE"}),
    # beyond ReShare: renewals and recall
    *expand(P, ["RES_ITEM_SHIPPED", "RES_OVERDUE"], "ISO18626Renew",
            {None: "RES_RENEW_REQUESTED+save"}),
    *expand(M, ["RES_RENEW_REQUESTED"], "supplierRespondToRenew",
            {None: "RES_ITEM_SHIPPED", "no": "<restore"}),
    *expand(M, ["RES_ITEM_SHIPPED", "RES_OVERDUE"], "supplierRecall", {None: "="}),
    *expand(P, _RES_OUT, "ISO18626Cancel", {"shipped": "="}),
]

CDL_RESPONDER_ROWS = inherit(RESPONDER_ROWS, [
    *expand(M, ["RES_AWAIT_PICKING"], "supplierCheckInToReshare", {None: "RES_SEQUESTERED"}),
    *expand(M, ["RES_SEQUESTERED"], "supplierFillDigitalLoan", {None: "RES_LOANED_DIGITALLY"}),
    *expand(S, ["RES_LOANED_DIGITALLY"], "supplierOverdue", {None: "RES_AWAIT_DESEQUESTRATION"}),
    *expand(M, ["RES_AWAIT_DESEQUESTRATION", "RES_LOANED_DIGITALLY"], "supplierCheckOutOfReshare",
            {None: "RES_COMPLETE"}),
    *expand(P, ["RES_SEQUESTERED"], "ISO18626Cancel", {None: "RES_CANCEL_REQUEST_RECEIVED+save"}),
    *expand(P, ["RES_LOANED_DIGITALLY", "RES_AWAIT_DESEQUESTRATION"], "ISO18626Cancel",
            {"shipped": "="}),
])

NONRETURNABLE_RESPONDER_ROWS = [
    *_responder_common([*_RES_CANCELLABLE[:2], "RES_COPY_AWAIT_PICKING",
                        "RES_PENDING_CONDITIONAL_ANSWER"], ["RES_COPY_AWAIT_PICKING"]),
    *expand(M, ["RES_NEW_AWAIT_PULL_SLIP"], "supplierPrintPullSlip",
            {None: "RES_COPY_AWAIT_PICKING"}),
    *expand(M, ["RES_COPY_AWAIT_PICKING"], "supplierAddURLToDocument",
            {None: "RES_DOCUMENT_DELIVERED"}),
    *expand(P, ["RES_DOCUMENT_DELIVERED"], "ISO18626Cancel", {"shipped": "="}),
]


def _states(prefix: str, extra: tuple[str, ...] = ()) -> dict[str, StateInfo]:
    return {c: i for c, i in STATES.items() if c.startswith(prefix) or c in extra}


MODELS: dict[str, StateModel] = {m.name: m for m in [
    StateModel("PatronRequest", "REQ_IDLE", _states("REQ_"), PATRON_REQUEST_ROWS,
               always_valid=(*ALWAYS, "edit")),
    StateModel("DigitalReturnableRequester", "REQ_IDLE", _states("REQ_"), DIGITAL_REQUESTER_ROWS,
               always_valid=(*ALWAYS, "edit")),
    StateModel("NonreturnableRequester", "REQ_IDLE", _states("REQ_"),
               NONRETURNABLE_REQUESTER_ROWS, always_valid=(*ALWAYS, "edit")),
    StateModel("Responder", "RES_IDLE", _states("RES_"), RESPONDER_ROWS,
               stale_action="supplierCannotSupply", overdue_state="RES_OVERDUE",
               pick_slip_action="supplierPrintPullSlip", always_valid=ALWAYS),
    StateModel("CDLResponder", "RES_IDLE", _states("RES_"), CDL_RESPONDER_ROWS,
               stale_action="supplierCannotSupply", overdue_state="RES_AWAIT_DESEQUESTRATION",
               pick_slip_action="supplierPrintPullSlip", always_valid=ALWAYS),
    StateModel("NonreturnableResponder", "RES_IDLE", _states("RES_"),
               NONRETURNABLE_RESPONDER_ROWS, stale_action="supplierCannotSupply",
               pick_slip_action="supplierPrintPullSlip", always_valid=ALWAYS),
]}

STALE_STATES = ("RES_IDLE", "RES_NEW_AWAIT_PULL_SLIP")
OVERDUE_FROM = {"Responder": ("RES_ITEM_SHIPPED",), "CDLResponder": ("RES_LOANED_DIGITALLY",)}


def model_for(*, is_requester: bool, service_type: str, delivery_method: str = "") -> StateModel:
    """Which model a request uses (§4.1): copies are non-returnable, URL loans are digital."""
    if service_type.lower() == "copy":
        name = "NonreturnableRequester" if is_requester else "NonreturnableResponder"
    elif delivery_method.lower() == "url":
        name = "DigitalReturnableRequester" if is_requester else "CDLResponder"
    else:
        name = "PatronRequest" if is_requester else "Responder"
    return MODELS[name]


def state_info(code: str) -> StateInfo:
    return STATES[code]
