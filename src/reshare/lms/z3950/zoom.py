"""Z39.50 client: a ctypes binding to Debian's libyaz (``libyaz.so.5``) ZOOM C API.

Only the calls a search needs. Each search opens its own connection (ZOOM handles are not
shared between threads) with the ZOOM ``timeout`` option set, so a dead catalogue cannot stall
request processing for longer than that.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass
from functools import lru_cache

LIBRARY_NAMES = ("libyaz.so.5", "yaz")


class Z3950Error(RuntimeError):
    def __init__(self, code: int, message: str, addinfo: str = "") -> None:
        self.code = code
        self.addinfo = addinfo
        super().__init__(f"Z39.50 error {code}: {message}" + (f" ({addinfo})" if addinfo else ""))


class YazUnavailable(RuntimeError):
    """libyaz is not installed: `apt-get install libyaz5` (package `yaz` pulls it in)."""


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL:
    for name in LIBRARY_NAMES:
        path = name if name.endswith(".5") else ctypes.util.find_library(name)
        if not path:
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        return _declare(lib)
    raise YazUnavailable("libyaz.so.5 not found: install the Debian package libyaz5 (or yaz)")


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    signatures = {
        "ZOOM_connection_create": (vp, [vp]),
        "ZOOM_connection_option_set": (None, [vp, cp, cp]),
        "ZOOM_connection_connect": (None, [vp, cp, ci]),
        "ZOOM_connection_error": (ci, [vp, ctypes.POINTER(cp), ctypes.POINTER(cp)]),
        "ZOOM_connection_search_pqf": (vp, [vp, cp]),
        "ZOOM_connection_destroy": (None, [vp]),
        "ZOOM_resultset_size": (ctypes.c_size_t, [vp]),
        "ZOOM_resultset_record": (vp, [vp, ctypes.c_size_t]),
        "ZOOM_resultset_destroy": (None, [vp]),
        "ZOOM_record_get": (vp, [vp, cp, ctypes.POINTER(ci)]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    database: str = "Default"

    @classmethod
    def parse(cls, address: str) -> Target:
        """``host:port/database`` (an optional ``tcp:`` prefix is accepted)."""
        value = address.strip().removeprefix("tcp:").removeprefix("z3950://")
        hostport, _, database = value.partition("/")
        host, _, port = hostport.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"Z39.50 address {address!r} is not host:port/database")
        return cls(host, int(port), database or "Default")

    def zurl(self) -> str:
        return f"tcp:{self.host}:{self.port}/{self.database}"


# record syntax → ZOOM_record_get type giving XML text
_RENDER = {"opac": b"opac; charset=utf-8", "marcxml": b"xml; charset=marc8,utf-8"}
_SYNTAX = {"opac": b"opac", "marcxml": b"usmarc"}


def _check(lib: ctypes.CDLL, conn: int) -> None:
    msg, addinfo = ctypes.c_char_p(), ctypes.c_char_p()
    code = lib.ZOOM_connection_error(conn, ctypes.byref(msg), ctypes.byref(addinfo))
    if code:
        raise Z3950Error(code, (msg.value or b"").decode("utf-8", "replace"),
                         (addinfo.value or b"").decode("utf-8", "replace"))


def search(target: Target, pqf: str, *, max_records: int = 3, syntax: str = "opac",
           timeout: int = 30) -> tuple[int, list[str]]:
    """Run one PQF search; returns (hit count, up to ``max_records`` records as XML text)."""
    lib = _lib()
    conn = lib.ZOOM_connection_create(None)
    try:
        for key, value in ((b"preferredRecordSyntax", _SYNTAX[syntax]),
                           (b"databaseName", target.database.encode()),
                           (b"timeout", str(timeout).encode())):
            lib.ZOOM_connection_option_set(conn, key, value)
        lib.ZOOM_connection_connect(conn, target.zurl().encode(), 0)
        _check(lib, conn)
        results = lib.ZOOM_connection_search_pqf(conn, pqf.encode("utf-8"))
        try:
            _check(lib, conn)
            hits = int(lib.ZOOM_resultset_size(results))
            records = [_record(lib, results, i, syntax) for i in range(min(hits, max_records))]
            _check(lib, conn)
            return hits, [r for r in records if r]
        finally:
            lib.ZOOM_resultset_destroy(results)
    finally:
        lib.ZOOM_connection_destroy(conn)


def _record(lib: ctypes.CDLL, results: int, index: int, syntax: str) -> str:
    record = lib.ZOOM_resultset_record(results, index)
    if not record:
        return ""
    length = ctypes.c_int(0)
    data = lib.ZOOM_record_get(record, _RENDER[syntax], ctypes.byref(length))
    if not data:
        return ""
    return ctypes.string_at(data, length.value).decode("utf-8", "replace")
