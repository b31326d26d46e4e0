"""OpenURL figures: parses per second over the samples and varied real-world shapes, and
pull slip PDFs per second (one slip and a 100-slip batch)."""

from __future__ import annotations

import time
from pathlib import Path

from reshare.notices.pullslip import PullSlip, render_pull_slips
from reshare.openurl.mapping import parse_openurl

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "openurl"


def urls() -> list[str]:
    found = [line.strip() for p in sorted(FIXTURES.iterdir())
             for line in p.read_text().splitlines() if line.strip()]
    found += ["sid=google&aulast=Eco&title=Il+nome+della+rosa&genre=book&isbn=9788845278655",
              "rft.genre=bookitem&rft.btitle=Handbook&rft.atitle=Swifts&rft.pages=45-67"
              "&rft.aulast=Lack&rft.aufirst=David&svc_id=copy"]
    return found


def rate(label: str, seconds: float, count: int, unit: str) -> None:
    print(f"- {label}: {count / seconds:,.0f} {unit}/s ({count} in {seconds:.2f} s)")


def main() -> None:
    samples = urls()
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        for url in samples:
            parse_openurl(url)
    rate("OpenURL parse + map", time.perf_counter() - started, rounds * len(samples),
         "OpenURLs")
    slip = PullSlip(hrid="ALPHA-000123", title="Property and wealth in classical Sparta",
                    author="Hodkinson, Stephen", call_number="DF261.S8 H63 2000",
                    location="Main", pickup_location="Front desk",
                    requester_symbol="RESHARE:BETA", supplier_symbol="RESHARE:ALPHA")
    started = time.perf_counter()
    for _ in range(50):
        render_pull_slips([slip])
    rate("pull slip PDF, 1 slip", time.perf_counter() - started, 50, "PDFs")
    started = time.perf_counter()
    pdf = render_pull_slips([slip] * 100)
    elapsed = time.perf_counter() - started
    print(f"- pull slip PDF, 100 slips: {elapsed * 1000:.0f} ms, {len(pdf) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
