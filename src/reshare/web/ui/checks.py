"""The configuration check page's content: the directory's readiness check plus UI-side checks."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reshare.settings import service as settings_service
from reshare.settings.registry import SECTION_LABELS

if TYPE_CHECKING:
    from reshare.platform import Platform


@dataclass(frozen=True)
class CheckResult:
    level: str  # ok, warning, error
    topic: str
    message: str
    link: str | None = None
    fix: str | None = None  # a command to run, shown as code


def _from_readiness(item: Any) -> CheckResult:
    """Accept whatever shape the directory's check returns (object or dict)."""
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    ok = get("ok", None)
    required = get("required", True)
    level = "ok" if ok else ("error" if required else "warning")
    message = str(get("message", None) or item)
    topic = str(get("title", None) or get("id", None) or "Directory")
    fix = None if ok else (get("how_to_fix", None) or None)
    return CheckResult(level, topic, message, get("link", None), fix)


def _readiness(platform: Platform, tenant_id: int) -> list[CheckResult]:
    try:
        module = importlib.import_module("reshare.directory.readiness")
    except ImportError:
        return [CheckResult("warning", "Directory",
                            "The directory readiness check is not installed in this build.")]
    report = module.check(platform, tenant_id)
    items = getattr(report, "checks", None) or getattr(report, "items", None) or report
    if isinstance(items, dict):
        items = items.get("checks") or items.get("items") or []
    return [_from_readiness(item) for item in items]


def _settings_checks(platform: Platform, tenant_id: int) -> list[CheckResult]:
    out: list[CheckResult] = []
    with platform.db.tenant(tenant_id) as session:
        values = settings_service.get_values(session)
    if values.get("smtp_host") and values.get("smtp_from"):
        out.append(CheckResult("ok", "Patron notices", "A mail server is set: notices are sent."))
    else:
        out.append(CheckResult("warning", "Patron notices",
                               "No mail server (SMTP host and From address): notices are "
                               "queued but not sent.", "/ui/settings/notices"))
    if not values.get("request_id_prefix"):
        out.append(CheckResult("warning", SECTION_LABELS["requests"],
                               "No request ID prefix: request IDs will be plain numbers.",
                               "/ui/settings/requests"))
    return out


def run(platform: Platform, tenant_id: int) -> list[CheckResult]:
    return _readiness(platform, tenant_id) + _settings_checks(platform, tenant_id)
