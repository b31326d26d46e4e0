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


def speed() -> float:
    """CPU seconds a fixed pure-Python workload takes now: the shared machine's speed varies
    by half within an hour, so figures are comparable only with this next to them."""
    started = time.process_time()
    for _ in range(3):
        table: dict[int, str] = {}
        for i in range(1_000_000):
            table[i % 1000] = str(i)
    return time.process_time() - started


def scripts(selected: list[str]) -> list[Path]:
    found = sorted(p for p in HERE.glob("*_*.py") if not p.name.startswith("_"))
    if selected:
        found = [p for p in found if any(s in p.stem for s in selected)]
    return found


def main(argv: list[str]) -> int:
    """Run the benchmarks (all, or those whose names contain an argument); each one's report
    is kept in benchmarks/results/<name>.md, and results.md is assembled from all of them, so a
    re-run of one benchmark keeps the others' figures (each with its own date and load)."""
    extra: list[str] = []
    if "--" in argv:  # arguments after -- go to the benchmark scripts
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    sections = HERE / "results"
    sections.mkdir(exist_ok=True)
    failures = 0
    for script in scripts(argv):
        print(f"==> {script.name}", flush=True)
        conditions = machine()
        before = speed()
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script), *extra], capture_output=True,
                              text=True,
                              cwd=HERE.parent, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
        took = time.perf_counter() - started
        print(proc.stdout, end="")
        conditions.append(f"- Machine speed: a fixed pure-Python workload took {before:.2f} s of "
                          f"CPU before the run and {speed():.2f} s after (lower is faster; a rough "
                          "guide only: it misses much of what slows the servers)")
        out = [f"## {script.stem}", "", *conditions,
               f"- Arguments: {' '.join(extra) or '(defaults)'}; exit code {proc.returncode}, "
               f"{took:.0f} s", "", "```", proc.stdout.strip() or "(no output)", "```", ""]
        if proc.returncode != 0:
            failures += 1
            print(proc.stderr, file=sys.stderr)
            out += ["stderr (last lines):", "", "```",
                    "\n".join(proc.stderr.strip().splitlines()[-20:]), "```", ""]
        (sections / f"{script.stem}.md").write_text("\n".join(out))
    parts = [p.read_text() for p in sorted(sections.glob("*.md"))]
    RESULTS.write_text("\n".join(["# Benchmark results", "",
                                   "Written by `make bench` (`python -m benchmarks.run [name...]`)."
                                   " Each section says when it ran and how loaded the shared "
                                   "2-core machine was.", "", *parts]))
    print(f"wrote {RESULTS}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
