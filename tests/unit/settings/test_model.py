"""Setting validation: every type, the vocabulary, the request defaults."""

from __future__ import annotations

import pytest

from reshare.errors import NotFound, ValidationFailed
from reshare.settings.model import lookup, normalise
from reshare.settings.registry import BY_KEY, SECTIONS, SETTINGS, SettingType


def test_reshare_keys_are_in_reshares_sections() -> None:
    expected = {
        "request_id_prefix": "requests",
        "default_institutional_patron_id": "requests",
        "auto_responder_status": "autoResponder",
        "shared_index_base_url": "sharedIndex",
        "chat_auto_read": "chat",
        "ncip_server_address": "localNCIP",
        "z3950_server_address": "z3950",
        "copy_auto_responder_status": "autoResponder",
        "combine_fill_and_ship": "state_action_config",
        "routing_adapter": "Routing",
        "host_lms_integration": "hostLMSIntegration",
        "network_maximum_send_attempts": "network",
        "loggingISO18626Days": "logging",
    }
    for key, section in expected.items():
        assert BY_KEY[key].section == section
    assert "copy_auto_responder" not in BY_KEY  # a common misspelling that does not exist
    assert not any(s in SECTIONS for s in ("patronStore", "featureFlags", "fileStorage"))


def test_every_setting_is_documented_and_defaults_are_valid() -> None:
    for d in SETTINGS:
        assert d.label and d.description, d.key
        if d.default is not None and d.default != "":
            assert normalise(d, d.default) == d.default, d.key
        if d.type == SettingType.REFDATA:
            assert d.vocabulary, d.key


def test_unknown_key_is_a_clear_not_found_with_a_hint() -> None:
    with pytest.raises(NotFound) as err:
        lookup(None, "request_prefix")
    assert "request_id_prefix" in err.value.message
    assert err.value.code == "unknown_setting"


def test_key_in_the_wrong_section_is_refused() -> None:
    with pytest.raises(NotFound) as err:
        lookup("network", "request_id_prefix")
    assert "requests" in err.value.message
    with pytest.raises(NotFound) as err:
        lookup("nosuchsection", "request_id_prefix")
    assert err.value.code == "unknown_section"


@pytest.mark.parametrize(
    ("key", "raw", "stored"),
    [
        ("auto_responder_status", "On: will supply only", "on:_will_supply_only"),
        ("auto_responder_status", "off", "off"),
        ("default_loan_period", " 28 ", "28"),
        ("suppress_patron_info", True, "yes"),
        ("last_resort_lenders", "reshare:aaa, ISIL:US-BBB", "RESHARE:AAA,ISIL:US-BBB"),
        ("ncip_server_address", "https://lms.example.edu/ncip", "https://lms.example.edu/ncip"),
        ("request_id_prefix", "NJSOOS-", "NJSOOS-"),
        ("default_institutional_patron_id", "-", "-"),
        ("request_id_prefix", "", None),
        ("max_requests", None, None),
    ],
)
def test_values_are_normalised(key: str, raw: object, stored: str | None) -> None:
    assert normalise(BY_KEY[key], raw) == stored  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "raw", "fragment"),
    [
        ("auto_responder_status", "sometimes", "allowed: off"),
        ("default_loan_period", "two weeks", "whole number"),
        ("default_loan_period", "0", "at least 1"),
        ("ncip_server_address", "lms.example.edu", "http(s) URL"),
        ("last_resort_lenders", "NJSOOS", "AUTHORITY:SYMBOL"),
        ("request_id_prefix", "A" * 21, "too long"),
    ],
)
def test_bad_values_are_refused_with_the_reason(key: str, raw: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        normalise(BY_KEY[key], raw)
    assert fragment in err.value.message
    assert err.value.details["key"] == key


def test_secrets_are_password_typed() -> None:
    secrets = {d.key for d in SETTINGS if d.secret}
    assert {"shared_index_pass", "wms_api_secret", "smtp_password"} <= secrets
