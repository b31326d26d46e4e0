"""Pinning a process to CPUs (``RESHARE_CPU_AFFINITY``), Linux only.

A Python process runs Python code on one core at a time (the GIL), yet its threads (the
event loop, the API threads, the ISO 18626 senders) hand work to each other thousands of
times a second. When they are free to run on any core, each hand-over may wake another,
idle core, which on a virtual machine is slow to wake: the cores sit idle while there is
work. Pinned to one core, the threads take turns there. docs/operations.md has figures.
"""

from __future__ import annotations

import os
from pathlib import Path


class AffinityError(ValueError):
    """The CPU list cannot be used; the message says why and what to give instead."""


def parse_cpus(text: str) -> set[int]:
    """CPUs from a list such as ``0``, ``0,2`` or ``1-3`` (Linux's cpuset notation)."""
    cpus: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise AffinityError(f"{text!r} is not a CPU list: give CPU numbers and ranges, "
                                "e.g. 0 or 0,2 or 1-3")
        low, high = int(first), int(last) if dash else int(first)
        if high < low:
            raise AffinityError(f"{part!r}: a range goes from the lower CPU number up")
        cpus.update(range(low, high + 1))
    if not cpus:
        raise AffinityError("the CPU list is empty: give CPU numbers, e.g. 0, or leave the "
                            "setting unset to let the system place the process")
    return cpus


def pin_process(text: str) -> set[int]:
    """Pin this process, every thread it has and every thread it starts later, to the
    CPUs in ``text``; returns them. Raises :class:`AffinityError` when that cannot be."""
    cpus = parse_cpus(text)
    if not hasattr(os, "sched_setaffinity"):
        raise AffinityError("CPU affinity can be set on Linux only: leave "
                            "RESHARE_CPU_AFFINITY unset on this system")
    allowed = os.sched_getaffinity(0)
    missing = sorted(cpus - allowed)
    if missing:
        raise AffinityError(f"CPU(s) {', '.join(map(str, missing))} are not available to this "
                            f"process; it may use {format_cpus(allowed)}")
    set_affinity("self", cpus)
    return cpus


def set_affinity(pid: int | str, cpus: set[int]) -> None:
    """Set the CPUs of every thread of process ``pid`` (``"self"``: this one). A thread
    started later inherits the mask of the thread that starts it; threads that exist
    already (a library's) are set one by one."""
    for tid in [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]:
        try:
            os.sched_setaffinity(tid, cpus)
        except ProcessLookupError:  # the thread ended meanwhile
            continue


def format_cpus(cpus: set[int]) -> str:
    """``{0, 1, 2, 5}`` as ``0-2,5``."""
    runs: list[list[int]] = []  # [first, last] of each run of consecutive CPUs
    for cpu in sorted(cpus):
        if runs and cpu == runs[-1][1] + 1:
            runs[-1][1] = cpu
        else:
            runs.append([cpu, cpu])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
