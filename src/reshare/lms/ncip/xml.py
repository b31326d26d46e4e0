"""NCIP 2.02 XML plumbing: namespace, element builder, schema validation, namespace-free reading.

Requests are always built namespaced and validated against the bundled ncip_v2_02.xsd; an LMS
that wants NCIP 2 without a namespace (Koha, Polaris) gets a stripped copy of the validated
message. Responses are read by local name, so namespaced and namespace-free answers both work.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TypeAlias

from lxml import etree

NS = "http://www.niso.org/2008/ncip"
VERSION = "http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"
SCHEMA_PATH = Path(__file__).with_name("ncip_v2_02.xsd")

Element: TypeAlias = etree._Element


class InvalidNcipMessage(ValueError):
    """A message we built does not validate against the NCIP 2.02 schema (a bug on our side)."""


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Text XML 1.0 can carry: control characters from catalogue data are dropped."""
    return _NOT_XML.sub("", value)


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def el(parent: Element | None, name: str, text: str | None = None,
       scheme: str | None = None) -> Element:
    """Append (or create) an NCIP element, with optional text and ncip:Scheme."""
    node = etree.Element(q(name), nsmap={"ns1": NS}) if parent is None \
        else etree.SubElement(parent, q(name))
    if text is not None:
        node.text = xml_text(text)
    if scheme:
        node.set(q("Scheme"), scheme)
    return node


def message() -> tuple[Element, Element]:
    """A new NCIPMessage root; returns (root, root) for symmetry with service builders."""
    root = el(None, "NCIPMessage")
    root.set(q("version"), VERSION)
    return root, root


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate(root: Element) -> None:
    s = schema()
    if not s.validate(root):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in s.error_log)
        raise InvalidNcipMessage(f"NCIP message does not validate against NCIP 2.02: {errors}")


def strip_namespace(root: Element) -> Element:
    """A copy without the NCIP namespace (for LMSs that only read namespace-free NCIP 2)."""
    copy = etree.fromstring(etree.tostring(root))
    for node in copy.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            node.tag = etree.QName(node).localname
        for key in list(node.attrib):
            if key.startswith("{"):
                node.attrib[etree.QName(key).localname] = node.attrib.pop(key)
    etree.cleanup_namespaces(copy)
    return copy


def to_bytes(root: Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_xml(data: bytes) -> Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser)


def local(node: Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def children(node: Element | None, name: str) -> list[Element]:
    if node is None:
        return []
    return [c for c in node if local(c) == name]


def child(node: Element | None, *path: str) -> Element | None:
    for name in path:
        found = children(node, name)
        if not found:
            return None
        node = found[0]
    return node


def text(node: Element | None, *path: str) -> str:
    found = child(node, *path) if path else node
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def find_all(node: Element, name: str) -> list[Element]:
    return [n for n in node.iter() if local(n) == name]
