"""SRU 2.0 searchRetrieve over clusters, with a CQL subset.

Indexes: ``rec.id`` (cluster id), ``isbn``, ``issn``, ``title``, ``author``, ``keyword``
(also ``cql.serverChoice`` and a bare term). Relations ``=``, ``==``, ``all``, ``adj``.
Boolean ``and`` / ``or`` / ``not`` and parentheses. Records are merged MARCXML (``999``
holdings as in OAI-PMH).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from sqlalchemy import select

from reshare.db import Database, ScopedSession
from reshare.errors import ValidationFailed
from reshare.sharedindex.publish import marcxml, merged_records
from reshare.sharedindex.search import Query, cluster_ids_for
from reshare.sharedindex.store import Cluster

NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
INDEXES = {"rec.id": "cluster_id", "isbn": "isbn", "issn": "issn", "title": "title",
           "author": "author", "keyword": "keyword", "cql.serverchoice": "keyword",
           "cql.anywhere": "keyword"}
TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|==|<>|[=<>]|[^\s()"=<>]+)')


class CqlError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def tokens(query: str) -> list[str]:
    found, pos = [], 0
    while pos < len(query):
        match = TOKEN.match(query, pos)
        if not match:
            if query[pos:].strip():
                raise CqlError(10, f"cannot parse the query near {query[pos:pos + 20]!r}")
            break
        found.append(match.group(1))
        pos = match.end()
    return found


class _Parser:
    def __init__(self, session: ScopedSession, query: str) -> None:
        self.session = session
        self.items = tokens(query)
        self.pos = 0

    def peek(self) -> str | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self) -> str:
        item = self.peek()
        if item is None:
            raise CqlError(10, "the query ends too early")
        self.pos += 1
        return item

    def parse(self) -> set[int]:
        result = self.expression()
        if self.peek() is not None:
            raise CqlError(10, f"unexpected {self.peek()!r} in the query")
        return result

    def expression(self) -> set[int]:
        left = self.term()
        while (op := (self.peek() or "").lower()) in ("and", "or", "not"):
            self.take()
            right = self.term()
            left = left & right if op == "and" else left | right if op == "or" else left - right
        return left

    def term(self) -> set[int]:
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            if self.take() != ")":
                raise CqlError(10, "a parenthesis is not closed")
            return inner
        first = self.take()
        relation = (self.peek() or "").lower()
        if relation in ("=", "==", "all", "adj", "any"):
            self.take()
            return self.search(first.lower(), _unquote(self.take()))
        return self.search("cql.serverchoice", _unquote(first))

    def search(self, index: str, value: str) -> set[int]:
        if index not in INDEXES:
            raise CqlError(16, f"unsupported index {index!r}; use {sorted(INDEXES)}")
        try:
            query = Query(**{INDEXES[index]: value})  # type: ignore[arg-type]
            return set(cluster_ids_for(self.session, query))
        except ValidationFailed:
            return set()


def _unquote(value: str) -> str:
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1].replace('\\"', '"')
    return value


def _diagnostic(root: etree._Element, code: int, message: str) -> None:
    diags = etree.SubElement(root, f"{{{NS}}}diagnostics")
    diag = etree.SubElement(diags, f"{{{DIAG}}}diagnostic")
    etree.SubElement(diag, f"{{{DIAG}}}uri").text = f"info:srw/diagnostic/1/{code}"
    etree.SubElement(diag, f"{{{DIAG}}}message").text = message


def _int(params: dict[str, str], key: str, default: int) -> int:
    try:
        return int(params.get(key) or default)
    except ValueError:
        raise CqlError(6, f"{key} must be a number") from None


def _check(params: dict[str, str]) -> None:
    if params.get("version", "2.0") != "2.0":
        raise CqlError(5, "only SRU version 2.0 is supported")
    if params.get("recordSchema", "marcxml") not in ("marcxml", "marc21"):
        raise CqlError(66, "only recordSchema=marcxml is served")
    if not params.get("query"):
        raise CqlError(7, "the query parameter is required")


def _results(session: ScopedSession, root: etree._Element, params: dict[str, Any]) -> None:
    hits = sorted(_Parser(session, params["query"]).parse())
    start = max(1, _int(params, "startRecord", 1))
    maximum = max(0, min(_int(params, "maximumRecords", 10), 1000))
    etree.SubElement(root, f"{{{NS}}}numberOfRecords").text = str(len(hits))
    page = hits[start - 1:start - 1 + maximum]
    clusters = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(page)))}
    merged = merged_records(session, [clusters[i] for i in page if i in clusters])
    records = etree.SubElement(root, f"{{{NS}}}records")
    for position, cid in enumerate(page, start=start):
        if cid not in merged:
            continue
        record = etree.SubElement(records, f"{{{NS}}}record")
        etree.SubElement(record, f"{{{NS}}}recordSchema").text = "marcxml"
        etree.SubElement(record, f"{{{NS}}}recordXMLEscaping").text = "xml"
        data = etree.SubElement(record, f"{{{NS}}}recordData")
        data.append(etree.fromstring(marcxml(merged[cid])))
        etree.SubElement(record, f"{{{NS}}}recordPosition").text = str(position)
    if start - 1 + maximum < len(hits):
        etree.SubElement(root, f"{{{NS}}}nextRecordPosition").text = str(start + maximum)


def respond(db: Database, params: dict[str, str]) -> bytes:
    root = etree.Element(f"{{{NS}}}searchRetrieveResponse", nsmap={None: NS})
    etree.SubElement(root, f"{{{NS}}}version").text = "2.0"
    try:
        _check(params)
        with db.unscoped() as session:
            _results(session, root, params)
    except CqlError as exc:
        for child in list(root)[1:]:
            root.remove(child)
        etree.SubElement(root, f"{{{NS}}}numberOfRecords").text = "0"
        _diagnostic(root, exc.code, exc.message)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result
