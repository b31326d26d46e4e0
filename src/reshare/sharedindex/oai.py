"""OAI-PMH 2.0 data provider: one merged MARCXML record per cluster, deletes persistent.

Identifiers are ``oai:<cluster id>``; records are ordered by (datestamp, cluster) and paged
with a resumption token; a removed cluster is a deleted header. The single set is the
matcher's name (all clusters). ``limit`` (non-standard, like Reservoir) sets the page size.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from lxml import etree
from sqlalchemy import and_, or_, select

from reshare.db import Database, ScopedSession, utcnow
from reshare.sharedindex.publish import marcxml, merged_records
from reshare.sharedindex.search import resolve_cluster
from reshare.sharedindex.store import Cluster

NS = "http://www.openarchives.org/OAI/2.0/"
PREFIXES = {"marcxml": "http://www.loc.gov/MARC21/slim", "marc21": "http://www.loc.gov/MARC21/slim"}
SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
PAGE = 1000
EARLIEST = "2020-01-01T00:00:00Z"


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: str, *, until: bool = False) -> dt.datetime:
    try:
        if len(value) == 10:
            day = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
            return day + dt.timedelta(days=1) if until else day
        moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        return moment + dt.timedelta(seconds=1) if until else moment
    except ValueError:
        raise OaiError("badArgument", f"{value!r} is not a UTC date (YYYY-MM-DD or "
                                      "YYYY-MM-DDThh:mm:ssZ)") from None


def _token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _untoken(token: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
        assert isinstance(state, dict) and "d" in state and "i" in state
        return state
    except Exception:  # noqa: BLE001 - any damage means the same OAI error
        raise OaiError("badResumptionToken", "the resumption token is not valid") from None


def _root(params: dict[str, str], base_url: str) -> etree._Element:
    root = etree.Element(f"{{{NS}}}OAI-PMH", nsmap={None: NS})
    etree.SubElement(root, f"{{{NS}}}responseDate").text = stamp(utcnow())
    request = etree.SubElement(root, f"{{{NS}}}request")
    for key in ("verb", "identifier", "metadataPrefix", "from", "until", "set",
                "resumptionToken"):
        if params.get(key):
            request.set(key, params[key])
    request.text = base_url
    return root


def _header(parent: etree._Element, cluster: Cluster, set_name: str) -> None:
    header = etree.SubElement(parent, f"{{{NS}}}header")
    if cluster.size == 0:
        header.set("status", "deleted")
    etree.SubElement(header, f"{{{NS}}}identifier").text = f"oai:{cluster.uuid}"
    etree.SubElement(header, f"{{{NS}}}datestamp").text = stamp(cluster.datestamp)
    etree.SubElement(header, f"{{{NS}}}setSpec").text = set_name


def _records(session: ScopedSession, parent: etree._Element, clusters: list[Cluster],
             set_name: str, with_metadata: bool) -> None:
    merged = merged_records(session, clusters) if with_metadata else {}
    for c in clusters:
        if with_metadata:
            record = etree.SubElement(parent, f"{{{NS}}}record")
            _header(record, c, set_name)
            if c.id in merged:
                metadata = etree.SubElement(record, f"{{{NS}}}metadata")
                metadata.append(etree.fromstring(marcxml(merged[c.id])))
            else:
                record[0].set("status", "deleted")
        else:
            _header(parent, c, set_name)


def _list(session: ScopedSession, root: etree._Element, params: dict[str, str],
          set_name: str) -> None:
    verb = params["verb"]
    if params.get("resumptionToken"):
        state = _untoken(params["resumptionToken"])
    else:
        _check_prefix(params)
        if params.get("set") and params["set"] != set_name:
            raise OaiError("badArgument", f"unknown set {params['set']!r}; the set is {set_name}")
        state = {"f": params.get("from"), "u": params.get("until"), "d": None, "i": 0}
    limit = max(1, min(int(params.get("limit") or PAGE), 10000))
    stmt = select(Cluster)
    if state["f"]:
        stmt = stmt.where(Cluster.datestamp >= parse_date(state["f"]))
    if state["u"]:
        stmt = stmt.where(Cluster.datestamp < parse_date(state["u"], until=True))
    if state["d"]:
        last = dt.datetime.fromisoformat(state["d"])
        stmt = stmt.where(or_(Cluster.datestamp > last,
                              and_(Cluster.datestamp == last, Cluster.id > state["i"])))
    rows = session.scalars(stmt.order_by(Cluster.datestamp, Cluster.id).limit(limit + 1)).all()
    if not rows:
        raise OaiError("noRecordsMatch", "no records match the arguments")
    page = rows[:limit]
    container = etree.SubElement(root, f"{{{NS}}}{verb}")
    _records(session, container, list(page), set_name, verb == "ListRecords")
    token = etree.SubElement(container, f"{{{NS}}}resumptionToken")
    if len(rows) > limit:
        token.text = _token({**state, "d": page[-1].datestamp.isoformat(), "i": page[-1].id})


def _check_prefix(params: dict[str, str]) -> None:
    prefix = params.get("metadataPrefix")
    if not prefix:
        raise OaiError("badArgument", "metadataPrefix is required (use marcxml)")
    if prefix not in PREFIXES:
        raise OaiError("cannotDisseminateFormat", f"only {sorted(PREFIXES)} are served")


def _get_record(session: ScopedSession, root: etree._Element, params: dict[str, str],
                set_name: str) -> None:
    _check_prefix(params)
    identifier = params.get("identifier") or ""
    found = resolve_cluster(session, identifier) if identifier else None
    if found is None:
        raise OaiError("idDoesNotExist", f"no record {identifier!r}")
    container = etree.SubElement(root, f"{{{NS}}}GetRecord")
    _records(session, container, [found], set_name, True)


def _identify(root: etree._Element, base_url: str) -> None:
    ident = etree.SubElement(root, f"{{{NS}}}Identify")
    for tag, value in (("repositoryName", "ReShare shared index"), ("baseURL", base_url),
                       ("protocolVersion", "2.0"), ("adminEmail", "admin@localhost"),
                       ("earliestDatestamp", EARLIEST), ("deletedRecord", "persistent"),
                       ("granularity", "YYYY-MM-DDThh:mm:ssZ")):
        etree.SubElement(ident, f"{{{NS}}}{tag}").text = value


def _formats(root: etree._Element) -> None:
    formats = etree.SubElement(root, f"{{{NS}}}ListMetadataFormats")
    for prefix, namespace in PREFIXES.items():
        fmt = etree.SubElement(formats, f"{{{NS}}}metadataFormat")
        etree.SubElement(fmt, f"{{{NS}}}metadataPrefix").text = prefix
        etree.SubElement(fmt, f"{{{NS}}}schema").text = SCHEMA
        etree.SubElement(fmt, f"{{{NS}}}metadataNamespace").text = namespace


def _sets(root: etree._Element, set_name: str) -> None:
    sets = etree.SubElement(root, f"{{{NS}}}ListSets")
    entry = etree.SubElement(sets, f"{{{NS}}}set")
    etree.SubElement(entry, f"{{{NS}}}setSpec").text = set_name
    etree.SubElement(entry, f"{{{NS}}}setName").text = f"All clusters ({set_name})"


def respond(db: Database, params: dict[str, str], base_url: str, set_name: str) -> bytes:
    """The OAI-PMH response document for one request."""
    root = _root(params, base_url)
    verb = params.get("verb", "")
    try:
        with db.unscoped() as session:
            if verb == "Identify":
                _identify(root, base_url)
            elif verb == "ListMetadataFormats":
                _formats(root)
            elif verb == "ListSets":
                _sets(root, set_name)
            elif verb in ("ListRecords", "ListIdentifiers"):
                _list(session, root, params, set_name)
            elif verb == "GetRecord":
                _get_record(session, root, params, set_name)
            else:
                raise OaiError("badVerb", f"unknown verb {verb!r}")
    except OaiError as exc:
        for child in list(root)[2:]:
            root.remove(child)
        error = etree.SubElement(root, f"{{{NS}}}error", code=exc.code)
        error.text = exc.message
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result
