"""Pictures drawn in worker processes, so drawing never stalls the event loop.

A circuit diagram (Pillow, quizzes/diagram.py) takes 1–5 ms and is drawn when the
problem is served, while the learner works on it; the instructors' /stats chart
(matplotlib, ~0.1 s, which holds the GIL while it draws) goes to the same workers.
Worker processes have their own GIL.  They come from a ``forkserver`` that has
imported the diagram renderer once, so a new worker starts in milliseconds (a worker
imports matplotlib only when it first draws a chart); the pool is created on the
first picture, from a thread (the first fork waits for the server's imports, which
must not stall the event loop), and shut down by the bot's shutdown hooks.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal

from quizzes.autograd import GateRow
from quizzes.diagram import render_circuit

log = logging.getLogger(__name__)

MAX_WORKERS = 4  # a worker holds ~40 MB (more once it has drawn a chart with matplotlib)
PRELOADED_MODULES = ["quizzes.diagram"]


ChartKind = Literal["class", "learner"]


def draw_chart(kind: ChartKind, stats: Any) -> bytes:
    """In a worker: the chart, importing matplotlib there on first use."""
    from quizzes.instructor import charts

    return charts.class_chart_png(stats) if kind == "class" else charts.learner_chart_png(stats)


WORKER_NICENESS = 10  # a picture can wait a few milliseconds; the event loop cannot


def yield_the_cpu() -> None:
    """In a new worker: a lower scheduling priority, so on a small host drawing never
    takes a core from the bot's event loop (whose lag is every learner's wait)."""
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # not POSIX, or not permitted: draw at normal priority
        pass


def available_cores() -> int:
    """The cores this process may run on (not the machine's, under a CPU affinity mask)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_worker_count() -> int:
    return max(1, min(MAX_WORKERS, available_cores()))


def worker_context() -> multiprocessing.context.BaseContext:
    """forkserver where the platform has it (a fork of a clean, single-threaded server
    that preloaded matplotlib); spawn elsewhere.  Never a plain fork of the bot, whose
    threads (the event loop's executor, aiohttp's resolver) may hold locks."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED_MODULES)
        return context
    return multiprocessing.get_context("spawn")


class DiagramRenderer:
    """PNG bytes of a circuit (or a chart), drawn by a lazily started pool of workers."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else default_worker_count()
        self._pool: ProcessPoolExecutor | None = None
        self._starting = asyncio.Lock()

    @property
    def started(self) -> bool:
        return self._pool is not None

    async def render(self, gates: Sequence[GateRow], title: str) -> bytes | None:
        """The diagram, or None if the workers died (the learner still gets the result)."""
        pool = self._pool or await self.start()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, render_circuit, tuple(gates), title)
        except BrokenProcessPool:
            log.warning("a diagram worker died; starting new workers for the next diagram")
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            return None

    async def chart(self, kind: ChartKind, stats: object) -> bytes:
        """An instructor's chart ("class" or "learner") of ``stats``, drawn in a worker with
        matplotlib, which the bot's own process never imports.  A worker that died is
        replaced and the chart tried once more."""
        for attempt in (1, 2):
            pool = self._pool or await self.start()
            try:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(pool, draw_chart, kind, stats)
            except BrokenProcessPool:
                if self._pool is pool:
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def start(self) -> ProcessPoolExecutor:
        """The worker pool, started (off the event loop) if it is not running yet."""
        async with self._starting:
            if self._pool is None:
                self._pool = await asyncio.to_thread(self._start_workers)
            return self._pool

    def _start_workers(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=worker_context(), initializer=yield_the_cpu
        )
        # one trivial job per worker forks them all now rather than one by one on demand
        wait([pool.submit(os.getpid) for _ in range(self.workers)])
        log.debug("started %d diagram worker processes", self.workers)
        return pool

    async def close(self) -> None:
        """Stop the workers (waiting, in a thread, for a render still running)."""
        async with self._starting:
            pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
