"""Validation and normalisation of setting values (pure)."""

from __future__ import annotations

import difflib
from urllib.parse import urlparse

from reshare.errors import NotFound, ValidationFailed
from reshare.settings.registry import BY_KEY, SECTION_LABELS, SettingDef, SettingType

SYMBOL_HINT = "symbols are written AUTHORITY:SYMBOL, e.g. RESHARE:NJSOOS"


def lookup(section: str | None, key: str) -> SettingDef:
    """Find a setting; ``section`` (when given) must be the one the key lives in."""
    definition = BY_KEY.get(key)
    if definition is None:
        close = difflib.get_close_matches(key, list(BY_KEY), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close[:3])}?" if close else ""
        raise NotFound(
            f"unknown setting {key!r}.{hint} `reshare settings list` shows every key.",
            code="unknown_setting",
            details={"key": key},
        )
    if section is not None and section != definition.section:
        if section not in SECTION_LABELS:
            raise NotFound(f"unknown settings section {section!r}", code="unknown_section",
                           details={"section": section})
        raise NotFound(
            f"setting {key!r} is in section {definition.section!r}, not {section!r}",
            code="unknown_setting",
            details={"key": key, "section": definition.section},
        )
    return definition


def normalise(definition: SettingDef, raw: str | int | bool | None) -> str | None:
    """Return the stored form of ``raw`` or raise :class:`ValidationFailed` saying why not.

    ``None`` or an empty string clears the value (the default applies again).
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raw = "yes" if raw else "no"
    value = str(raw).strip()
    if value == "":
        return None
    key = definition.key
    match definition.type:
        case SettingType.INTEGER:
            try:
                number = int(value)
            except ValueError:
                raise ValidationFailed(
                    f"{key} must be a whole number, got {value!r}",
                    details={"key": key, "value": value},
                ) from None
            if definition.minimum is not None and number < definition.minimum:
                raise ValidationFailed(
                    f"{key} must be at least {definition.minimum}, got {number}",
                    details={"key": key, "value": value},
                )
            return str(number)
        case SettingType.REFDATA:
            candidate = value.lower().replace(" ", "_")
            if candidate not in definition.vocabulary:
                raise ValidationFailed(
                    f"{value!r} is not an allowed value of {key}; "
                    f"allowed: {', '.join(definition.vocabulary)}",
                    details={"key": key, "value": value, "allowed": list(definition.vocabulary)},
                )
            return candidate
        case SettingType.URL:
            parsed = urlparse(value)
            if parsed.scheme not in {"http", "https"} or not parsed.netloc:
                raise ValidationFailed(
                    f"{key} must be an http(s) URL such as https://lms.example.edu/ncip, "
                    f"got {value!r}",
                    details={"key": key, "value": value},
                )
            return value
        case SettingType.SYMBOL_LIST:
            symbols = [s.strip().upper() for s in value.split(",") if s.strip()]
            for symbol in symbols:
                authority, _, code = symbol.partition(":")
                if not authority or not code:
                    raise ValidationFailed(
                        f"{symbol!r} in {key} is not a symbol: {SYMBOL_HINT}",
                        details={"key": key, "value": value},
                    )
            return ",".join(symbols)
        case _:
            if definition.key == "request_id_prefix" and len(value) > 20:
                raise ValidationFailed(
                    "request_id_prefix is too long: request IDs travel in 32-character ISO "
                    "18626 ids, so keep the prefix to 20 characters (e.g. NJSOOS-)",
                    details={"key": key, "value": value},
                )
            return value


def recommended_request_id_prefix(tenant_code: str) -> str:
    return f"{tenant_code.upper()}-"
