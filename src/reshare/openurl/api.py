"""Routes: OpenURL intake ``GET|POST /openurl/{tenant}`` (and ``/openurl`` by pickup location).

Public: patrons arrive from a discovery system. Identity comes from a trusted header set by
the library's authenticating proxy (setting ``openurl_patron_header``) or from ``req_id``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from reshare.errors import ValidationFailed
from reshare.openurl import intake, patron
from reshare.openurl.mapping import parse_openurl
from reshare.openurl.model import PUBLICATION_TYPES, OpenUrlRequest, split_query
from reshare.web.deps import PlatformDep, Public
from reshare.web.ui.render import render

router = APIRouter(tags=["openurl"])
router.include_router(patron.router)

# Fields of the request form, by OpenURL key: (label, attribute of OpenUrlRequest).
FORM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("rft.title", "Title", "title"), ("rft.au", "Author", "author"),
    ("rft.atitle", "Article or chapter title", "title_of_component"),
    ("rft.authorOfComponent", "Article or chapter author", "author_of_component"),
    ("rft.date", "Date", "publication_date"), ("rft.pub", "Publisher", "publisher"),
    ("rft.edition", "Edition", "edition"), ("rft.isbn", "ISBN", "isbn"),
    ("rft.issn", "ISSN", "issn"), ("rft.volume", "Volume", "volume"),
    ("rft.issue", "Issue", "issue"), ("rft.pages", "Pages", "pages_requested"),
    ("rft.copyrightType", "Copyright declaration", "copyright_type"),
)
_SHOWN = {k for k, _, _ in FORM_FIELDS} | {
    "rft.genre", "svc_id", "svc.pickupLocation", "svc.neededBy", "svc.note", "req_id",
    "req.emailAddress", "rft.spage", "rft.epage", "rft.btitle", "rft.jtitle", "format"}


def wants_json(request: Request, pairs: list[tuple[str, str]]) -> bool:
    accept = request.headers.get("accept", "")
    asked = any(k in {"format", "svc_id"} and v == "json" for k, v in pairs)
    return asked or ("application/json" in accept and "text/html" not in accept)


async def _pairs(request: Request) -> list[tuple[str, str]]:
    pairs = split_query(request.url.query)
    if request.method == "POST":
        form = await request.form()
        pairs += [(k, str(v)) for k, v in form.multi_items()]
    return pairs


def _form(request: Request, tenant: tuple[int, str, str], req: OpenUrlRequest,
          pairs: list[tuple[str, str]], choices: list[intake.PickupChoice] | None,
          header: str | None, missing: list[str], error: str | None, status: int) -> Response:
    hidden = [(k, v) for k, v in pairs if k not in _SHOWN and v]
    return render(request, "openurl_form.html", status_code=status, title="Request an item",
                  tenant_code=tenant[1], tenant_name=tenant[2], req=req, fields=FORM_FIELDS,
                  types=PUBLICATION_TYPES, choices=choices, header=header, missing=missing,
                  error=error, hidden=hidden)


@router.get("/openurl/{tenant}", dependencies=[Public])
async def openurl_get(tenant: str, request: Request, platform: PlatformDep) -> Response:
    """Create a request from an OpenURL, or show the form when something is missing."""
    return await openurl(tenant, request, platform)


@router.post("/openurl/{tenant}", dependencies=[Public])
async def openurl_post(tenant: str, request: Request, platform: PlatformDep) -> Response:
    """The same, with the OpenURL (or the completed form) in the body."""
    return await openurl(tenant, request, platform)


async def openurl(tenant: str, request: Request, platform: Any) -> Response:
    pairs = await _pairs(request)
    found = intake.tenant_by_code(platform, tenant)
    req = parse_openurl(pairs)
    header = intake.patron_header(platform, found[0])
    headers = {k.lower(): v for k, v in request.headers.items()}
    choices = intake.pickup_choices(platform, found[0])
    as_json = wants_json(request, pairs)
    missing = req.missing_basic_data()
    error = None
    try:
        if not missing:
            intake.apply_patron(req, header, headers)
            intake.check_pickup(req, choices)
    except ValidationFailed as exc:
        error = exc
    if missing or error:
        if as_json:
            message = error.message if error else f"missing: {', '.join(missing)}"
            return JSONResponse({"error": error.code if error else "incomplete_request",
                                 "message": message, "details": {"missing": missing}}, 422)
        status = 200 if request.method == "GET" and not error else 422
        if error is not None and error.code == "unknown_pickup_location":
            missing = ["pickup_location"]
        return _form(request, found, req, pairs, choices, header, missing,
                     error.message if error else None, status)
    # in a worker thread: validation and rota building call the LMS and peers over HTTP
    view = await run_in_threadpool(intake.create, platform, found[0], req)
    return _answer(request, platform, found, req, view, as_json)


def _answer(request: Request, platform: Any, tenant: tuple[int, str, str],
            req: OpenUrlRequest, view: Any, as_json: bool) -> Response:
    link = patron.status_link(platform, tenant[0], tenant[1], req.patron_identifier or "")
    invalid = view.state == "REQ_INVALID_PATRON"
    body = {"id": view.id, "hrid": view.hrid, "state": view.state,
            "state_label": view.state_label, "status_url": link}
    if as_json:
        return JSONResponse(body, status_code=201)
    return render(request, "openurl_done.html", status_code=201, title="Request received",
                  view=view, req=req, link=link, invalid=invalid, tenant_name=tenant[2])


@router.get("/openurl", dependencies=[Public])
async def openurl_by_pickup(request: Request, platform: PlatformDep) -> Response:
    """No library in the path: find it from the pickup location, then continue there."""
    return await _by_pickup(request, platform)


@router.post("/openurl", dependencies=[Public])
async def openurl_by_pickup_post(request: Request, platform: PlatformDep) -> Response:
    return await _by_pickup(request, platform)


async def _by_pickup(request: Request, platform: Any) -> Response:
    pairs = await _pairs(request)
    slug = parse_openurl(pairs).pickup_location
    if not slug:
        raise ValidationFailed("This link does not name a library or a pickup location. Use "
                               "your library's own request link.", code="no_tenant")
    code = intake.tenant_for_pickup(platform, slug)
    return RedirectResponse(f"/openurl/{code}?{urlencode(pairs)}", status_code=303)
