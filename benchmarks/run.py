"""`make bench`: run every benchmark script and write benchmarks/results.md.

Each ``benchmarks/<capability>_<what>.py`` is run as its own process (so one cannot slow the
next through leftover state); what it prints is its report. The machine and its load are
recorded with the figures, since this machine is shared.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return [
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores ({cpu}), {mem}, {platform.platform()}",
        f"- Python {platform.python_version()}; load average at start "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (the machine is shared)",
        f"- PostgreSQL: {os.environ.get('RESHARE_BENCH_POSTGRES_URL') or os.environ.get('RESHARE_TEST_POSTGRES_URL') or 'not configured'}",
    ]


def scripts(selected: list[str]) -> list[Path]:
    found = sorted(p for p in HERE.glob("*_*.py") if p.name != "run.py")
    if selected:
        found = [p for p in found if any(s in p.stem for s in selected)]
    return found


def main(argv: list[str]) -> int:
    out = ["# Benchmark results", "", *machine(), ""]
    failures = 0
    for script in scripts(argv):
        print(f"==> {script.name}", flush=True)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              cwd=HERE.parent, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
        took = time.perf_counter() - started
        print(proc.stdout, end="")
        if proc.returncode != 0:
            failures += 1
            print(proc.stderr, file=sys.stderr)
        out += [f"## {script.stem}", "", f"Exit code {proc.returncode}, {took:.0f} s.", "",
                "```", proc.stdout.strip() or "(no output)", "```", ""]
        if proc.returncode != 0:
            out += ["stderr (last lines):", "", "```",
                    "\n".join(proc.stderr.strip().splitlines()[-20:]), "```", ""]
    RESULTS.write_text("\n".join(out))
    print(f"wrote {RESULTS}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
