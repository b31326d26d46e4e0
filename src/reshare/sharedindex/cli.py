"""`reshare index ...`: sources, loading files with a progress bar, harvesting, search,
explain, statistics. Platform commands: they act on any source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from reshare.cli.common import console, open_platform, print_json, print_table, reports_errors
from reshare.sharedindex import explain as explaining
from reshare.sharedindex import harvest as harvesting
from reshare.sharedindex import search as searching
from reshare.sharedindex import service
from reshare.sharedindex.model import PRESETS

NAME = "index"
app = typer.Typer(help="The shared index: sources, loading, harvesting, search, explain.",
                  no_args_is_help=True)


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} records/s" if speed else "… records/s", style="cyan")


def _estimate(path: Path) -> int | None:
    """Record count of an uncompressed ISO 2709 file (record terminators), else unknown."""
    with path.open("rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b" or head[:1] == b"<":
        return None
    count = 0
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            count += block.count(b"\x1d")
    return count


@app.command("add-source")
@reports_errors
def add_source(
    code: str,
    symbol: Annotated[str, typer.Option(help="AUTHORITY:SYMBOL, default RESHARE:<code>")] = "",
    name: str = "",
    preset: Annotated[str, typer.Option(help=f"holdings preset: {', '.join(PRESETS)}, custom")]
    = "852",
    mapping: Annotated[str, typer.Option(help="custom mapping as JSON")] = "",
    tenant: Annotated[str, typer.Option(help="tenant code that administers it")] = "",
    oai_url: str = "", oai_set: str = "",
) -> None:
    """Register a contributing library."""
    with open_platform() as platform:
        tenant_id = None
        if tenant:
            from reshare.tenancy.service import get_tenant

            tenant_id = get_tenant(platform.db, tenant).id
        fields: dict[str, Any] = {"name": name, "preset": preset}
        for key, value in (("symbol", symbol), ("oai_url", oai_url), ("oai_set", oai_set)):
            if value:
                fields[key] = value
        if mapping:
            fields["mapping"] = json.loads(mapping)
        print_json(service.create_source(platform.db, code, tenant_id=tenant_id, **fields))


@app.command("sources")
def sources() -> None:
    """List sources."""
    with open_platform() as platform:
        rows = service.list_sources(platform.db)
    print_table("Sources", ["Code", "Symbol", "Name", "Preset", "OAI-PMH"],
                [[s["code"], s["symbol"], s["name"], s["preset"], s.get("oai_url")]
                 for s in rows])


@app.command("load")
@reports_errors
def load(
    files: list[Path],
    source: Annotated[str, typer.Option("--source", "-s", help="source code, e.g. NJSOOS")],
    workers: Annotated[int, typer.Option(help="processes parsing ISO 2709 in parallel")] = 2,
) -> None:
    """Load MARC files (ISO 2709, MARCXML, MARC-in-JSON; gzipped or not) into a source."""
    with open_platform() as platform:
        for path in files:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                          MofNCompleteColumn(), RateColumn(), TimeElapsedColumn(),
                          console=console) as progress:
                task = progress.add_task(path.name, total=_estimate(path))
                with path.open("rb") as f:
                    report = service.load_stream(
                        platform.db, source, f, workers=workers,
                        progress=lambda n, t=task: progress.advance(t, n))  # type: ignore[misc]
            console.print(f"{path}: {report.processed} read, {report.inserted} new, "
                          f"{report.updated} updated, {report.deleted} deleted, "
                          f"{report.holdings_records} holdings records, "
                          f"{report.ignored} skipped")
            for error in report.errors[:50]:
                where = f" (byte {error['offset']})" if "offset" in error else ""
                console.print(f"  [yellow]record {error['position']}{where}:[/yellow] "
                              f"{error['reason']}")


@app.command("harvest")
@reports_errors
def harvest(code: str, pages: Annotated[int, typer.Option(help="stop after N pages")] = 0) -> None:
    """Harvest a source from its OAI-PMH server (incremental, resumable)."""
    with open_platform() as platform:
        options = harvesting.HarvestOptions(max_pages=pages or None)
        try:
            print_json(harvesting.harvest(platform.db, code, options=options))
        except harvesting.HarvestError as exc:
            console.print(f"[red]Harvest failed:[/red] {exc}")
            raise typer.Exit(1) from None


@app.command("search")
@reports_errors
def search(q: str = "", title: str = "", author: str = "", isbn: str = "", issn: str = "",
           limit: int = 10) -> None:
    """Search clusters."""
    with open_platform() as platform:
        found = searching.search(platform.db, searching.Query(q, title, author, isbn, issn,
                                                              limit=limit))
    print_table(f"{found['total']} clusters", ["Cluster", "Title", "Year", "Libraries"],
                [[c["cluster_id"], c["title"][:60], c["year"], ", ".join(c["libraries"])]
                 for c in found["clusters"]])


@app.command("explain")
@reports_errors
def explain(a: str, b: str) -> None:
    """Why two records (SOURCE:LOCALID) are or are not in one cluster."""
    with open_platform() as platform:
        print_json(explaining.explain(platform.db, a, b, service.matcher(platform.db)))


@app.command("stats")
def stats() -> None:
    """Counts of records, clusters and match values."""
    with open_platform() as platform:
        print_json(service.stats(platform.db))


@app.command("matcher")
@reports_errors
def matcher(name: str) -> None:
    """Choose goldrush2024 or goldrush2021 and re-cluster every record."""
    with open_platform() as platform:
        count = service.set_matcher(platform.db, name)
    console.print(f"Re-clustered {count} records with {name}.")
