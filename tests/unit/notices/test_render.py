"""Notice templates: built-ins render, values are HTML-escaped, bad templates are refused."""

from __future__ import annotations

import pytest

from reshare.errors import ValidationFailed
from reshare.notices.model import SAMPLE_VALUES, TRIGGERS, html_to_text, render, validate_template


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: t.code)
def test_every_builtin_template_renders_with_sample_values(trigger) -> None:  # type: ignore[no-untyped-def]
    out = render(trigger.subject, trigger.body, SAMPLE_VALUES)
    assert out.subject and "Sample title" in out.html + out.subject
    assert "<" not in out.text


def test_seven_triggers() -> None:
    assert [t.code for t in TRIGGERS] == ["new_request", "end_of_rota", "cancelled",
                                          "over_limit", "delivered", "due_soon", "overdue",
                                          "loaned_digitally", "new_supply_request"]


def test_values_are_html_escaped_in_the_body() -> None:
    out = render("{{ item.title }}", "<p>{{ item.title }}</p>",
                 {"item": {"title": "<script>alert(1)</script> & co"}})
    assert "<script>" not in out.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in out.html
    assert out.text.strip() == "<script>alert(1)</script> & co"  # plain text is unescaped
    assert out.subject == "<script>alert(1)</script> & co"


def test_subject_cannot_inject_headers() -> None:
    out = render("Hi {{ user.givenName }}", "x", {"user": {"givenName": "A\r\nBcc: evil@x"}})
    assert "\n" not in out.subject and "\r" not in out.subject


def test_missing_values_render_empty_not_crash() -> None:
    out = render("{{ item.title }}", "<p>{{ request.pickupLocation }}</p>", {})
    assert (out.subject, out.html) == ("", "<p></p>")


@pytest.mark.parametrize(("subject", "body", "problem"), [
    ("", "<p>x</p>", "subject"),
    ("s", " ", "body"),
    ("s", "{{ unknown_thing }}", "does not render"),
    ("s", "{% if %}", "does not render"),
    ("s", "{{ item.__class__.__mro__ }}", "does not render"),  # sandbox
])
def test_bad_templates_are_refused(subject: str, body: str, problem: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        validate_template(subject, body)
    assert problem in err.value.message


def test_html_to_text() -> None:
    assert html_to_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b\nc\nd\n"
