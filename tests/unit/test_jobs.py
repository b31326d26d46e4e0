"""The job runner's scheduling: when a job runs again right away, and when it waits."""

from __future__ import annotations

from typing import Any

from reshare.jobs import Job, JobRunner


def _runner(job: Job) -> JobRunner:
    return JobRunner(platform=None, jobs=[job])  # type: ignore[arg-type]


def _due_now(runner: JobRunner, name: str) -> bool:
    import time

    return runner._next[name] <= time.monotonic()


def test_a_full_batch_runs_again_at_once_a_partial_one_waits() -> None:
    handled = iter([5, 3])
    job = Job("j", 60.0, lambda platform: next(handled), batch=5)
    runner = _runner(job)
    assert runner.run_once() == 5 and _due_now(runner, "j")  # more may be waiting
    assert runner.run_once() == 3 and not _due_now(runner, "j")  # nothing else was due


def test_a_wake_while_running_is_not_lost() -> None:
    runner: JobRunner

    def run(platform: Any) -> int:
        runner.wake("j")  # e.g. a commit queued a message while the batch was sent
        return 1

    runner = _runner(Job("j", 60.0, run, batch=5))
    assert runner.run_once() == 1 and _due_now(runner, "j")


def test_a_job_without_a_batch_size_runs_again_while_it_finds_work() -> None:
    handled = iter([1, 0])
    runner = _runner(Job("j", 60.0, lambda platform: next(handled)))
    runner.run_once()
    assert _due_now(runner, "j")
    runner.run_once()
    assert not _due_now(runner, "j")
