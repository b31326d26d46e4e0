"""Reading RESHARE_CPU_AFFINITY's CPU lists, and pinning a whole process with it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from reshare.cpus import AffinityError, format_cpus, parse_cpus


@pytest.mark.parametrize(("text", "cpus"), [
    ("0", {0}), ("0,2", {0, 2}), ("1-3", {1, 2, 3}), (" 0 , 4-5 ", {0, 4, 5}), ("2,2", {2}),
])
def test_cpu_lists_are_read_as_linux_writes_them(text: str, cpus: set[int]) -> None:
    assert parse_cpus(text) == cpus


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"), (",", "empty"), ("a", "not a CPU list"), ("1-", "not a CPU list"),
    ("-1", "not a CPU list"), ("3-1", "from the lower"), ("0;1", "not a CPU list"),
])
def test_a_bad_cpu_list_says_what_to_give(text: str, says: str) -> None:
    with pytest.raises(AffinityError, match=says):
        parse_cpus(text)


def test_cpu_sets_are_written_back_as_ranges() -> None:
    assert format_cpus({0, 1, 2, 5}) == "0-2,5"
    assert format_cpus({3}) == "3"
    assert parse_cpus(format_cpus({0, 2, 3, 4, 9})) == {0, 2, 3, 4, 9}


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_pinning_covers_threads_started_before_and_after() -> None:
    """In a process of its own (pinning this one would slow the rest of the suite)."""
    cpu = min(os.sched_getaffinity(0))
    script = textwrap.dedent(f"""
        import os, threading
        from reshare.cpus import pin_process
        stop = threading.Event()
        before = threading.Thread(target=stop.wait); before.start()
        pin_process("{cpu}")
        after = threading.Thread(target=stop.wait); after.start()
        masks = [os.sched_getaffinity(int(t)) for t in os.listdir("/proc/self/task")]
        stop.set()
        print(len(masks), sorted({{tuple(sorted(m)) for m in masks}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split(maxsplit=1)
    assert int(out[0]) == 3  # the main thread and both others
    assert out[1].strip() == f"[({cpu},)]"


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_a_cpu_the_process_may_not_use_is_refused_with_the_ones_it_may() -> None:
    from reshare.cpus import pin_process

    allowed = os.sched_getaffinity(0)
    with pytest.raises(AffinityError, match=f"may use {format_cpus(allowed)}"):
        pin_process(str(max(allowed) + 1))
    assert os.sched_getaffinity(0) == allowed  # nothing changed
