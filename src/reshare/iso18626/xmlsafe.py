"""Safe XML intake for messages from the network: size limit, UTF-8 only, no DTD, no entities,
no network access. Everything hostile is refused before or by a locked-down lxml parser."""

from __future__ import annotations

import re

from lxml import etree

MAX_MESSAGE_BYTES = 1_000_000

_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


class UnsafeXml(ValueError):
    """The bytes are not a plain UTF-8 XML document we are willing to parse."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True, collect_ids=False)


def parse_bytes(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse ``data`` into an element tree root, or raise :class:`UnsafeXml` saying why."""
    if not data or not data.strip():
        raise UnsafeXml("no XML supplied: the body is empty")
    if len(data) > max_bytes:
        raise UnsafeXml(f"message is {len(data)} bytes; the limit is {max_bytes}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        raise UnsafeXml("only UTF-8 encoded messages are accepted")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    declared = _DECL_ENCODING.match(data)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise UnsafeXml(f"only UTF-8 encoded messages are accepted, not "
                        f"{declared.group(1).decode('ascii', 'replace')}")
    # UTF-8 is guaranteed from here, so a byte search for declarations is reliable
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXml("document type declarations and entities are not accepted")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed XML: {exc}") from None
    if root is None:
        raise UnsafeXml("no XML element found")
    return root
