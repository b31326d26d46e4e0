"""Commands: `reshare tenant ...` and `reshare user ...`."""

from __future__ import annotations

from typing import Annotated

import typer

from reshare.cli.common import console, open_platform, print_table, reports_errors
from reshare.tenancy import service
from reshare.tenancy.model import Role, TenantStatus

tenant_app = typer.Typer(help="Create, list, disable and enable tenants (libraries).",
                         no_args_is_help=True)
user_app = typer.Typer(help="Manage a library's staff users and their API tokens.",
                       no_args_is_help=True)
APPS = [("tenant", tenant_app), ("user", user_app)]


@tenant_app.command("create")
@reports_errors
def tenant_create(
    code: Annotated[str, typer.Argument(help="Tenant code, e.g. NJSOOS")],
    name: Annotated[str, typer.Option("--name", help="The library's name")],
) -> None:
    """Create a tenant and seed its default settings."""
    with open_platform() as platform:
        info = service.create_tenant(platform.db, code, name)
    console.print(f"Created tenant [bold]{info.code}[/bold] ({info.name}). Next: "
                  f"[bold]reshare user create {info.code} admin --role admin[/bold]")


@tenant_app.command("list")
@reports_errors
def tenant_list() -> None:
    """List every tenant with its status."""
    with open_platform() as platform:
        tenants = service.list_tenants(platform.db)
    print_table("Tenants", ["Code", "Name", "Status"], [[t.code, t.name, t.status] for t in tenants])


@tenant_app.command("disable")
@reports_errors
def tenant_disable(code: Annotated[str, typer.Argument(help="Tenant code")]) -> None:
    """Disable a tenant: its users can no longer log in; its data is kept."""
    with open_platform() as platform:
        info = service.set_tenant_status(platform.db, code, TenantStatus.DISABLED)
    console.print(f"Tenant {info.code} is now {info.status}.")


@tenant_app.command("enable")
@reports_errors
def tenant_enable(code: Annotated[str, typer.Argument(help="Tenant code")]) -> None:
    """Enable a disabled tenant again."""
    with open_platform() as platform:
        info = service.set_tenant_status(platform.db, code, TenantStatus.ACTIVE)
    console.print(f"Tenant {info.code} is now {info.status}.")


@user_app.command("create")
@reports_errors
def user_create(
    tenant: Annotated[str, typer.Argument(help="Tenant code")],
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[Role, typer.Option(help="staff or admin")] = Role.STAFF,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True,
                                          envvar="RESHARE_NEW_PASSWORD",
                                          help="Password (prompted when not given)")] = "",
    email: Annotated[str, typer.Option(help="E-mail address")] = "",
) -> None:
    """Create a staff user of a library."""
    with open_platform() as platform:
        info = service.get_tenant(platform.db, tenant)
        service.create_user(platform.db, info.id, username, password, role, email=email)
    console.print(f"Created {role.value} user [bold]{username}[/bold] in {info.code}.")


@user_app.command("list")
@reports_errors
def user_list(tenant: Annotated[str, typer.Argument(help="Tenant code")]) -> None:
    """List a library's users."""
    with open_platform() as platform:
        info = service.get_tenant(platform.db, tenant)
        users = service.list_users(platform.db, info.id)
    print_table(f"Users of {info.code}", ["Username", "Role", "Active", "E-mail"],
                [[u["username"], u["role"], u["active"], u["email"]] for u in users])


@user_app.command("password")
@reports_errors
def user_password(
    tenant: Annotated[str, typer.Argument(help="Tenant code")],
    username: Annotated[str, typer.Argument(help="Login name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="RESHARE_NEW_PASSWORD")] = "",
) -> None:
    """Set a user's password."""
    with open_platform() as platform:
        info = service.get_tenant(platform.db, tenant)
        service.set_password(platform.db, info.id, username, password)
    console.print(f"Password of {username} in {info.code} changed.")


@user_app.command("token")
@reports_errors
def user_token(
    tenant: Annotated[str, typer.Argument(help="Tenant code")],
    username: Annotated[str, typer.Argument(help="Login name")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
) -> None:
    """Create an API token (Bearer) for scripts; printed once."""
    with open_platform() as platform:
        info = service.get_tenant(platform.db, tenant)
        token = service.issue_token(platform.db, info.id, username, name)
    console.print(token, highlight=False, soft_wrap=True)
