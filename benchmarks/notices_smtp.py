"""Notice figures on SQLite with a real SMTP server (aiosmtpd) on loopback: queuing rate and
sending throughput of the notices job (one SMTP connection per notice)."""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from reshare import capabilities
from reshare.config import AppSettings
from reshare.db import Base, Database
from reshare.notices import service
from reshare.notices.dispatch import send_due
from reshare.platform import build_platform
from reshare.settings import service as settings
from reshare.tenancy import service as tenancy

COUNT = 300


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            capabilities.load_models()
            db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
            Base.metadata.create_all(db.engine)
            platform = build_platform(AppSettings(database_url=db.url, var_dir=tmp,
                                                  secret_key="b", admin_token="b"), db=db)
            tid = tenancy.create_tenant(db, "BENCH", "Bench").id
            with db.tenant(tid) as s:
                settings.set_value(s, "notices", "smtp_host", "127.0.0.1")
                settings.set_value(s, "notices", "smtp_port", str(port))
                settings.set_value(s, "notices", "smtp_from", "ill@bench.example")
            started = time.perf_counter()
            for n in range(COUNT):
                with db.tenant(tid) as s:
                    service.queue_notice(s, "new_request", n, email=f"p{n}@bench.example",
                                         values={"item": {"title": f"Book {n}"}})
            queued = time.perf_counter() - started
            started = time.perf_counter()
            sent = 0
            while sent < COUNT:
                sent += send_due(platform)
            elapsed = time.perf_counter() - started
            print(f"- queue a notice (one transaction each): {COUNT / queued:,.0f}/s")
            print(f"- send through SMTP on loopback: {COUNT / elapsed:,.0f} notices/s "
                  f"({COUNT} in {elapsed:.1f} s, {sink.count} accepted)")
            db.dispose()
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
