"""The configuration check: is a library ready to take part in the network?

Walks the configuration guide item by item (directory entries, symbol, ISO 18626 service,
pickup branch, request settings, shared index, NCIP and Z39.50, the OpenURL address) and says,
for each, what is missing and the command that fixes it. NCIP and Z39.50 are probed with a
short reachability check (any HTTP answer; a TCP connect) outside any transaction.
"""

from __future__ import annotations

import importlib.util
import socket
from dataclasses import asdict, dataclass

import httpx

from reshare.directory import service
from reshare.directory.model import EntryType
from reshare.platform import Platform
from reshare.settings import service as settings_service
from reshare.tenancy.store import Tenant

PROBE_TIMEOUT = 3.0


@dataclass(frozen=True)
class ReadinessItem:
    id: str
    title: str
    ok: bool
    message: str
    how_to_fix: str = ""
    required: bool = True  # False: information only, never blocks "ready"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class _Facts:
    code: str
    base_url: str
    settings: dict[str, str | None]
    institution_slug: str | None
    symbols: list[str]
    has_iso18626: bool
    pickups: list[str]


def _facts(platform: Platform, tenant_id: int) -> _Facts:
    with platform.db.tenant(tenant_id) as session:
        tenant = session.get(Tenant, tenant_id)
        code = tenant.code if tenant else str(tenant_id)
        values = settings_service.get_values(session)
        entries = service.managed_entries(session, tenant_id)
        institution = next((e for e in entries if e.type == EntryType.INSTITUTION), None)
        resolved = service.resolve(session, institution, "") if institution else None
        return _Facts(
            code=code, base_url=platform.settings.base_url.rstrip("/"), settings=values,
            institution_slug=institution.slug if institution else None,
            symbols=service.effective_symbols(session, institution) if institution else [],
            has_iso18626=bool(resolved and resolved.iso18626_url),
            pickups=[p.slug for p in service.pickup_locations(session, tenant_id)],
        )


def check(platform: Platform, tenant_id: int) -> list[ReadinessItem]:
    """Every item of the configuration guide for this tenant, in the guide's order."""
    facts = _facts(platform, tenant_id)
    return [*_directory_items(facts), *_request_items(facts), _shared_index(facts),
            *_lms_items(facts), _openurl(facts)]


def is_ready(items: list[ReadinessItem]) -> bool:
    return all(item.ok for item in items if item.required)


def _directory_items(f: _Facts) -> list[ReadinessItem]:
    slug = f.institution_slug or "<institution>"
    iso = f"{f.base_url}/iso18626"
    return [
        ReadinessItem("root_entry", "Directory: institution entry", f.institution_slug is not None,
                      f"institution entry {f.institution_slug}" if f.institution_slug else
                      "no directory entry for your institution (the root of your units)",
                      f"reshare directory add-institution {f.code} --name 'Your Library' "
                      f"--symbol RESHARE:{f.code} --iso18626 {iso}"),
        ReadinessItem("symbol", "Directory: symbol", bool(f.symbols),
                      f"symbols: {', '.join(f.symbols)}" if f.symbols else
                      "your institution has no symbol (AUTHORITY:SYMBOL), so peers cannot "
                      "address you", f"reshare directory add-symbol {f.code} {slug} "
                      f"RESHARE:{f.code}"),
        ReadinessItem("iso18626_service", "Directory: ISO 18626 service", f.has_iso18626,
                      "ISO 18626 endpoint registered" if f.has_iso18626 else
                      "no ISO 18626 service: peers cannot send you requests",
                      f"reshare directory add-service {f.code} {slug} iso18626 {iso}"),
        ReadinessItem("pickup_branch", "Directory: pickup location", bool(f.pickups),
                      f"pickup locations: {', '.join(f.pickups)}" if f.pickups else
                      "no branch entry tagged pickup: patrons have nowhere to collect items",
                      f"reshare directory add-branch {f.code} --parent {slug} --name "
                      "'Main Library' --pickup --lms-location-code MAIN"),
    ]


def _request_items(f: _Facts) -> list[ReadinessItem]:
    prefix = f.settings.get("request_id_prefix")
    patron = f.settings.get("default_institutional_patron_id")
    lms = f.settings.get("host_lms_integration") or "manual"
    patron_fix = f"reshare settings set {f.code} default_institutional_patron_id " + (
        "-   # Alma uses no institutional patron" if lms == "alma" else
        "<barcode of the LMS patron account that loans to other libraries go to>")
    return [
        ReadinessItem("request_id_prefix", "Request ID prefix", bool(prefix),
                      f"request IDs start with {prefix}" if prefix else
                      f"request ID prefix not set; recommended: {f.code}-",
                      f"reshare settings set {f.code} request_id_prefix {f.code}-"),
        ReadinessItem("default_institutional_patron_id", "Default institutional patron ID",
                      bool(patron), f"institutional patron: {patron}" if patron else
                      f"default institutional patron ID not set (LMS: {lms})",
                      patron_fix),
    ]


def installation_has_index() -> bool:
    """True when this installation runs its own shared index (the sharedindex capability)."""
    return importlib.util.find_spec("reshare.sharedindex.store") is not None


def _shared_index(f: _Facts) -> ReadinessItem:
    s = f.settings
    routing = s.get("routing_adapter") or "foliosharedindex"
    integration, base = s.get("shared_index_integration"), s.get("shared_index_base_url")
    title, fix_base = "Shared index", f"reshare settings set {f.code}"
    if routing == "disabled":
        return ReadinessItem("shared_index", title, True, "routing disabled (broker mode): "
                             "the broker finds lenders, no shared index needed")
    if routing == "static":
        ok = bool(s.get("static_routes"))
        return ReadinessItem("shared_index", title, ok, "static routing: " + (
            f"rota {s.get('static_routes')}" if ok else "static_routes is empty"),
            f"{fix_base} static_routes SYMBOL:RESHARE:PEER1,SYMBOL:RESHARE:PEER2")
    if not integration:
        return ReadinessItem("shared_index", title, False, "shared_index_integration not set",
                             f"{fix_base} shared_index_integration folio")
    if integration == "mock":
        return ReadinessItem("shared_index", title, False, "shared_index_integration is 'mock' "
                             "(tests only)", f"{fix_base} shared_index_integration folio")
    if base:
        return ReadinessItem("shared_index", title, True, f"{integration} index at {base}")
    if integration == "folio" and installation_has_index():
        return ReadinessItem("shared_index", title, True,
                             "uses this installation's own shared index")
    return ReadinessItem("shared_index", title, False,
                         f"shared index not configured: {integration} needs "
                         "shared_index_base_url" + ("" if integration != "folio" else
                                                    " (this installation has no index)"),
                         f"{fix_base} shared_index_base_url https://index.example.org/")


def probe_http(url: str) -> str | None:
    """None when something answers HTTP at ``url``; else why not."""
    try:
        httpx.post(url, content=b"", timeout=PROBE_TIMEOUT)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}"
    return None


def probe_tcp(address: str) -> str | None:
    """None when ``host:port[/db]`` (or an SRU URL) accepts a connection; else why not."""
    if address.startswith(("http://", "https://")):
        return probe_http(address)
    hostport = address.split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return "not host:port/database"
    try:
        with socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def _lms_items(f: _Facts) -> list[ReadinessItem]:
    lms = f.settings.get("host_lms_integration") or "manual"
    if lms == "manual":
        note = "LMS integration is 'manual': staff do LMS work by hand; "
        return [ReadinessItem("ncip", "NCIP", True, note + "no NCIP needed"),
                ReadinessItem("z3950", "Z39.50", True, note + "no Z39.50 needed")]
    items = []
    for item_id, title, key, probe, example in (
        ("ncip", "NCIP", "ncip_server_address", probe_http, "https://lms.example.edu/ncip"),
        ("z3950", "Z39.50", "z3950_server_address", probe_tcp, "z3950.example.edu:210/catalog"),
    ):
        address = f.settings.get(key)
        fix = f"reshare settings set {f.code} {key} {example}"
        if not address:
            items.append(ReadinessItem(item_id, title, False,
                                       f"{key} not set (LMS: {lms})", fix))
            continue
        problem = probe(address)
        items.append(ReadinessItem(
            item_id, title, problem is None,
            f"{address} answers (LMS: {lms})" if problem is None else
            f"{address} is not answering ({problem}; LMS: {lms})",
            "" if problem is None else f"check the server is up and reachable, or {fix}"))
    return items


def _openurl(f: _Facts) -> ReadinessItem:
    return ReadinessItem("openurl", "OpenURL intake address", True,
                         f"give your discovery layer this OpenURL address: "
                         f"{f.base_url}/openurl/{f.code}", required=False)
