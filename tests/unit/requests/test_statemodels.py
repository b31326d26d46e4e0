"""Every row of every transition table, and the engine's rules (save/restore, no match)."""

from __future__ import annotations

import pytest

from reshare.requests.engine import SAME, NoTransition, Trig
from reshare.requests.statemodels import MODELS, model_for


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_row_of_every_model_leads_where_it_says(name: str) -> None:
    model = MODELS[name]
    assert model.initial in model.states
    checked = 0
    for row in model.transitions:
        if model.find(row.from_state, row.trigger, row.qualifier) is not row:
            continue  # overridden by an earlier row with the same key (inheritance)
        previous = {row.from_state: "REQ_IDLE" if name.endswith("Requester")
                    or name == "PatronRequest" else "RES_IDLE"} if row.restore else {}
        step = model.step(row.from_state, previous, row.trigger, row.qualifier)
        if row.restore:
            assert step.to_state == previous[row.from_state]
            assert row.from_state not in step.previous_states
        else:
            expected = row.from_state if row.target == SAME else row.target
            assert step.to_state == expected, row
        if row.save and step.changed:
            assert step.previous_states[step.to_state] == (row.save_as or row.from_state)
        checked += 1
    assert checked > 20


def test_cancel_pending_saves_and_a_no_restores() -> None:
    m = MODELS["PatronRequest"]
    s1 = m.step("REQ_EXPECTS_TO_SUPPLY", {}, "requesterCancel")
    assert s1.to_state == "REQ_CANCEL_PENDING"
    s2 = m.step(s1.to_state, s1.previous_states, "ISO18626CancelResponse", "no")
    assert s2.to_state == "REQ_EXPECTS_TO_SUPPLY" and s2.previous_states == {}


def test_conditional_supply_holds_and_agreement_returns_to_pull_slip() -> None:
    m = MODELS["Responder"]
    s1 = m.step("RES_IDLE", {}, "supplierConditionalSupply", "holding")
    assert s1.previous_states == {"RES_PENDING_CONDITIONAL_ANSWER": "RES_NEW_AWAIT_PULL_SLIP"}
    s2 = m.step(s1.to_state, s1.previous_states, "ISO18626Notification", "conditionsAgreed")
    assert s2.to_state == "RES_NEW_AWAIT_PULL_SLIP"


def test_restore_without_saved_state_is_refused() -> None:
    with pytest.raises(NoTransition):
        MODELS["Responder"].step("RES_PENDING_CONDITIONAL_ANSWER", {},
                                 "supplierMarkConditionsAgreed")


def test_unmatched_message_has_no_transition() -> None:
    m = MODELS["Responder"]
    assert m.find("RES_ITEM_SHIPPED", "ISO18626Cancel", None) is None
    assert m.find("RES_ITEM_SHIPPED", "ISO18626Cancel", "shipped").target == SAME
    with pytest.raises(NoTransition):
        MODELS["PatronRequest"].step("REQ_SHIPPED", {}, "ISO18626StatusChange", "WillSupply")


def test_valid_actions_are_manual_rows_plus_always_valid() -> None:
    m = MODELS["PatronRequest"]
    assert m.valid_actions("REQ_SHIPPED") == ["requesterReceived", "message", "localNote",
                                              "edit", "manualClose"]
    assert "manualClose" not in m.valid_actions("REQ_REQUEST_COMPLETE")
    assert "ISO18626StatusChange" not in m.valid_actions("REQ_SHIPPED")
    assert MODELS["Responder"].valid_actions("RES_IDLE")[:3] == [
        "respondYes", "supplierConditionalSupply", "supplierCannotSupply"]


def test_manual_close_only_to_a_final_state() -> None:
    m = MODELS["Responder"]
    assert m.manual_close("RES_AWAIT_PICKING", {}, "RES_NOT_SUPPLIED").to_state == \
        "RES_NOT_SUPPLIED"
    with pytest.raises(NoTransition):
        m.manual_close("RES_AWAIT_PICKING", {}, "RES_ITEM_SHIPPED")
    with pytest.raises(NoTransition):
        m.manual_close("RES_COMPLETE", {}, "RES_CANCELLED")


def test_model_choice_follows_service_type_and_delivery() -> None:
    assert model_for(is_requester=True, service_type="Loan").name == "PatronRequest"
    assert model_for(is_requester=False, service_type="Copy").name == "NonreturnableResponder"
    assert model_for(is_requester=True, service_type="Loan",
                     delivery_method="URL").name == "DigitalReturnableRequester"
    assert model_for(is_requester=False, service_type="Loan",
                     delivery_method="url").name == "CDLResponder"


def test_inherited_model_overrides_parent_rows() -> None:
    digital = MODELS["DigitalReturnableRequester"]
    assert digital.find("REQ_EXPECTS_TO_SUPPLY", "ISO18626StatusChange",
                        "Loaned").target == "REQ_LOANED_DIGITALLY"
    assert MODELS["CDLResponder"].find("RES_AWAIT_PICKING", "supplierCheckInToReshare",
                                       None).target == "RES_SEQUESTERED"


def test_protocol_rows_are_never_offered_to_staff() -> None:
    for model in MODELS.values():
        for row in model.transitions:
            if row.trigger.startswith("ISO18626"):
                assert row.kind == Trig.PROTOCOL, row
