"""Commands: `reshare directory ...` (entries, symbols, services, properties, friends, sync)
and `reshare tenant check` (the configuration check, added to the tenancy command group)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import typer

from reshare.cli.common import console, open_platform, print_json, print_table, reports_errors
from reshare.directory import crawl, editing, readiness, service
from reshare.directory.model import PICKUP_TAG, EntryType
from reshare.errors import ValidationFailed
from reshare.tenancy.cli import tenant_app
from reshare.tenancy.service import get_tenant

NAME = "directory"
app = typer.Typer(help="Directory of libraries: entries, symbols, services, sync with peers.",
                  no_args_is_help=True)

TenantArg = Annotated[str, typer.Argument(help="Tenant code of the library, e.g. NJSOOS")]
EntryArg = Annotated[str, typer.Argument(help="Entry slug, id or symbol")]
Symbols = Annotated[list[str] | None, typer.Option("--symbol", help="AUTH:SYM (repeatable)")]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="Tag (repeatable)")]
Url = Annotated[str | None, typer.Option(help="Service address")]


def _print_entry(entry: dict[str, Any]) -> None:
    console.print(f"[bold]{entry['name']}[/bold] ({entry['type']}, {entry['status']}) "
                  f"slug [bold]{entry['slug']}[/bold] id {entry['id']}")
    if entry["parent"]:
        console.print(f"  parent: {entry['parent']['name']} ({entry['parent']['slug']})")
    console.print(f"  symbols: {', '.join(entry['effective_symbols']) or 'none'}"
                  + ("" if entry["symbols"] else "  (inherited)" if entry["effective_symbols"]
                     else ""))
    for s in entry["services"]:
        console.print(f"  {s['type']}: {s['address']}")
    if entry["tags"]:
        console.print(f"  tags: {', '.join(entry['tags'])}")
    if entry["lms_location_code"]:
        console.print(f"  LMS location code: {entry['lms_location_code']}")
    for k, v in {**entry["properties"], **entry["local_properties"]}.items():
        console.print(f"  {k} = {v}")


def _edit(tenant: str, action: Callable[..., Any], *args: Any) -> None:
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        with platform.db.tenant(info.id) as session:
            entry = action(session, info.id, *args)
            rendered = service.entry_dict(session, entry)
    _print_entry(rendered)


def _services(iso18626: str | None, rs_stats: str | None, ncip: str | None,
              z3950: str | None) -> dict[str, str]:
    given = {"ISO18626": iso18626, "RS_STATS": rs_stats, "NCIP": ncip, "Z3950": z3950}
    return {k: v for k, v in given.items() if v}


@app.command("add-institution")
@reports_errors
def add_institution(tenant: TenantArg, name: Annotated[str | None, typer.Option(
        help="Name (default: the tenant's name)")] = None,
        slug: Annotated[str | None, typer.Option(help="Slug (default: tenant code)")] = None,
        symbol: Symbols = None, iso18626: Url = None, rs_stats: Url = None, ncip: Url = None,
        z3950: Url = None, parent: Annotated[str | None, typer.Option(
            help="Consortium (slug)")] = None, tag: Tags = None) -> None:
    """Create your library's institution entry (the root of its units)."""
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
    draft = editing.EntryDraft(type=EntryType.INSTITUTION, name=name or info.name,
                               slug=slug or info.code.lower(), parent=parent,
                               symbols=symbol or [], tags=tag or [],
                               services=_services(iso18626, rs_stats, ncip, z3950))
    _edit(tenant, editing.create_entry, draft)


@app.command("add-branch")
@reports_errors
def add_branch(tenant: TenantArg, name: Annotated[str, typer.Option(help="Branch name")],
               parent: Annotated[str | None, typer.Option(
                   help="Parent (default: your institution)")] = None,
               slug: Annotated[str | None, typer.Option()] = None,
               pickup: Annotated[bool, typer.Option(help="Tag it as a pickup location")] = False,
               lms_location_code: Annotated[str | None, typer.Option(
                   help="Location code in your LMS (sent in NCIP AcceptItem)")] = None,
               symbol: Symbols = None, tag: Tags = None) -> None:
    """Create a branch (a unit of your institution), e.g. a pickup location."""
    if parent is None:
        with open_platform() as platform:
            info = get_tenant(platform.db, tenant)
            with platform.db.tenant(info.id) as session:
                roots = [e.slug for e in service.managed_entries(session, info.id)
                         if e.type == EntryType.INSTITUTION]
        if not roots:
            raise ValidationFailed(f"{info.code} has no institution entry yet: run "
                                   f"`reshare directory add-institution {info.code}` first")
        parent = roots[0]
    tags = [*(tag or []), *([PICKUP_TAG] if pickup else [])]
    draft = editing.EntryDraft(type=EntryType.BRANCH, name=name, slug=slug, parent=parent,
                               lms_location_code=lms_location_code, tags=tags,
                               symbols=symbol or [])
    _edit(tenant, editing.create_entry, draft)


@app.command("add-consortium")
@reports_errors
def add_consortium(tenant: TenantArg, name: Annotated[str, typer.Option()],
                   slug: Annotated[str | None, typer.Option()] = None,
                   symbol: Symbols = None) -> None:
    """Create a consortium entry managed by this library."""
    draft = editing.EntryDraft(type=EntryType.CONSORTIUM, name=name, slug=slug,
                               symbols=symbol or [])
    _edit(tenant, editing.create_entry, draft)


@app.command("update")
@reports_errors
def update(tenant: TenantArg, entry: EntryArg,
           name: Annotated[str | None, typer.Option()] = None,
           description: Annotated[str | None, typer.Option()] = None,
           lms_location_code: Annotated[str | None, typer.Option()] = None,
           parent: Annotated[str | None, typer.Option()] = None,
           tag: Annotated[list[str] | None, typer.Option(
               "--tag", help="Replaces the tags (repeatable)")] = None) -> None:
    """Change fields of one of your managed entries."""
    given = {"name": name, "description": description, "lms_location_code": lms_location_code,
             "parent": parent, "tags": tag}
    _edit(tenant, editing.update_entry, entry, {k: v for k, v in given.items() if v is not None})


@app.command("remove")
@reports_errors
def remove(tenant: TenantArg, entry: EntryArg) -> None:
    """Remove one of your managed entries (it must have no units)."""
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        with platform.db.tenant(info.id) as session:
            editing.delete_entry(session, info.id, entry)
    console.print(f"Removed {entry}.")


@app.command("add-symbol")
@reports_errors
def add_symbol(tenant: TenantArg, entry: EntryArg,
               symbol: Annotated[str, typer.Argument(help="AUTH:SYM")]) -> None:
    """Give an entry a symbol (unique across the whole directory)."""
    _edit(tenant, editing.add_symbol, entry, symbol)


@app.command("remove-symbol")
@reports_errors
def remove_symbol(tenant: TenantArg, entry: EntryArg, symbol: str) -> None:
    _edit(tenant, editing.remove_symbol, entry, symbol)


@app.command("add-service")
@reports_errors
def add_service(tenant: TenantArg, entry: EntryArg,
                kind: Annotated[str, typer.Argument(help="iso18626, rs_stats, ncip or z3950")],
                address: Annotated[str, typer.Argument(help="URL, or host:port/db")]) -> None:
    """Set an entry's service of that type (replaces the previous one)."""
    _edit(tenant, editing.add_service, entry, kind, address)


@app.command("remove-service")
@reports_errors
def remove_service(tenant: TenantArg, entry: EntryArg, kind: str) -> None:
    _edit(tenant, editing.remove_service, entry, kind)


@app.command("set-property")
@reports_errors
def set_property(tenant: TenantArg, entry: EntryArg, name: str, value: str) -> None:
    """Set a custom property (known ones are validated; local ones are private to you)."""
    _edit(tenant, editing.set_property, entry, name, value)


@app.command("remove-property")
@reports_errors
def remove_property(tenant: TenantArg, entry: EntryArg, name: str) -> None:
    _edit(tenant, editing.remove_property, entry, name)


@app.command("list")
@reports_errors
def list_entries(tenant: Annotated[str | None, typer.Option(
        help="Only this library's managed entries")] = None,
        type: Annotated[str | None, typer.Option()] = None,
        status: Annotated[str | None, typer.Option(help="managed or reference")] = None,
        tag: Annotated[str | None, typer.Option()] = None) -> None:
    """List directory entries."""
    with open_platform() as platform:
        owner = get_tenant(platform.db, tenant).id if tenant else None
        with platform.db.unscoped() as session:
            rows = [[e.slug, e.name, e.type, e.status, ", ".join(service.effective_symbols(
                session, e)), ", ".join(e.tags or [])] for e in service.list_entries(
                session, type_=type, status=status, tag=tag, owner_tenant_id=owner)]
    print_table("Directory", ["Slug", "Name", "Type", "Status", "Symbols", "Tags"], rows)


@app.command("show")
@reports_errors
def show(entry: EntryArg, tenant: Annotated[str | None, typer.Option(
        help="Include this library's local properties")] = None) -> None:
    """Show one entry."""
    with open_platform() as platform:
        scope = platform.db.tenant(get_tenant(platform.db, tenant).id) if tenant \
            else platform.db.unscoped()
        with scope as session:
            _print_entry(service.entry_dict(session, service.get_entry(session, entry)))


@app.command("resolve")
@reports_errors
def resolve(symbol: str) -> None:
    """Resolve AUTH:SYM to its entry, institution and endpoints."""
    with open_platform() as platform, platform.db.unscoped() as session:
        print_json(asdict(service.require_symbol(session, symbol)))


@app.command("add-friend")
@reports_errors
def add_friend(url: Annotated[str, typer.Argument(help="Peer installation's base URL")],
               label: str = "", every: Annotated[int, typer.Option(
                   help="Minutes between crawls")] = 240) -> None:
    """Crawl a peer installation's directory feed from now on."""
    with open_platform() as platform:
        friend = crawl.add_friend(platform.db, url, label, every)
    console.print(f"Friend {friend['id']}: {friend['url']} (every {every} min). "
                  "Run [bold]reshare directory sync[/bold] to crawl it now.")


@app.command("friends")
@reports_errors
def friends() -> None:
    """List the friends (peers' feeds) and how their last crawl went."""
    with open_platform() as platform:
        rows = crawl.list_friends(platform.db)
    print_table("Friends", ["Id", "Feed", "Every (min)", "Last crawl", "Status"],
                [[f["id"], f["url"], f["every_minutes"], f["last_crawled_at"], f["last_status"]]
                 for f in rows])


@app.command("remove-friend")
@reports_errors
def remove_friend(friend: Annotated[str, typer.Argument(help="Friend id or URL")]) -> None:
    with open_platform() as platform:
        crawl.remove_friend(platform.db, friend)
    console.print(f"Removed friend {friend}.")


@app.command("sync")
@reports_errors
def sync(friend: Annotated[str | None, typer.Option(help="Only this friend")] = None) -> None:
    """Crawl every friend's feed now; exit code 1 when a feed failed."""
    with open_platform() as platform:
        reports = crawl.sync_all(platform.db, friend)
    for r in reports:
        colour = {"ok": "green", "conflicts": "yellow"}.get(r.status, "red")
        console.print(f"[{colour}]{r.status}[/{colour}] {r.url}: {r.created} new, {r.updated} "
                      f"updated, {r.unchanged} unchanged, {r.removed} removed"
                      + (f"; error: {r.error}" if r.error else ""))
        for c in r.conflicts:
            console.print(f"  conflict: {c['entry']}: {c.get('symbol') or c.get('slug')} "
                          f"{c['reason']}")
        for slug in r.skipped_managed:
            console.print(f"  kept managed entry {slug} (never overwritten by sync)")
    if not reports:
        console.print("No friends yet: add one with `reshare directory add-friend URL`.")
    if any(r.status == "error" for r in reports):
        raise typer.Exit(1)


@tenant_app.command("check")
@reports_errors
def tenant_check(tenant: TenantArg) -> None:
    """The configuration check: what is missing before this library can take part."""
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        items = readiness.check(platform, info.id)
    for item in items:
        mark = "[green]ok[/green]  " if item.ok else "[red]MISSING[/red]"
        if not item.required:
            mark = "[blue]info[/blue]"
        console.print(f"{mark} {item.title}: {item.message}")
        if not item.ok and item.how_to_fix:
            console.print(f"        fix: {item.how_to_fix}", highlight=False, soft_wrap=True)
    ready = readiness.is_ready(items)
    console.print(f"{info.code} is READY." if ready else
                  f"{info.code} is NOT ready: fix the items marked MISSING.")
    raise typer.Exit(0 if ready else 1)
