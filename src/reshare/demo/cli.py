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


@app.command("traffic")
def traffic(
    requests: Annotated[int, typer.Option("--requests", min=1, help="How many loans to drive")] = 20,
    timeout: Annotated[float, typer.Option(help="Give up after this many seconds")] = 900.0,
) -> None:
    """Drive N loans between the demo libraries through to completion and print a summary.

    Uses the running demo (`make run`) when it answers at RESHARE_BASE_URL; otherwise starts the
    demo server inside this command for the duration.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from reshare.cli.common import console, print_table
    from reshare.demo import traffic as driver
    from reshare.demo.runner import background_demo

    settings = AppSettings.from_env()
    with background_demo(settings) as platform, Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("loans completed", total=requests)
        summary = driver.run(platform, requests, timeout=timeout,
                             progress=lambda done: bar.update(task, completed=done))
    print_table("Demo traffic", ["Final state", "Requests"],
                [[state, count] for state, count in sorted(summary["states"].items())])
    console.print(f"{summary['completed']} of {requests} loans complete in "
                  f"{summary['seconds']} s; {len(summary['stuck'])} stuck; "
                  f"{summary['errors']} action errors")
    for line in summary["stuck"][:20]:
        console.print(f"  stuck: {line}")
    if summary["stuck"]:
        raise typer.Exit(1)
