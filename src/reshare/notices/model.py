"""Notice triggers, built-in templates and rendering (sandboxed Jinja2, HTML-escaped values)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from reshare.errors import ValidationFailed


@dataclass(frozen=True)
class Trigger:
    code: str
    label: str
    subject: str
    body: str
    staff: bool = False  # sent to the library's staff address, not to the patron


_SIGN = "<p>{{ library.name }} interlibrary loan</p>"
TRIGGERS: tuple[Trigger, ...] = (
    Trigger("new_request", "New request", "We are looking for {{ item.title }}",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p>we have sent your request "
            "{{ request.id }} for <em>{{ item.title }}</em> to a partner library. We will tell "
            "you when it arrives at {{ request.pickupLocation }}.</p>" + _SIGN),
    Trigger("end_of_rota", "End of rota", "We could not get {{ item.title }}",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p>no partner library could supply "
            "<em>{{ item.title }}</em> (request {{ request.id }}).</p>" + _SIGN),
    Trigger("cancelled", "Request cancelled", "Your request {{ request.id }} is cancelled",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p>your request for "
            "<em>{{ item.title }}</em> is cancelled"
            "{% if request.cancellationReason %}: {{ request.cancellationReason }}{% endif %}."
            "</p>" + _SIGN),
    Trigger("over_limit", "Over limit", "Too many open requests",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p>your request for "
            "<em>{{ item.title }}</em> is on hold: you have reached the number of open "
            "requests allowed.</p>" + _SIGN),
    Trigger("delivered", "Delivered", "{{ item.title }} is ready for you",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p><em>{{ item.title }}</em> is "
            "ready at {{ request.pickupLocation }}"
            "{% if request.dueDate %} and due back on {{ request.dueDate }}{% endif %}.</p>"
            + _SIGN),
    Trigger("due_soon", "Due soon", "{{ item.title }} is due on {{ request.dueDate }}",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p><em>{{ item.title }}</em> is "
            "due back on {{ request.dueDate }}.</p>" + _SIGN),
    Trigger("overdue", "Overdue", "{{ item.title }} is overdue",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p><em>{{ item.title }}</em> was "
            "due back on {{ request.dueDate }}. Please return it.</p>" + _SIGN),
    Trigger("loaned_digitally", "Loaned digitally", "{{ item.title }} is available online",
            "<p>Dear {{ user.givenName or 'reader' }},</p><p><em>{{ item.title }}</em> is "
            "available at <a href=\"{{ request.pickupURL }}\">{{ request.pickupURL }}</a>.</p>"
            + _SIGN),
    Trigger("new_supply_request", "New request (supply, to staff)",
            "New lending request {{ request.id }}",
            "<p>A partner library asks for <em>{{ item.title }}</em> (request "
            "{{ request.id }}).</p>" + _SIGN, staff=True),
)
# Names the request engine uses for the same triggers.
ALIASES: dict[str, str] = {"request_cancelled": "cancelled", "document_delivered": "delivered"}
BY_CODE: dict[str, Trigger] = {t.code: t for t in TRIGGERS}
# Queuing the key deletes still-queued notices of the listed triggers for the same request.
SUPERSEDES: dict[str, tuple[str, ...]] = {
    "end_of_rota": ("new_request",),
    "cancelled": ("new_request",),
    "overdue": ("due_soon",),
}

SAMPLE_VALUES: dict[str, Any] = {
    "email": "reader@example.edu",
    "library": {"name": "Sample Library", "code": "SAMPLE"},
    "user": {"id": "P1", "givenName": "Ada", "surname": "Lovelace", "patronProfile": "staff"},
    "request": {"id": "RS-1", "pickupLocation": "Main desk", "pickupURL": None,
                "neededBy": "2026-12-24", "cancellationReason": "patron_requested",
                "dueDate": "2027-01-15"},
    "item": {"title": "Sample title", "author": "Sample, Author", "barcode": "39001",
             "volume": None, "issue": None, "pages": None, "titleOfComponent": None,
             "authorOfComponent": None, "location": None, "shelvingLocation": None,
             "materialType": None},
}


def trigger(code: str) -> Trigger:
    try:
        return BY_CODE[ALIASES.get(code, code)]
    except KeyError:
        raise ValidationFailed(f"unknown notice trigger {code!r}; use one of "
                               f"{', '.join(BY_CODE)}", code="unknown_trigger") from None


def _environment(autoescape: bool) -> SandboxedEnvironment:
    # Tenants edit templates: the sandbox stops attribute tricks, StrictUndefined typos.
    return SandboxedEnvironment(autoescape=autoescape, undefined=StrictUndefined,
                                finalize=lambda value: "" if value is None else value)


_HTML = _environment(True)
_TEXT = _environment(False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


def _lenient(values: Mapping[str, Any]) -> dict[str, Any]:
    """Missing sections become empty dicts so ``item.title`` on a bare notice renders empty."""
    merged = {k: dict(v) if isinstance(v, Mapping) else v for k, v in SAMPLE_VALUES.items()}
    for key, sample in merged.items():
        given = values.get(key)
        if isinstance(sample, dict):
            section = {k: None for k in sample}
            section.update(given if isinstance(given, Mapping) else {})
            merged[key] = section
        else:
            merged[key] = given
    for key, value in values.items():
        merged.setdefault(key, value)
    return merged


def render(subject: str, body: str, values: Mapping[str, Any]) -> Rendered:
    """Render a template; every value is HTML-escaped in the body. Raises ValidationFailed."""
    data = _lenient(values)
    try:
        subject_text = _TEXT.from_string(subject).render(data)
        body_html = _HTML.from_string(body).render(data)
    except TemplateError as exc:
        raise ValidationFailed(f"the template does not render: {exc}",
                               code="bad_template") from None
    subject_text = " ".join(subject_text.split())  # no header injection through newlines
    return Rendered(subject_text, body_html, html_to_text(body_html))


def html_to_text(body: str) -> str:
    """A plain-text alternative: paragraphs and breaks become new lines, tags go."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", body)
    text = re.sub(r"<[^>]+>", "", text)
    lines = [" ".join(html.unescape(line).split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip() + "\n"


def validate_template(subject: str, body: str) -> None:
    """Check a template renders with sample values before it is stored."""
    if not subject.strip():
        raise ValidationFailed("the subject must not be empty", code="bad_template")
    if not body.strip():
        raise ValidationFailed("the body must not be empty", code="bad_template")
    render(subject, body, SAMPLE_VALUES)
