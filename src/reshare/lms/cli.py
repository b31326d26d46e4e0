"""`reshare lms-sim`: run the LMS simulator (NCIP 2.02 + SRU) for the demo and for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

NAME = "lms-sim"
app = typer.Typer(help="Run an LMS simulator answering NCIP 2.02 (POST /ncip) and SRU (GET /sru).",
                  invoke_without_command=True)


@app.callback()
def run(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    data: Annotated[Path | None, typer.Option(
        help="JSON file with agency, patrons, items, loans, holds (default: a demo library).",
        exists=True, dir_okay=False)] = None,
    agency: Annotated[str, typer.Option(help="Agency id of the demo library.")] = "SIM",
) -> None:
    """Serve the simulator until interrupted; its state is at GET /sim/state."""
    import uvicorn

    from reshare.lms.sim.app import create_sim_app, demo_library
    from reshare.lms.sim.state import Library

    library = Library.load(data) if data else demo_library(agency)
    typer.echo(f"LMS simulator for {library.agency} on http://{host}:{port} "
               f"(NCIP: /ncip, SRU: /sru, state: /sim/state)")
    uvicorn.run(create_sim_app(library), host=host, port=port, log_level="warning")
