"""The whole loan through the pages (needs the request engine): OpenURL → form → request;
supplier prints the pull slip, fills by barcode and ships; requester receives; chat; patron."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from reshare.platform import Platform
from tests.support.factories import PASSWORD, TenantFixture

pytest.importorskip("reshare.requests.service")
HTML = {"Accept": "text/html"}


@pytest.fixture
def pair(platform: Platform, tenant_a: TenantFixture, tenant_b: TenantFixture):  # type: ignore[no-untyped-def]
    from tests.integration.requests.helpers import make_pair

    add_pickup_location(platform, tenant_a, "front-desk")
    add_pickup_location(platform, tenant_b, "beta-desk")
    return make_pair(platform, tenant_a, [tenant_b])


def add_pickup_location(platform: Platform, tenant: TenantFixture, slug: str) -> None:
    """With the directory installed, OpenURL intake checks the slug against it."""
    try:
        from reshare.directory import editing
    except ImportError:
        return
    with platform.db.tenant(tenant.id) as s:
        editing.create_entry(s, tenant.id, editing.EntryDraft(
            type="institution", name=f"{tenant.code} Library", slug=tenant.code.lower(),
            symbols=[f"RESHARE:{tenant.code}"],
            services={"ISO18626": f"https://{tenant.code.lower()}.example.edu/iso18626"}))
        editing.create_entry(s, tenant.id, editing.EntryDraft(
            type="branch", name="Front desk", slug=slug, parent=tenant.code.lower(),
            tags=["pickup"]))


def drain(platform: Platform) -> None:
    from tests.integration.requests.helpers import drain as engine_drain

    engine_drain(platform)


def login(platform: Platform, tenant: TenantFixture) -> TestClient:
    from reshare.web.app import create_app

    c = TestClient(create_app(platform=platform, run_jobs=False))
    c.post("/ui/login", data={"tenant": tenant.code, "username": "admin", "password": PASSWORD,
                              "next": "/ui/"})
    return c


def test_openurl_to_returned_loan_through_the_pages(  # noqa: PLR0915
        client: TestClient, platform: Platform, tenant_a: TenantFixture,
        tenant_b: TenantFixture, pair) -> None:  # type: ignore[no-untyped-def]
    # patron: an OpenURL without author opens the form; completing it creates the request
    form = client.get(f"/openurl/{tenant_a.code}", headers=HTML,
                      params={"rft.btitle": "Dune", "rft.genre": "book", "req_id": "P1",
                              "svc.pickupLocation": "front-desk"})
    assert form.status_code == 200 and "Author <span" in form.text
    done = client.post(f"/openurl/{tenant_a.code}", headers=HTML,
                       data={"rft.title": "Dune", "rft.au": "Herbert, Frank", "req_id": "P1",
                             "svc.pickupLocation": "front-desk", "svc_id": "loan"})
    assert done.status_code == 201, done.text
    hrid = re.search(r'id="request-hrid">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
    status_link = re.search(r'href="(/patron/[^"]+)" id="status-link"', done.text).group(1)  # type: ignore[union-attr]
    drain(platform)

    # supplier: the lending queue shows it; pull slip PDF for the filter; mark printed
    beta = login(platform, tenant_b)
    supply = beta.get("/ui/requests?side=supplier", headers=HTML)
    assert hrid in supply.text and "Awaiting pull slip printing" in supply.text
    partial = beta.get("/ui/requests?side=supplier&q=Dune", headers={"HX-Request": "true"})
    assert hrid in partial.text and "<html" not in partial.text  # htmx swaps only the rows
    pdf = beta.get("/ui/pullslips.pdf?side=supplier")
    assert pdf.headers["content-type"] == "application/pdf"
    assert hrid in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    marked = beta.post("/ui/pullslips/printed", data={"query": "side=supplier"}, headers=HTML)
    assert "1 pull slips marked printed" in marked.text
    sup_id = int(re.search(r'href="/ui/requests/(\d+)">' + re.escape(hrid), marked.text).group(1))  # type: ignore[union-attr]

    # supplier fills by barcode, then ships; a chat message goes to the requester
    filled = beta.post(f"/ui/requests/{sup_id}/actions/supplierCheckInToReshare",
                       data={"itemBarcode": "ITEM-42"}, headers=HTML)
    assert "Fill request (scan item): done" in filled.text, filled.text
    beta.post(f"/ui/requests/{sup_id}/actions/message", data={"note": "Shipping today <b>"},
              headers=HTML)
    shipped = beta.post(f"/ui/requests/{sup_id}/actions/supplierMarkShipped", headers=HTML)
    assert "Ship: done" in shipped.text
    drain(platform)

    # requester: unread badge, message escaped, receive, answer the chat, return
    alpha = login(platform, tenant_a)
    borrowing = alpha.get("/ui/requests?side=requester", headers=HTML)
    req_id = int(re.search(r'href="/ui/requests/(\d+)">' + re.escape(hrid), borrowing.text).group(1))  # type: ignore[union-attr]
    assert 'class="badge"' in borrowing.text
    page = alpha.get(f"/ui/requests/{req_id}", headers=HTML)
    assert "Shipping today &lt;b&gt;" in page.text and "Shipped" in page.text
    assert 'class="badge"' not in alpha.get("/ui/requests?side=requester", headers=HTML).text
    received = alpha.post(f"/ui/requests/{req_id}/actions/requesterReceived", headers=HTML)
    assert "Mark received: done" in received.text
    alpha.post(f"/ui/requests/{req_id}/actions/message", data={"note": "Thanks!"}, headers=HTML)
    alpha.post(f"/ui/requests/{req_id}/actions/patronReturnedItemAndShippedReturn", headers=HTML)
    drain(platform)
    assert "Thanks!" in beta.get(f"/ui/requests/{sup_id}", headers=HTML).text

    # the patron sees the request and cannot cancel it any more (shipped)
    mine = client.get(status_link, headers=HTML)
    assert hrid in mine.text and "Cancel " + hrid not in mine.text
    # the dashboard draws charts from the data
    dash = alpha.get("/ui/", headers=HTML)
    assert dash.status_code == 200 and dash.text.count("<svg") == 4


def test_patron_cancels_before_shipping(client: TestClient, platform: Platform,
                                        tenant_a: TenantFixture, pair) -> None:  # type: ignore[no-untyped-def]
    done = client.post(f"/openurl/{tenant_a.code}", headers=HTML,
                       data={"rft.title": "Emma", "rft.au": "Austen", "req_id": "P7",
                             "svc.pickupLocation": "front-desk"})
    link = re.search(r'href="(/patron/[^"]+)" id="status-link"', done.text).group(1)  # type: ignore[union-attr]
    drain(platform)
    page = client.get(link, headers=HTML)
    rid = re.search(r'/requests/(\d+)/cancel', page.text).group(1)  # type: ignore[union-attr]
    token = link.split("token=", 1)[1]
    other = client.post(f"/patron/{tenant_a.code}/requests/{rid}/cancel",
                        data={"token": "forged"}, headers=HTML)
    assert other.status_code == 401
    cancelled = client.post(f"/patron/{tenant_a.code}/requests/{rid}/cancel",
                            data={"token": token}, headers=HTML)
    assert cancelled.status_code == 200 and "cancelled" in cancelled.text


def test_json_answer_and_scan_page(client: TestClient, platform: Platform,
                                   tenant_a: TenantFixture, tenant_b: TenantFixture,
                                   pair) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/openurl/{tenant_a.code}", headers={"Accept": "application/json"},
                   params={"rft.title": "Solaris", "rft.au": "Lem", "req_id": "P2",
                           "svc.pickupLocation": "front-desk"})
    assert r.status_code == 201 and r.json()["hrid"].startswith("RQ-")
    assert r.json()["status_url"].startswith(f"/patron/{tenant_a.code}?token=")
    drain(platform)
    beta = login(platform, tenant_b)
    out = beta.post("/ui/scan", data={"action": "supplierCannotSupply",
                                      "codes": f"{r.json()['hrid']}\nNOPE-1"}, headers=HTML)
    assert "now" in out.text and "no request has this ID or barcode" in out.text
