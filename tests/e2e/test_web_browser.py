"""The staff UI and the OpenURL form in Debian's Chromium (Playwright), against a real server.

One installation, two libraries (ALPHA borrows, BETA lends), messages between them through the
engine's loopback courier run by the in-process worker. Screenshots of the main pages go to
docs/screenshots/ for the README.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

pytest.importorskip("reshare.requests.service")
playwright_api = pytest.importorskip("playwright.sync_api")

from reshare import capabilities  # noqa: E402
from reshare.config import AppSettings  # noqa: E402
from reshare.db import Base, Database  # noqa: E402
from reshare.platform import Platform, build_platform  # noqa: E402
from tests.support.factories import PASSWORD, TenantFixture, make_tenant  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHROMIUM = os.environ.get("RESHARE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


class Site:
    def __init__(self, url: str, platform: Platform, alpha: TenantFixture,
                 beta: TenantFixture) -> None:
        self.url, self.platform, self.alpha, self.beta = url, platform, alpha, beta


def _directory(platform: Platform, tenant: TenantFixture, pickup: str) -> None:
    from reshare.directory import editing

    with platform.db.tenant(tenant.id) as s:
        editing.create_entry(s, tenant.id, editing.EntryDraft(
            type="institution", name=f"{tenant.code.title()} University Library",
            slug=tenant.code.lower(), symbols=[f"RESHARE:{tenant.code}"],
            services={"ISO18626": f"https://{tenant.code.lower()}.example.edu/iso18626"}))
        editing.create_entry(s, tenant.id, editing.EntryDraft(
            type="branch", name="Front desk", slug=pickup, parent=tenant.code.lower(),
            tags=["pickup"]))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn

    from reshare.web.app import create_app
    from tests.integration.requests.helpers import make_pair

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    work = tmp_path_factory.mktemp("browser")
    capabilities.load_models()
    db = Database(f"sqlite:///{work / 'reshare.db'}")
    Base.metadata.create_all(db.engine)
    port = free_port()
    platform = build_platform(AppSettings(
        database_url=db.url, var_dir=str(work / "var"), cookie_secure=False,
        inprocess_worker=True, secret_key="browser-secret", admin_token="browser-admin",
        base_url=f"http://127.0.0.1:{port}"), db=db)
    alpha, beta = make_tenant(platform, "ALPHA", "Alpha"), make_tenant(platform, "BETA", "Beta")
    try:
        _directory(platform, alpha, "alpha-desk")
        _directory(platform, beta, "beta-desk")
    except ImportError:
        pass
    make_pair(platform, alpha, [beta])
    server = uvicorn.Server(uvicorn.Config(create_app(platform=platform, run_jobs=True),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", platform, alpha, beta)
    finally:
        server.should_exit = True
        thread.join(10)
        db.dispose()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def staff(browser: Any, site: Site, tenant: TenantFixture, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{site.url}/ui/")
    assert "/ui/login" in page.url  # not logged in: the login page
    page.get_by_label("Library code").fill(tenant.code)
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site.url}/ui/")
    return page


def wait_for(page: Any, url: str, text: str, timeout: float = 20.0) -> None:
    """Reload until the worker has delivered the messages that make ``text`` appear."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if text in page.content():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared on {url}")
        time.sleep(0.5)


def test_loan_from_openurl_to_return_with_chat(browser: Any, site: Site) -> None:
    # a patron arrives from a discovery layer; the OpenURL lacks the author: the form opens
    patron = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # phone
    patron.goto(f"{site.url}/openurl/ALPHA?url_ver=Z39.88-2004&rft.genre=book"
                "&rft.btitle=The+Dispossessed&rft.isbn=9780061054884&rft.date=1974."
                "&req_id=P-100&rfr_id=info:sid/primo.exlibrisgroup.com")
    assert patron.get_by_label("Title", exact=True).input_value() == "The Dispossessed"
    shot(patron, "openurl-form")
    assert patron.get_by_label("Author (required)").get_attribute("aria-invalid") == "true"
    patron.get_by_label("Author (required)").fill("Le Guin, Ursula K.")
    patron.get_by_label("Pickup location (required)").select_option("alpha-desk")
    patron.get_by_role("button", name="Send request").click()
    hrid = patron.locator("#request-hrid").inner_text()
    assert hrid.startswith("RQ-")

    # supplier staff: the lending queue, the pull slip PDF, mark printed
    beta = staff(browser, site, site.beta)
    wait_for(beta, f"{site.url}/ui/requests?side=supplier", hrid)
    shot(beta, "supply-queue")
    href = beta.locator("#print-pull-slips").get_attribute("href")
    pdf = beta.request.get(f"{site.url}{href}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert hrid in PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    beta.locator("#mark-printed").click()
    assert "1 pull slips marked printed" in beta.content()
    beta.get_by_role("link", name=hrid).click()
    detail_url = beta.url

    # fill by barcode, chat to the borrower (htmx), ship
    fill = beta.locator('form[data-action="supplierCheckInToReshare"]')
    fill.get_by_label("Item barcode").fill("39000123")
    fill.get_by_role("button").click()
    assert "Fill request (scan item): done" in beta.content()
    beta.get_by_label("Message", exact=True).fill("Sending it today")
    beta.get_by_role("button", name="Send message").click()
    beta.locator("#chat li.mine").filter(has_text="Sending it today").wait_for()
    beta.locator('form[data-action="supplierMarkShipped"] button').click()
    assert "Ship: done" in beta.content()
    shot(beta, "supply-request-detail")

    # borrower staff: unread badge, the message, receive, reply, return
    alpha = staff(browser, site, site.alpha)
    wait_for(alpha, f"{site.url}/ui/requests?side=requester", "badge")
    shot(alpha, "request-queue")
    alpha.get_by_role("link", name=hrid).click()
    assert "Sending it today" in alpha.locator("#chat").inner_text()
    alpha.locator('form[data-action="requesterReceived"] button').click()
    assert "Mark received: done" in alpha.content()
    alpha.get_by_label("Message", exact=True).fill("Arrived, thanks")
    alpha.get_by_role("button", name="Send message").click()
    alpha.locator("#chat li.mine").filter(has_text="Arrived, thanks").wait_for()
    alpha.locator('form[data-action="patronReturnedItemAndShippedReturn"] button').click()
    shot(alpha, "request-detail")
    wait_for(beta, detail_url, "Arrived, thanks")

    # the dashboard draws its charts from this data
    alpha.goto(f"{site.url}/ui/")
    assert alpha.locator("svg.chart").count() == 4
    shot(alpha, "dashboard")

    # the patron's own page lists the request
    patron.goto(f"{site.url}/patron/ALPHA?" + _token_query(site, "P-100"))
    assert hrid in patron.content()
    shot(patron, "patron-page")


def _token_query(site: Site, patron_id: str) -> str:
    from reshare.openurl.patron import status_link

    return status_link(site.platform, site.alpha.id, "ALPHA", patron_id).split("?", 1)[1]


def test_settings_check_notices_and_scan_pages(browser: Any, site: Site) -> None:
    page = staff(browser, site, site.alpha)
    page.goto(f"{site.url}/ui/settings")
    page.get_by_role("link", name="Request defaults").click()
    assert "Request ID prefix" in page.content()
    page.get_by_label("Request ID prefix").fill("ALP-")
    page.get_by_role("button", name="Save Request defaults").click()
    assert "Settings saved." in page.content()
    shot(page, "settings-request-defaults")
    page.goto(f"{site.url}/ui/settings/notices")
    page.get_by_label("SMTP port").fill("port twenty-five")
    page.get_by_role("button", name="Save Patron notices (e-mail)").click()
    assert "Nothing was saved" in page.content()
    page.goto(f"{site.url}/ui/check")
    shot(page, "configuration-check")
    page.goto(f"{site.url}/ui/notices")
    shot(page, "notices")
    page.goto(f"{site.url}/ui/scan")
    shot(page, "scan")
    phone = staff(browser, site, site.beta, width=390)  # the queue on a narrow screen
    phone.goto(f"{site.url}/ui/requests?side=supplier&closed=1")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone ({width}px)"
    shot(phone, "supply-queue-phone")


def test_keyboard_only_login_and_skip_link(browser: Any, site: Site) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{site.url}/ui/login")
    assert page.evaluate("document.activeElement.id") == "tenant"  # autofocus
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    box = page.locator("a.skip").bounding_box()
    assert box is not None and box["x"] >= 0  # visible when focused
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type(site.beta.code)
    page.keyboard.press("Tab")
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/ui/")
    shot(page, "login-done")
