"""One TLS context per process for the LMS's HTTP calls (NCIP, SRU).

Building a default SSL context loads the CA bundle, which costs tens of milliseconds; httpx
does it for every one-off request unless given a context. The context is immutable once made.
"""

from __future__ import annotations

import ssl
from functools import lru_cache

import certifi


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())
