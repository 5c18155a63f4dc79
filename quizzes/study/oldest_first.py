"""A thread pool that runs the work of the oldest request first.

A thread pool queues work in the order it is submitted.  But a front end submits a
request's database work some while after the request arrived: /review first sends its
deferral to Discord and waits for the answer.  When a class types /review together, the
learners served first are already clicking by the time the last /reviews get to the
database, and in submission order each of those clicks went ahead of a /review that had
been waiting longer (bench/bot_load.py: the slowest replies were all /review).

So each piece of work carries when its request arrived (:data:`request_arrived`, set by
the front end when it takes a request on; unset, the moment of submission), and the
idle thread takes the oldest.  Among equals, first come first served.
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")

# time.monotonic() when the request this work serves arrived; set per asyncio task
request_arrived: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "request_arrived", default=None
)

_STOP = float("inf")  # a stop order sorts after all work, so queued work is done first


class _Work:
    def __init__(self, future: Future[Any], fn: Callable[..., Any], args: Any, kwargs: Any):
        self.future, self.fn, self.args, self.kwargs = future, fn, args, kwargs

    def run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as failure:  # handed to whoever awaits the future
            self.future.set_exception(failure)
        else:
            self.future.set_result(result)


class OldestFirstExecutor(Executor):
    """``max_workers`` threads, each taking the oldest request's work that is waiting."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "oldest-first") -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        self.max_workers = max_workers
        self._prefix = thread_name_prefix
        self._queue: list[tuple[float, int, _Work | None]] = []  # a heap; None: a stop order
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._shut_down = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        arrived = request_arrived.get()
        future: Future[T] = Future()
        with self._ready:
            if self._shut_down:
                raise RuntimeError("cannot schedule new work after shutdown")
            since = time.monotonic() if arrived is None else arrived
            heapq.heappush(self._queue, (since, next(self._order), _Work(future, fn, args, kwargs)))
            if self._idle:  # wake one, counted out at once so the next submit wakes another
                self._idle -= 1
                self._ready.notify()
            elif len(self._threads) < self.max_workers:
                self._start_thread()
        return future

    def _start_thread(self) -> None:
        thread = threading.Thread(
            target=self._work, name=f"{self._prefix}_{len(self._threads)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._idle += 1  # submit counts it out when it wakes this thread
                    self._ready.wait()
                _, _, work = heapq.heappop(self._queue)
            if work is None:
                return
            work.run()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No new work from now on; the work queued still runs (``cancel_futures``: it is
        cancelled instead), then the threads end (``wait``: and this waits for them)."""
        with self._ready:
            if not self._shut_down:
                self._shut_down = True
                if cancel_futures:
                    for _, _, work in self._queue:
                        if work is not None:
                            work.future.cancel()
                    self._queue = []
                for _ in self._threads:
                    heapq.heappush(self._queue, (_STOP, next(self._order), None))
                self._ready.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()
