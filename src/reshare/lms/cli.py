"""Commands: `reshare lms-sim` (the LMS simulator) and `reshare lms patron|find|locations`
(check a library's LMS configuration from the command line)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from reshare.cli.common import console, open_platform, print_table, reports_errors
from reshare.tenancy.service import get_tenant

sim_app = typer.Typer(
    help="Run an LMS simulator answering NCIP 2.02 (POST /ncip) and SRU (GET /sru).",
    invoke_without_command=True)
lms_app = typer.Typer(help="Check a library's LMS integration (NCIP, Z39.50/SRU).",
                      no_args_is_help=True)
APPS = [("lms-sim", sim_app), ("lms", lms_app)]

TenantArg = Annotated[str, typer.Argument(help="Tenant code, e.g. NJSOOS")]


@sim_app.callback()
def run_simulator(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    data: Annotated[Path | None, typer.Option(
        help="JSON file with agency, patrons, items, loans, holds (default: a demo library).",
        exists=True, dir_okay=False)] = None,
    agency: Annotated[str, typer.Option(help="Agency id of the demo library.")] = "SIM",
    z3950_port: Annotated[int | None, typer.Option(
        help="Also serve the catalogue over Z39.50 on this port (Debian idzebra-2.0).")] = None,
) -> None:
    """Serve the simulator until interrupted; its state is at GET /sim/state."""
    import uvicorn

    from reshare.lms.sim.app import create_sim_app, demo_library
    from reshare.lms.sim.state import Library
    from reshare.lms.sim.zebra import ZebraCatalogue, ZebraUnavailable

    library = Library.load(data) if data else demo_library(agency)
    zebra = None
    if z3950_port is not None:
        try:
            zebra = ZebraCatalogue(library, host, z3950_port)
            zebra.start()
        except ZebraUnavailable as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"LMS simulator for {library.agency} on http://{host}:{port} "
               f"(NCIP: /ncip, SRU: /sru, state: /sim/state)"
               + (f", Z39.50 on {zebra.address}" if zebra else ""))
    # uvicorn re-raises SIGTERM once it has shut down; exiting through SystemExit instead
    # lets the finally below stop the Zebra server rather than leave it running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run(create_sim_app(library), host=host, port=port, log_level="warning")
    finally:
        if zebra is not None:
            zebra.stop()


@lms_app.command("patron")
@reports_errors
def check_patron(tenant: TenantArg,
                 patron_id: Annotated[str, typer.Argument(help="Patron id or user name")]) -> None:
    """Look a patron up in the library's LMS (NCIP LookupUser), as a new request would."""
    from reshare.lms.service import lms_for_tenant

    with open_platform() as platform:
        result = lms_for_tenant(platform, get_tenant(platform.db, tenant).id).lookup_patron(
            patron_id)
    verdict = "[green]may borrow[/green]" if result.ok else "[red]may NOT borrow[/red]"
    console.print(f"{result.patron_id}: {verdict}"
                  + (" (no LMS check made)" if result.manual else ""))
    for label, value in (("Name", result.name), ("Email", result.email),
                         ("Profile", result.user_profile), ("Reason", result.reason)):
        if value:
            console.print(f"  {label}: {value}")
    raise typer.Exit(0 if result.ok else 1)


@lms_app.command("find")
@reports_errors
def find_copy(
    tenant: TenantArg,
    title: Annotated[str, typer.Option(help="Title")] = "",
    isbn: Annotated[str, typer.Option(help="ISBN")] = "",
    record_id: Annotated[str, typer.Option(help="The library's own record id")] = "",
) -> None:
    """Ask the library's catalogue for an available copy and show the one it would choose."""
    from reshare.lms.service import availability_for_tenant
    from reshare.requests.ports import BibQuery

    query = BibQuery(title=title, isbn=isbn, system_instance_id=record_id)
    with open_platform() as platform:
        found = availability_for_tenant(platform, get_tenant(platform.db, tenant).id
                                        ).find_copy(query)
    if found.available and found.copy is not None:
        c = found.copy
        console.print(f"[green]available[/green] at {c.location} / {c.shelving_location or '-'}"
                      f", call number {c.call_number or '-'}, item {c.item_id or '-'}")
        return
    console.print(f"[red]not available[/red]: {found.reason}"
                  + ("" if found.checked else " (nothing was checked)"))
    raise typer.Exit(1)


@lms_app.command("locations")
@reports_errors
def list_locations(
    tenant: TenantArg,
    kind: Annotated[str, typer.Option(
        help="locations, shelving-locations, loan-policies or patron-profiles")] = "locations",
) -> None:
    """List the LMS codes seen so far and the preferences set for them."""
    from reshare.lms import preferences

    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        with platform.db.tenant(info.id) as session:
            rows = preferences.list_entries(session, kind)
    columns = [c for c in ("code", "name", "supply_preference", "lendable",
                           "can_create_requests", "needs_review") if not rows or c in rows[0]]
    print_table(f"{kind} of {info.code}", columns, [[r[c] for c in columns] for r in rows])
