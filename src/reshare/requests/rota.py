"""Rota building: candidate lenders from the router, static routes and last-resort lenders,
ranked local-first and then by load balancing on the peers' ACTIVE_LOAN/ACTIVE_BORROW counts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import httpx

from reshare.requests import adapters
from reshare.requests.core import Ctx
from reshare.requests.ports import BibQuery, Holding
from reshare.requests.store import PatronRequest

LOCAL_SCORE = 10000.0
_STATS_TTL = 300.0
_NOT_LENDING = {"not_lending", "not lending", "lending_electronic_only",
                "lending electronic only"}


@dataclass(frozen=True)
class Candidate:
    symbol: str
    instance_id: str = ""
    score: float | None = None
    reason: str = ""


def bib_query(req: PatronRequest) -> BibQuery:
    # A supplier searches its own catalogue by its own record id, which the requester took from
    # the shared index and sent as supplierUniqueRecordId; the systemInstanceIdentifier is the
    # requester's (the shared-index cluster), not a record of the supplier's.
    local_id = req.supplier_unique_record_id if not req.is_requester else ""
    return BibQuery(title=req.title, author=req.author, isbn=req.isbn, issn=req.issn,
                    oclc_number=req.oclc_number,
                    system_instance_id=local_id or (req.system_instance_id if req.is_requester
                                                    else ""),
                    cluster_id=req.system_instance_id, publication_type=req.publication_type)


def _static_routes(ctx: Ctx) -> list[Holding]:
    found = []
    for part in ctx.setting("static_routes").split(","):
        bits = [b.strip() for b in part.strip().split(":") if b.strip()]
        if len(bits) >= 2:
            found.append(Holding(symbol=":".join(bits[-2:]).upper()))
    return found


def candidates(ctx: Ctx, req: PatronRequest) -> tuple[list[Holding], str]:
    adapter = ctx.setting("routing_adapter", "foliosharedindex")
    router = None if adapter == "static" else adapters.routing(ctx.platform, ctx.tenant_id)
    if router is None:
        routes = _static_routes(ctx)
        return routes, "" if routes else "no static routes configured"
    result = router.lenders_for(bib_query(req))
    return [h for h in result.holdings if h.lendable], result.reason


def build(ctx: Ctx, req: PatronRequest) -> tuple[list[Candidate], str]:
    holdings, why_empty = candidates(ctx, req)
    local = set(ctx.symbols("local_symbols"))
    seen: set[str] = set()
    ranked: list[Candidate] = []
    for h in holdings:
        symbol = h.symbol.upper()
        if symbol in seen or not _lends(ctx, symbol):
            continue
        seen.add(symbol)
        if symbol in local:
            ranked.append(Candidate(symbol, h.local_record_id, LOCAL_SCORE,
                                    "Local lending sources prioritized"))
        else:
            score, reason = load_balancing_score(ctx, symbol)
            ranked.append(Candidate(symbol, h.local_record_id, score, reason))
    ranked.sort(key=lambda c: -(c.score or 0.0))
    for symbol in ctx.symbols("last_resort_lenders"):
        if symbol not in seen:
            seen.add(symbol)
            ranked.append(Candidate(symbol, "", None, "Last resort lender"))
    return ranked, why_empty


def _lends(ctx: Ctx, symbol: str) -> bool:
    policy = adapters.peer_property(ctx.session, symbol, "policy.ill.loan_policy")
    return policy is None or policy.strip().lower() not in _NOT_LENDING


def parse_ratio(value: str | None) -> Fraction:
    try:
        loan, borrow = (int(x) for x in (value or "1:1").split(":"))
        return Fraction(loan, borrow) if borrow > 0 else Fraction(1)
    except ValueError:
        return Fraction(1)


def score_from(stats: dict[str, int], ratio: Fraction) -> float:
    """ReShare's rule: borrowing × (loan/borrow) − lending; fair-share laggards rank higher."""
    return float(stats.get("ACTIVE_BORROW", 0) * ratio - stats.get("ACTIVE_LOAN", 0))


def load_balancing_score(ctx: Ctx, symbol: str) -> tuple[float, str]:
    url = adapters.peer_stats_url(ctx.session, symbol)
    if not url:
        return 0.0, "no statistics service in the directory: score 0"
    stats = fetch_stats(ctx, url)
    if stats is None:
        return 0.0, f"statistics unavailable at {url}: score 0"
    ratio = parse_ratio(adapters.peer_property(ctx.session, symbol,
                                               "policy.ill.InstitutionalLoanToBorrowRatio"))
    score = score_from(stats, ratio)
    return score, (f"borrowing {stats.get('ACTIVE_BORROW', 0)} x ratio {ratio} - lending "
                   f"{stats.get('ACTIVE_LOAN', 0)} = {score:g}")


def fetch_stats(ctx: Ctx, url: str) -> dict[str, int] | None:
    cache: dict[str, tuple[float, dict[str, int] | None]] = ctx.platform.extras.setdefault(
        "requests.stats_cache", {})
    hit = cache.get(url)
    if hit is not None and time.monotonic() - hit[0] < _STATS_TTL:
        return hit[1]
    try:
        response = httpx.get(url, timeout=3.0)
        response.raise_for_status()
        tags = response.json().get("requestsByTag", {})
        stats: dict[str, int] | None = {k: int(v) for k, v in tags.items()}
    except (httpx.HTTPError, ValueError, AttributeError):
        stats = None
    cache[url] = (time.monotonic(), stats)
    return stats
