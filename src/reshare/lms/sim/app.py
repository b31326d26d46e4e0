"""The LMS simulator as a web app: NCIP 2.02 at ``POST /ncip``, SRU at ``GET /sru``, its state
at ``GET /sim/state`` (for tests and the demo) and ``GET /healthz``."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from reshare.lms.sim import ncip, sru
from reshare.lms.sim.state import Item, Library, Patron

XML = "application/xml; charset=utf-8"


def demo_library(agency: str = "SIM") -> Library:
    """A small library: three patrons (one blocked), a few titles with copies, one on loan."""
    lib = Library(agency=agency)
    for p in (Patron("p-alice", "alice", "Alice", "Reader", "alice@example.org", "FACULTY",
                     barcode="21000001", pin="1234"),
              Patron("p-bob", "bob", "Bob", "Borrower", "bob@example.org", "STUDENT"),
              Patron("p-carol", "carol", "Carol", "Blocked", "", "STUDENT", blocked=True),
              Patron("ILL-INST", "ill", "", "Interlibrary Loan", "", "LIBRARY")):
        lib.patrons[p.id] = p
    for i in (Item("30001", "b1", "The dawn of everything", "Graeber, David", "9780374157357",
                   "Main Library", "Stacks", "CB19 .G69 2021", "Standard"),
              Item("30002", "b1", "The dawn of everything", "Graeber, David", "9780374157357",
                   "Science Library", "Reserves", "CB19 .G69 2021 c.2", "Reserve"),
              Item("30003", "b2", "My name is Asher Lev", "Potok, Chaim", "9781400031047",
                   "Main Library", "Stacks", "PS3566.O69 M9 2003", "Standard"),
              Item("30004", "b3", "How to program a computer", "Collins, Jack", "",
                   "Main Library", "Stacks", "QA76 .C65", "Standard")):
        lib.items[i.barcode] = i
    lib.check_out("p-bob", "30003")
    return lib


def create_sim_app(lib: Library) -> Starlette:
    async def ncip_endpoint(request: Request) -> Response:
        body = await request.body()
        return Response(ncip.respond(lib, body), media_type=XML)

    async def sru_endpoint(request: Request) -> Response:
        q = request.query_params
        try:
            maximum = int(q.get("maximumRecords", "10"))
        except ValueError:
            maximum = 10
        schema = q.get("recordSchema", "opac") or "opac"
        text = sru.response(lib, cql=q.get("query", ""), pqf=q.get("x-pquery", ""),
                            schema=schema, maximum=maximum)
        return Response(text, media_type=XML)

    async def state(request: Request) -> JSONResponse:
        snapshot: dict[str, Any] = lib.snapshot()
        return JSONResponse(snapshot)

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[
        Route("/ncip", ncip_endpoint, methods=["POST"]),
        Route("/sru", sru_endpoint, methods=["GET"]),
        Route("/sim/state", state, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ])
