"""Friends (peers' feed URLs) and crawling them: on a schedule (the ``directory-sync`` job)
and on demand (``reshare directory sync``, ``POST /directory/sync``).

A crawl first *claims* a friend in a short transaction (row lock, skip locked, so several
workers never crawl the same feed at once), fetches the feed outside any transaction, then
imports it in one transaction of its own: a failure anywhere leaves the directory unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import or_, select

from reshare.db import Database, utcnow
from reshare.directory.feed import FeedError, read_feed
from reshare.directory.store import Friend
from reshare.directory.sync import SyncReport, import_feed
from reshare.errors import Conflict, NotFound, ValidationFailed
from reshare.platform import Platform

log = logging.getLogger("reshare.directory.sync")
FETCH_TIMEOUT = 10.0
MAX_FEED_BYTES = 20_000_000
FEED_PATH = "/directory/feed"


def friend_dict(friend: Friend) -> dict[str, Any]:
    return {"id": friend.id, "url": friend.url, "label": friend.label,
            "every_minutes": friend.every_minutes,
            "last_crawled_at": friend.last_crawled_at.isoformat() if friend.last_crawled_at
            else None, "last_status": friend.last_status, "last_report": friend.last_report}


def normalise_feed_url(url: str) -> str:
    """A peer's base URL or feed URL → its feed URL."""
    url = url.strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValidationFailed(f"a friend is the http(s) URL of a peer installation, e.g. "
                               f"https://reshare.other.edu, got {url!r}", details={"url": url})
    return url if url.endswith(FEED_PATH) else url + FEED_PATH


def add_friend(db: Database, url: str, label: str = "", every_minutes: int = 240) -> dict:
    feed_url = normalise_feed_url(url)
    if every_minutes < 1:
        raise ValidationFailed("every_minutes must be at least 1", details={"field": "every"})
    with db.unscoped() as session:
        if session.scalars(select(Friend).where(Friend.url == feed_url)).first():
            raise Conflict(f"{feed_url} is already a friend", details={"url": feed_url})
        friend = Friend(url=feed_url, label=label.strip(), every_minutes=every_minutes)
        session.add(friend)
        session.flush()
        return friend_dict(friend)


def list_friends(db: Database) -> list[dict[str, Any]]:
    with db.unscoped() as session:
        return [friend_dict(f) for f in session.scalars(select(Friend).order_by(Friend.url))]


def remove_friend(db: Database, url_or_id: str) -> None:
    """Forget a friend; the reference entries learned from it stay until removed by hand."""
    with db.unscoped() as session:
        friend = _friend(session, url_or_id)
        session.delete(friend)


def _friend(session: Any, url_or_id: str) -> Friend:
    query = select(Friend).where(Friend.id == int(url_or_id)) if url_or_id.isdigit() else \
        select(Friend).where(Friend.url == normalise_feed_url(url_or_id))
    friend = session.scalars(query).first()
    if friend is None:
        raise NotFound(f"no friend {url_or_id}; `reshare directory friends` lists them",
                       code="unknown_friend")
    return friend


def fetch_feed(url: str, client: httpx.Client | None = None) -> Any:
    """GET the feed and parse its JSON; raise :class:`FeedError` saying what went wrong."""
    owns = client is None
    client = client or httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True)
    try:
        response = client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise FeedError(f"cannot reach {url}: {type(exc).__name__} {exc}".strip()) from None
    finally:
        if owns:
            client.close()
    if response.status_code != 200:
        raise FeedError(f"{url} answered HTTP {response.status_code}")
    if len(response.content) > MAX_FEED_BYTES:
        raise FeedError(f"{url} sent more than {MAX_FEED_BYTES} bytes")
    try:
        return json.loads(response.content)
    except ValueError:
        raise FeedError(f"{url} did not send JSON") from None


def crawl(db: Database, url: str, client: httpx.Client | None = None) -> SyncReport:
    """Fetch, check and import one feed; the outcome is stored on the friend (if any)."""
    try:
        entries = read_feed(fetch_feed(url, client))
        with db.platform() as session:
            report = import_feed(session, url, entries)
    except FeedError as exc:
        report = SyncReport(url, status="error", error=str(exc))
    except Exception as exc:  # a database failure: the import was rolled back
        log.exception("importing %s failed", url)
        report = SyncReport(url, status="error", error=f"import failed: {type(exc).__name__}")
    _record(db, url, report)
    log.info("directory sync %s: %s", url, report.status)
    return report


def _record(db: Database, url: str, report: SyncReport) -> None:
    with db.unscoped() as session:
        friend = session.scalars(select(Friend).where(Friend.url == url)).first()
        if friend is not None:
            friend.last_crawled_at = utcnow()
            friend.last_status = report.status
            friend.last_report = report.as_dict()


def sync_all(db: Database, only: str | None = None,
             client: httpx.Client | None = None) -> list[SyncReport]:
    """Crawl every friend now (or just ``only``, a friend's URL or id)."""
    with db.unscoped() as session:
        urls = [_friend(session, only).url] if only else \
            list(session.scalars(select(Friend.url).order_by(Friend.url)))
    return [crawl(db, url, client) for url in urls]


def claim_due(db: Database, limit: int = 5) -> list[str]:
    """Friends whose crawl is due, claimed by stamping them (skip those another worker holds)."""
    now = utcnow()
    claimed: list[str] = []
    with db.unscoped() as session:
        candidates = session.scalars(
            select(Friend).where(or_(Friend.last_crawled_at.is_(None),
                                     Friend.last_crawled_at < now - dt.timedelta(minutes=1)))
            .order_by(Friend.id).with_for_update(skip_locked=True))
        for friend in candidates:
            due_at = (friend.last_crawled_at or now - dt.timedelta(days=1)) + \
                dt.timedelta(minutes=friend.every_minutes)
            if due_at <= now and len(claimed) < limit:
                friend.last_crawled_at = now
                claimed.append(friend.url)
    return claimed


def run_due(platform: Platform) -> int:
    """The scheduled job: crawl the friends that are due; returns how many were crawled."""
    return len([crawl(platform.db, url) for url in claim_due(platform.db)])
