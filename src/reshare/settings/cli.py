"""Commands: `reshare settings get|set|list`."""

from __future__ import annotations

from typing import Annotated

import typer

from reshare.cli.common import console, open_platform, print_table, reports_errors
from reshare.settings import service
from reshare.settings.registry import SECTIONS
from reshare.tenancy.service import get_tenant

NAME = "settings"
app = typer.Typer(help="Read and change a library's settings.", no_args_is_help=True)

TenantArg = Annotated[str, typer.Argument(help="Tenant code, e.g. NJSOOS")]


@app.command("list")
@reports_errors
def settings_list(
    tenant: TenantArg,
    section: Annotated[str | None, typer.Option(help=f"One of: {', '.join(SECTIONS)}")] = None,
) -> None:
    """List settings with their values (secrets show only whether they are set)."""
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        with platform.db.tenant(info.id) as session:
            views = service.list_views(session, section)
    print_table(f"Settings of {info.code}", ["Section", "Key", "Value", "Allowed / type"],
                [[v.definition.section, v.definition.key, v.value,
                  ", ".join(v.definition.vocabulary) or v.definition.type.value] for v in views])


@app.command("get")
@reports_errors
def settings_get(tenant: TenantArg, key: Annotated[str, typer.Argument(help="Setting key")],
                 ) -> None:
    """Print one setting's value and what it means."""
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        with platform.db.tenant(info.id) as session:
            v = service.view(session, None, key)
    console.print(f"[bold]{v.definition.section}.{v.definition.key}[/bold] = {v.value!s}")
    console.print(v.definition.description, style="dim")


@app.command("set")
@reports_errors
def settings_set(
    tenant: TenantArg,
    key: Annotated[str, typer.Argument(help="Setting key, e.g. request_id_prefix")],
    value: Annotated[str, typer.Argument(help="New value; '' restores the default")],
) -> None:
    """Validate and store a setting."""
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        with platform.db.tenant(info.id) as session:
            v = service.set_value(session, None, key, value, actor="cli")
    console.print(f"{info.code}: {v.definition.key} = {v.value!s}")
