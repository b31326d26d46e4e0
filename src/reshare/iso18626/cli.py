"""Commands: `reshare peer-mock` (a scenario-driven ISO 18626 peer) and `reshare iso18626`
(check a message file, list or deliver a library's outgoing messages)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reshare.cli.common import console, open_platform, print_table, reports_errors
from reshare.errors import ValidationFailed
from reshare.iso18626 import codec, outbox
from reshare.tenancy.service import get_tenant

iso_app = typer.Typer(help="ISO 18626 messaging: check messages, inspect and drain the outbox.",
                      no_args_is_help=True)
mock_app = typer.Typer(help="Run a scenario-driven ISO 18626 mock peer (tests and demos).")
APPS = [("iso18626", iso_app), ("peer-mock", mock_app)]


@mock_app.callback(invoke_without_command=True)
def peer_mock(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8118,
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    role: Annotated[str, typer.Option(help="supplier or requester")] = "supplier",
    peer_url: Annotated[str | None, typer.Option(
        help="ISO 18626 endpoint of the node under test, for the mock's own messages")] = None,
    step_delay: Annotated[float, typer.Option(help="Seconds between scripted messages")] = 0.5,
    slow_seconds: Annotated[float, typer.Option(help="Delay of the 'slow' scenario")] = 40.0,
) -> None:
    """Serve the mock peer; scenarios are chosen by MOCK:<scenario> in the request's note."""
    import uvicorn

    from reshare.iso18626.peer_mock import SCENARIOS, MockPeer, create_mock_app

    if role not in ("supplier", "requester"):
        raise typer.BadParameter("role must be supplier or requester")
    peer = MockPeer(role=role, peer_url=peer_url, step_delay=step_delay,
                    slow_seconds=slow_seconds)
    console.print(f"ISO 18626 mock {role} on http://{host}:{port}/iso18626; scenarios: "
                  f"{', '.join(SCENARIOS)}")
    uvicorn.run(create_mock_app(peer), host=host, port=port, log_level="warning")


@iso_app.command("check")
def check(path: Annotated[Path, typer.Argument(help="An ISO 18626 XML file")]) -> None:
    """Parse a message as our endpoint would; say what leniency was needed or why it fails."""
    try:
        parsed = codec.parse_document(path.read_bytes())
    except codec.Iso18626ParseError as exc:
        console.print(f"[red]rejected[/red] {exc.error_type}: {exc.error_value}")
        raise typer.Exit(1) from None
    console.print(f"{parsed.message.ELEMENT}, version {parsed.version or '(none)'}: parsed")
    for warning in parsed.warnings:
        console.print(f"  lenient: {warning}")
    codec.serialize(parsed.message)
    console.print("  our serialisation of it validates against ISO-18626-v1_2.xsd")


@iso_app.command("outbox")
@reports_errors
def list_outbox(tenant: Annotated[str, typer.Argument(help="Tenant code")],
                status: Annotated[str | None, typer.Option(help="Only this status")] = None,
                ) -> None:
    """List a library's outgoing messages, newest first."""
    with open_platform() as platform:
        info = get_tenant(platform.db, tenant)
        with platform.db.tenant(info.id) as session:
            items = outbox.items_for(session, status=status)
    print_table(f"Outbox of {info.code}", ["Id", "Request", "Message", "Peer", "Status",
                                           "Attempts", "Last error"],
                [[i.id, i.request_ref, i.element, i.peer_symbol, i.status, i.attempts,
                  i.last_error] for i in items])


@iso_app.command("drain")
@reports_errors
def drain(limit: Annotated[int, typer.Option(help="At most this many messages")] = 100) -> None:
    """Deliver what is due now (what the worker does continuously)."""
    if limit < 1:
        raise ValidationFailed("limit must be at least 1")
    with open_platform() as platform:
        count = outbox.drain(platform, limit=limit)
    console.print(f"{count} message(s) attempted")
