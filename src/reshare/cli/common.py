"""Shared pieces of the command line: the platform for a command, output, error reporting."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from reshare import capabilities, migrate
from reshare.config import AppSettings
from reshare.errors import ReshareError
from reshare.platform import Platform, build_platform

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def open_platform(*, require_current_schema: bool = True) -> Iterator[Platform]:
    """The platform for one command, from RESHARE_* variables."""
    settings = AppSettings.from_env()
    platform = build_platform(settings)
    capabilities.load_models()
    try:
        if require_current_schema and not migrate.is_current(platform.db.engine):
            err_console.print("[red]The database schema is not current.[/red] "
                              "Run [bold]reshare db upgrade[/bold] first.")
            raise typer.Exit(2)
        yield platform
    finally:
        platform.close()


def reports_errors(func: F) -> F:
    """Turn expected errors into a red one-line message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReshareError as exc:
            err_console.print(f"[red]Error:[/red] {exc.message}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))
