"""Directory browse/edit and shared index search pages (when those capabilities are installed)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reshare.platform import Platform
from tests.integration.web.test_ui_pages import HTML, login
from tests.support.factories import TenantFixture


def test_directory_browse_and_edit_own_entry_only(client: TestClient, platform: Platform,
                                                  tenant_a: TenantFixture,
                                                  tenant_b: TenantFixture) -> None:
    editing = pytest.importorskip("reshare.directory.editing")
    with platform.db.tenant(tenant_a.id) as s:
        editing.create_entry(s, tenant_a.id, editing.EntryDraft(
            type="institution", name="Alpha Univ", slug="alpha", symbols=["RESHARE:ALPHA"]))
    with platform.db.tenant(tenant_b.id) as s:
        editing.create_entry(s, tenant_b.id, editing.EntryDraft(
            type="institution", name="Beta Univ", slug="beta"))
    login(client, tenant_a)
    listing = client.get("/ui/directory?q=Univ", headers=HTML)
    assert "Alpha Univ" in listing.text and "RESHARE:ALPHA" in listing.text
    page = client.get("/ui/directory/alpha", headers=HTML)
    assert "Save entry" in page.text
    saved = client.post("/ui/directory/alpha", data={"name": "Alpha University",
                                                     "tags": "pickup, main"}, headers=HTML)
    assert saved.status_code == 200 and "Alpha University" in saved.text
    bad = client.post("/ui/directory/alpha", data={"name": " "}, headers=HTML)
    assert bad.status_code == 422 and "needs a name" in bad.text
    other = client.get("/ui/directory/beta", headers=HTML)
    assert "belongs to another library" in other.text and "Save entry" not in other.text
    refused = client.post("/ui/directory/beta", data={"name": "Hacked"}, headers=HTML)
    assert refused.status_code in (403, 404)


def test_shared_index_search_page(client: TestClient, tenant_a: TenantFixture) -> None:
    pytest.importorskip("reshare.sharedindex.search")
    login(client, tenant_a)
    page = client.get("/ui/sharedindex?q=nothing-matches-this", headers=HTML)
    assert page.status_code == 200 and "0 works" in page.text
