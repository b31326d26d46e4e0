"""Staff pages: login through the session cookie, redirects for browsers, settings, check."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reshare.platform import Platform
from reshare.settings import service as settings_service
from tests.support.factories import PASSWORD, TenantFixture

HTML = {"Accept": "text/html,application/xhtml+xml"}


def login(client: TestClient, tenant: TenantFixture, user: str = "admin") -> None:
    r = client.post("/ui/login", data={"tenant": tenant.code, "username": user,
                                       "password": PASSWORD, "next": "/ui/settings"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/settings"


def test_browser_without_login_is_sent_to_the_login_page(client: TestClient) -> None:
    r = client.get("/ui/settings/requests", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/login?next=/ui/settings/requests"
    page = client.get(r.headers["location"], headers=HTML)
    assert page.status_code == 200 and 'name="next" value="/ui/settings/requests"' in page.text


def test_api_callers_still_get_401_json(client: TestClient) -> None:
    r = client.get("/ui/settings", headers={"Accept": "application/json"})
    assert r.status_code == 401 and r.json()["error"] == "not_authenticated"


def test_wrong_password_shows_the_form_again(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.post("/ui/login", data={"tenant": tenant_a.code, "username": "admin",
                                       "password": "wrong", "next": "/ui/"})
    assert r.status_code == 401 and 'role="alert"' in r.text
    assert f'value="{tenant_a.code}"' in r.text


def test_login_never_redirects_off_site(client: TestClient, tenant_a: TenantFixture) -> None:
    r = client.post("/ui/login", data={"tenant": tenant_a.code, "username": "admin",
                                       "password": PASSWORD, "next": "//evil.example/x"},
                    follow_redirects=False)
    assert r.headers["location"] == "/ui/"


def test_request_defaults_show_help_texts_and_save(client: TestClient, platform: Platform,
                                                  tenant_a: TenantFixture) -> None:
    login(client, tenant_a)
    page = client.get("/ui/settings/requests", headers=HTML)
    assert page.status_code == 200
    assert "Settings</a> › Resource sharing › Request defaults" in page.text
    assert "Request ID prefix" in page.text and 'name="request_id_prefix"' in page.text
    assert 'name="default_institutional_patron_id"' in page.text
    r = client.post("/ui/settings/requests", data={"request_id_prefix": "ALP"}, headers=HTML)
    assert r.status_code == 200 and "Settings saved." in r.text
    with platform.db.tenant(tenant_a.id) as s:
        assert settings_service.get_value(s, "request_id_prefix") == "ALP"


def test_invalid_values_save_nothing_and_are_explained(client: TestClient, platform: Platform,
                                                       tenant_a: TenantFixture) -> None:
    login(client, tenant_a)
    r = client.post("/ui/settings/notices",
                    data={"smtp_host": "mail.example", "smtp_port": "not-a-number"}, headers=HTML)
    assert r.status_code == 422
    assert "Nothing was saved" in r.text and 'aria-invalid="true"' in r.text
    assert 'value="not-a-number"' in r.text  # what was typed comes back
    with platform.db.tenant(tenant_a.id) as s:
        assert settings_service.get_value(s, "smtp_host") is None


def test_staff_see_settings_read_only(client: TestClient, tenant_a: TenantFixture) -> None:
    login(client, tenant_a, "staff")
    page = client.get("/ui/settings/requests", headers=HTML)
    assert "Only a library administrator" in page.text and "disabled" in page.text
    r = client.post("/ui/settings/requests", data={"request_id_prefix": "X"}, headers=HTML)
    assert r.status_code == 422


def test_configuration_check_and_dashboard_render(client: TestClient,
                                                  tenant_a: TenantFixture) -> None:
    login(client, tenant_a)
    check = client.get("/ui/check", headers=HTML)
    assert check.status_code == 200 and "Patron notices" in check.text
    assert 'href="/ui/settings/notices"' in check.text
    assert client.get("/ui/", headers=HTML).status_code == 200
    assert client.get("/static/vendor/htmx-2.0.4.min.js").status_code == 200


def test_notice_template_page_edits_with_preview_and_errors(client: TestClient,
                                                            tenant_a: TenantFixture) -> None:
    login(client, tenant_a)
    page = client.get("/ui/notices/templates/overdue", headers=HTML)
    assert page.status_code == 200 and "Preview with sample values" in page.text
    bad = client.post("/ui/notices/templates/overdue",
                      data={"subject": "x", "body": "{{ oops", "active": "yes"}, headers=HTML)
    assert bad.status_code == 422 and "does not render" in bad.text
    ok = client.post("/ui/notices/templates/overdue",
                     data={"subject": "Late {{ item.title }}", "body": "<p>b</p>",
                           "active": "yes"}, headers=HTML)
    assert ok.status_code == 200 and "Template saved" in ok.text
    assert "Late {{ item.title }}" in client.get("/ui/notices", headers=HTML).text


def test_error_pages_for_browsers(client: TestClient, tenant_a: TenantFixture) -> None:
    login(client, tenant_a)
    r = client.get("/ui/settings/nope", headers=HTML)
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.text and "unknown settings" in r.text
