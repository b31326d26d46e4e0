"""Malformed, oversized and hostile input is refused with BadlyFormedMessage, never expanded."""

from __future__ import annotations

import pytest

from reshare.iso18626 import codec
from reshare.iso18626.model import ErrorType

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626"><request>&lol3;</request>
</ISO18626Message>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626"><request>&xxe;</request>
</ISO18626Message>"""
XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><ISO18626Message/>"""
UTF16 = '<?xml version="1.0" encoding="UTF-16"?><ISO18626Message/>'.encode("utf-16")
LATIN1 = b'<?xml version="1.0" encoding="ISO-8859-1"?><ISO18626Message/>'


@pytest.mark.parametrize("data, fragment", [
    (BILLION_LAUGHS, "document type declarations"),
    (XXE, "document type declarations"),
    (XXE_NETWORK, "document type declarations"),
    (UTF16, "UTF-8"),
    (LATIN1, "UTF-8"),
    (b"", "no XML supplied"),
    (b"   ", "no XML supplied"),
    (b"not xml at all", "not well-formed"),
    (b"<ISO18626Message><request>", "not well-formed"),
    (b"<html xmlns='http://www.w3.org/1999/xhtml'/>", "not an ISO 18626 message"),
])
def test_hostile_input_refused(data: bytes, fragment: str) -> None:
    with pytest.raises(codec.Iso18626ParseError) as caught:
        codec.parse(data)
    assert caught.value.error_type == ErrorType.BADLY_FORMED_MESSAGE
    assert fragment in caught.value.error_value


def test_size_limit() -> None:
    big = b"<ISO18626Message>" + b" " * 2_000_000 + b"</ISO18626Message>"
    with pytest.raises(codec.Iso18626ParseError, match="limit is 1000000"):
        codec.parse(big)


def test_unknown_message_element() -> None:
    with pytest.raises(codec.Iso18626ParseError) as caught:
        codec.parse(b'<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626">'
                    b"<shout/></ISO18626Message>")
    assert caught.value.error_type == ErrorType.UNRECOGNISED_DATA_ELEMENT
