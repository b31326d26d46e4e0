"""The `reshare` command: platform commands plus every capability's sub-commands."""

from __future__ import annotations

import gc
import logging
import signal
import time
from typing import Annotated

import typer

from reshare import __version__, capabilities, migrate
from reshare.cli.common import console, err_console, open_platform, print_table
from reshare.config import AppSettings, documented_variables

app = typer.Typer(
    help="ReShare: resource sharing between libraries (ISO 18626, NCIP, OpenURL).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="Create, upgrade and inspect the database schema.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _tune_gc() -> None:
    """For a long-running process, once it has imported and built everything: the objects
    made so far live as long as the process, so the collector stops scanning them
    (``gc.freeze``), and it runs after 10,000 new objects instead of 700. Under load the
    full collections otherwise scan the whole heap several times a minute and stall every
    request for 0.1-0.2 s; the frequent young collections cost more than the garbage they
    find (a unit of work's objects are mostly freed by reference counting)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _pin(settings: AppSettings) -> None:
    """Pin the process to ``RESHARE_CPU_AFFINITY``'s CPUs, before it starts its threads."""
    if not settings.cpu_affinity.strip():
        return
    from reshare.cpus import AffinityError, format_cpus, pin_process

    try:
        cpus = pin_process(settings.cpu_affinity)
    except AffinityError as exc:
        err_console.print(f"[red]RESHARE_CPU_AFFINITY={settings.cpu_affinity}:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"Pinned to CPU {format_cpus(cpus)} (RESHARE_CPU_AFFINITY)")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command("config")
def show_config() -> None:
    """List the environment variables that configure a process, with their defaults."""
    print_table("Process settings (environment)", ["Variable", "Default", "Meaning"],
                [list(row) for row in documented_variables()])


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or upgrade it to the newest schema (safe to repeat)."""
    with open_platform(require_current_schema=False) as platform:
        migrate.upgrade(platform.db.engine)
        console.print(f"Database at {platform.db.engine.url.render_as_string()} is current.")


@db_app.command("current")
def db_current() -> None:
    """Say whether the schema is current."""
    with open_platform(require_current_schema=False) as platform:
        ok = migrate.is_current(platform.db.engine)
    console.print("current" if ok else "NOT current: run `reshare db upgrade`")
    raise typer.Exit(0 if ok else 1)


@db_app.command("revision")
def db_revision(
    capability: Annotated[str, typer.Argument(help="Capability whose branch gets the revision")],
    message: Annotated[str, typer.Option("-m", help="What the revision does")],
    rev_id: Annotated[str, typer.Option(help="Revision id, e.g. directory_0002")],
) -> None:
    """Developers: autogenerate a migration on a capability's branch from the models."""
    from alembic import command
    from alembic.script import ScriptDirectory

    with open_platform(require_current_schema=False) as platform:
        migrate.upgrade(platform.db.engine)
        cfg = migrate.alembic_config(platform.db.engine)
        script = ScriptDirectory.from_config(cfg)
        branch_heads = [r for r in script.get_revisions("heads")
                        if capability in (r.branch_labels or ())
                        or any(capability in (b.branch_labels or ())
                               for b in script.iterate_revisions(r.revision, "base"))]
        if branch_heads:
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id,
                             head=f"{capability}@head")
        else:
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id,
                             head="base", branch_label=capability, depends_on="tenancy_0001")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (RESHARE_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (RESHARE_PORT)")] = None,
    upgrade: Annotated[bool, typer.Option(help="Upgrade the database first")] = True,
) -> None:
    """Serve the API and staff UI (with background jobs unless RESHARE_INPROCESS_WORKER=no)."""
    import uvicorn

    from reshare.web.app import create_app

    settings = AppSettings.from_env()
    _logging(settings.log_level)
    _pin(settings)
    host = host or settings.host
    port = port or settings.port
    if upgrade:
        with open_platform(require_current_schema=False) as platform:
            migrate.upgrade(platform.db.engine)
    console.print(f"ReShare is serving on [bold]http://{host}:{port}[/bold] "
                  f"(API docs at http://{host}:{port}/docs)")
    web_app = create_app(settings)
    _tune_gc()
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run due jobs once and exit")] = False,
) -> None:
    """Run background jobs (outbox delivery, timers). Start several on PostgreSQL to scale."""
    from reshare.jobs import JobRunner

    settings = AppSettings.from_env()
    _logging(settings.log_level)
    _pin(settings)
    with open_platform() as platform:
        jobs = capabilities.jobs()
        runner = JobRunner(platform, jobs)
        platform.extras["job_runner"] = runner  # woken by what this process queues itself
        if once:
            done = runner.run_once()
            console.print(f"{done} item(s) handled by {len(jobs)} job(s)")
            return
        _tune_gc()
        console.print(f"Worker running {len(jobs)} job(s): "
                      f"{', '.join(j.name for j in jobs) or 'none'} (Ctrl-C stops)")
        signal.signal(signal.SIGTERM, lambda *_: runner.stop(0))
        runner.start()
        try:
            while runner._thread is not None and runner._thread.is_alive():
                time.sleep(0.5)
        except KeyboardInterrupt:
            runner.stop()


def _register_capability_commands() -> None:
    for name, sub in capabilities.cli_apps():
        app.add_typer(sub, name=name)


_register_capability_commands()


def main() -> None:
    app()
