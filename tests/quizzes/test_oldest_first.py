"""The study service's thread pool: the oldest request's work first, else a thread pool."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import Any

import pytest

from quizzes.study.oldest_first import OldestFirstExecutor, request_arrived

WAIT = 10  # seconds: only ever reached if the executor is broken


def submit_as_of(
    executor: OldestFirstExecutor, arrived: float | None, fn: Callable[..., Any], *args: Any
) -> Future[Any]:
    """Submit as a request that arrived at ``arrived`` would (None: no arrival known)."""

    def as_that_request() -> Future[Any]:
        if arrived is not None:
            request_arrived.set(arrived)
        return executor.submit(fn, *args)

    return contextvars.copy_context().run(as_that_request)


def busy(executor: OldestFirstExecutor) -> tuple[threading.Event, Future[Any]]:
    """Occupy the executor's one thread until the returned event is set."""
    release, started = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(WAIT)

    held = executor.submit(hold)
    assert started.wait(WAIT)
    return release, held


def test_the_oldest_requests_work_runs_first_and_equals_in_order() -> None:
    executor = OldestFirstExecutor(1)
    release, _ = busy(executor)
    ran: list[str] = []
    futures = [
        submit_as_of(executor, arrived, ran.append, name)
        for arrived, name in [(30.0, "late"), (10.0, "oldest"), (20.0, "b"), (20.0, "c")]
    ]
    release.set()
    for future in futures:
        future.result(WAIT)
    assert ran == ["oldest", "b", "c", "late"]
    executor.shutdown()


def test_work_of_no_known_request_counts_from_when_it_was_submitted() -> None:
    executor = OldestFirstExecutor(1)
    release, _ = busy(executor)
    ran: list[str] = []
    unknown = submit_as_of(executor, None, ran.append, "unknown")  # now, by time.monotonic
    old = submit_as_of(executor, 0.0, ran.append, "arrived long ago")
    release.set()
    unknown.result(WAIT), old.result(WAIT)
    assert ran == ["arrived long ago", "unknown"]
    executor.shutdown()


def test_results_and_errors_reach_the_future() -> None:
    executor = OldestFirstExecutor(2)
    assert executor.submit(pow, 2, 10).result(WAIT) == 1024
    with pytest.raises(ZeroDivisionError):
        executor.submit(lambda: 1 / 0).result(WAIT)
    executor.shutdown()


def test_no_more_threads_than_max_workers_however_much_waits() -> None:
    executor = OldestFirstExecutor(3)
    release = threading.Event()
    names: set[str] = set()
    lock = threading.Lock()

    def note() -> None:
        with lock:
            names.add(threading.current_thread().name)
        release.wait(0.05)

    futures = [executor.submit(note) for _ in range(12)]
    release.set()
    for future in futures:
        future.result(WAIT)
    assert len(names) <= 3 and all(name.startswith("oldest-first_") for name in names)
    executor.shutdown()


def test_shutdown_finishes_queued_work_and_then_refuses_more() -> None:
    executor = OldestFirstExecutor(1)
    release, held = busy(executor)
    queued = executor.submit(str, 7)
    threading.Timer(0.05, release.set).start()
    executor.shutdown(wait=True)
    assert held.done() and queued.result(0) == "7"
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(str, 8)


def test_shutdown_can_cancel_what_has_not_started() -> None:
    executor = OldestFirstExecutor(1)
    release, held = busy(executor)
    queued = executor.submit(str, 7)
    executor.shutdown(wait=False, cancel_futures=True)
    release.set()
    held.result(WAIT)
    with pytest.raises(CancelledError):
        queued.result(WAIT)
    executor.shutdown(wait=True)  # again: waits for the threads, changes nothing else


def test_at_least_one_worker() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        OldestFirstExecutor(0)
