"""Commands: `reshare demo` (serve the demo network) and `reshare demo traffic`."""

from __future__ import annotations

from typing import Annotated

import typer

from reshare.config import AppSettings

NAME = "demo"
app = typer.Typer(help="The demo network: three libraries, their LMS simulators, a shared "
                       "index of real records, and traffic between them.",
                  invoke_without_command=True)


@app.callback()
def demo(
    ctx: typer.Context,
    installations: Annotated[int, typer.Option(
        min=1, max=3, help="Spread the libraries over this many server processes, which find "
                           "each other through directory sync and talk ISO 18626 over HTTP")] = 1,
    host: Annotated[str | None, typer.Option(help="Bind address (RESHARE_HOST)")] = None,
    port: Annotated[int | None, typer.Option(
        help="Port of the first installation (RESHARE_PORT); the next ones follow")] = None,
    only: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Create or upgrade the database, provision the demo libraries and serve them."""
    if ctx.invoked_subcommand is not None:
        return
    import logging

    from reshare.demo.runner import run

    settings = AppSettings.from_env()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(installations, host or settings.host, port or settings.port, only)
