"""Directory browse/edit and shared index search (each shown when its capability is installed)."""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import quote_plus, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reshare.errors import ReshareError, Unavailable
from reshare.web.deps import PlatformDep, Staff
from reshare.web.ui.render import render

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)


def _module(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise Unavailable(f"The {what} is not installed in this build.",
                          code="capability_missing") from None


@router.get("/directory", response_class=HTMLResponse)
def directory(request: Request, principal: Staff, platform: PlatformDep, q: str = "",
              type: str = "") -> Response:  # noqa: A002
    assert principal.tenant_id is not None
    service = _module("reshare.directory.service", "directory")
    with platform.db.tenant(principal.tenant_id) as session:
        entries = [service.entry_dict(session, e, local=False) for e in service.list_entries(
            session, text=q or None, type_=type or None)]
    return render(request, "directory.html", principal=principal, active="directory",
                  title="Directory", entries=entries, q=q, type=type,
                  mine=principal.tenant_id, flash=request.query_params.get("done"))


@router.get("/directory/{key}", response_class=HTMLResponse)
def directory_entry(request: Request, key: str, principal: Staff,
                    platform: PlatformDep) -> Response:
    assert principal.tenant_id is not None
    service = _module("reshare.directory.service", "directory")
    with platform.db.tenant(principal.tenant_id) as session:
        entry = service.entry_dict(session, service.get_entry(session, key))
    return render(request, "directory_entry.html", principal=principal, active="directory",
                  title=entry["name"], entry=entry, error=None,
                  editable=entry["owner_tenant_id"] == principal.tenant_id,
                  flash=request.query_params.get("done"))


@router.post("/directory/{key}", response_class=HTMLResponse)
async def save_directory_entry(request: Request, key: str, principal: Staff,
                               platform: PlatformDep) -> Response:
    """Change name, description, LMS location code and tags of one of this library's entries."""
    assert principal.tenant_id is not None
    service = _module("reshare.directory.service", "directory")
    editing = _module("reshare.directory.editing", "directory")
    form = {k: str(v) for k, v in (await request.form()).items()}
    changes = {"name": form.get("name", ""), "description": form.get("description", ""),
               "lms_location_code": form.get("lms_location_code", ""),
               "tags": [t.strip() for t in form.get("tags", "").split(",") if t.strip()]}
    try:
        with platform.db.tenant(principal.tenant_id) as session:
            editing.update_entry(session, principal.tenant_id, key, changes)
    except ReshareError as exc:
        with platform.db.tenant(principal.tenant_id) as session:
            entry = service.entry_dict(session, service.get_entry(session, key))
        return render(request, "directory_entry.html", status_code=exc.status,
                      principal=principal, active="directory", title=entry["name"],
                      entry=entry, error=exc.message, editable=True, flash=None)
    return RedirectResponse(f"/ui/directory/{key}?done=Saved", 303)


@router.get("/sharedindex", response_class=HTMLResponse)
def shared_index(request: Request, principal: Staff, platform: PlatformDep, q: str = "",
                 title: str = "", author: str = "", isbn: str = "") -> Response:
    search = _module("reshare.sharedindex.search", "shared index")
    result = None
    if q or title or author or isbn:
        result = search.search(platform.db, search.Query(q, title, author, isbn))
        for cluster in result["clusters"]:
            cluster["request_link"] = f"/openurl/{quote_plus(principal.tenant_code or '')}?" + \
                urlencode({"rft_id": cluster["cluster_id"], "rft.title": cluster["title"],
                           "rft.au": cluster["author"], "rft.date": cluster["year"]})
    return render(request, "sharedindex.html", principal=principal, active="sharedindex",
                  title="Shared index", result=result, q=q, title_q=title, author=author,
                  isbn=isbn)
