"""Pictures drawn in worker processes, so drawing never stalls the event loop.

A circuit diagram (Pillow, quizzes/diagram.py) takes 1–5 ms and is drawn when the
problem is served, while the learner works on it; the instructors' /stats chart
(matplotlib, ~0.1 s, which holds the GIL while it draws) goes to the same workers.
Worker processes have their own GIL.  They come from a ``forkserver`` that has
imported the diagram renderer once, so a new worker starts in milliseconds (a worker
imports matplotlib only when it first draws a chart); the workers are started on the
first picture, from a thread (the first fork waits for the server's imports, which
must not stall the event loop), and stopped by the bot's shutdown hooks.

The event loop itself writes each job to a worker's pipe and reads the answer from
another: no thread in the bot's process takes part.  (With ProcessPoolExecutor, whose
manager and feeder threads woke for every job and took the GIL from the event loop in
bursts, bench/bot_load.py's longest event-loop stall with diagrams on was ~190 ms in
about half the runs and throughput ~15 % lower than with fixed bytes; see issue 14.)
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import struct
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Literal, TypeVar

from quizzes.autograd import GateRow
from quizzes.diagram import render_circuit

log = logging.getLogger(__name__)

MAX_WORKERS = 4  # a worker holds ~40 MB (more once it has drawn a chart with matplotlib)
PRELOADED_MODULES = ["quizzes.diagram"]
STOP_SECONDS = 5.0  # closing waits this long for the workers to finish what they hold
# multiprocessing.Connection's framing, which the worker reads and writes with recv_bytes
# and send_bytes: a signed 4-byte big-endian length (-1: an 8-byte length follows)
FRAME, LONG_FRAME = struct.Struct("!i"), struct.Struct("!Q")
T = TypeVar("T")


ChartKind = Literal["class", "learner"]


def draw_chart(kind: ChartKind, stats: Any) -> bytes:
    """In a worker: the chart, importing matplotlib there on first use."""
    from quizzes.instructor import charts

    return charts.class_chart_png(stats) if kind == "class" else charts.learner_chart_png(stats)


# A picture can wait a few milliseconds; the event loop cannot.  The lowest priority: at
# nice 10, a burst of 200 diagrams (bench/bot_load.py) still stalled the event loop for
# 150-200 ms in about half the runs on 2 cores, at 19 in none of the runs tried.
WORKER_NICENESS = 19


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


class WorkerDied(Exception):
    """The worker drawing a picture exited before answering (killed, out of memory)."""


def serve_jobs(jobs: Connection, answers: Connection) -> None:
    """A worker's life: run each ``(function, args)`` job in turn, answer ``(ok, value)``,
    until the bot closes the jobs pipe."""
    yield_the_cpu()
    while True:
        try:
            function, args = pickle.loads(jobs.recv_bytes())  # noqa: S301 - from our own bot
        except EOFError:
            return
        try:
            answer = pickle.dumps((True, function(*args)))
        except Exception as error:  # noqa: BLE001 - the caller's to raise
            try:
                answer = pickle.dumps((False, error))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                answer = pickle.dumps((False, RuntimeError(repr(error))))
        answers.send_bytes(answer)


class Worker:
    """One worker process and its two pipes, which the event loop reads and writes.

    Jobs are answered in the order sent, so the futures wait in a queue."""

    def __init__(self, process: BaseProcess, jobs: Connection, answers: Connection) -> None:
        self.process = process
        self._jobs, self._answers = jobs, answers
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.alive = True
        self._writer: asyncio.WriteTransport | None = None
        self.listening: asyncio.Task[None] | None = None

    @classmethod
    def start(cls, context: multiprocessing.context.BaseContext) -> Worker:
        """Start the process (blocking: run it in a thread)."""
        jobs_read, jobs_write = context.Pipe(duplex=False)
        answers_read, answers_write = context.Pipe(duplex=False)
        process = context.Process(  # type: ignore[attr-defined]
            target=serve_jobs, args=(jobs_read, answers_write), name="chainrule-diagrams"
        )
        process.daemon = True
        process.start()
        jobs_read.close()  # the worker's ends: closed here, so its exit reads as EOF
        answers_write.close()
        return cls(process, jobs_write, answers_read)

    async def attach(self) -> None:
        """Hand the pipes to the event loop and start reading answers."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self._answers)
        writer, _ = await loop.connect_write_pipe(asyncio.BaseProtocol, self._jobs)
        self._writer = writer
        self.listening = loop.create_task(self._listen(reader), name="chainrule-diagram-answers")

    def submit(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        if self._writer is None or not self.alive:
            raise WorkerDied("the worker is not running")
        job = pickle.dumps((function, args))
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        self._writer.write(FRAME.pack(len(job)) + job)
        return future

    async def _listen(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (size,) = FRAME.unpack(await reader.readexactly(FRAME.size))
                if size == -1:
                    (size,) = LONG_FRAME.unpack(await reader.readexactly(LONG_FRAME.size))
                ok, value = pickle.loads(await reader.readexactly(size))  # noqa: S301 - our worker
                future = self.waiting.popleft()
                if future.done():  # its caller stopped waiting
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker exited: closed, or died
        finally:
            self.alive = False
            while self.waiting:
                future = self.waiting.popleft()
                if not future.done():
                    future.set_exception(WorkerDied(f"diagram worker {self.process.pid} exited"))
            if self._writer is not None:
                self._writer.close()

    def stop_taking_jobs(self) -> None:
        """Close the jobs pipe: the worker answers what it holds, then exits."""
        if self._writer is not None:
            self._writer.close()

    def join(self, timeout: float) -> None:  # blocking: run it in a thread
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)


class DiagramRenderer:
    """PNG bytes of a circuit (or a chart), drawn by workers started when first needed."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else default_worker_count()
        self._running: list[Worker] = []
        self._starting = asyncio.Lock()

    @property
    def started(self) -> bool:
        return bool(self._running)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._running if w.alive and w.process.pid is not None]

    async def render(self, gates: Sequence[GateRow], title: str) -> bytes | None:
        """The diagram, or None if its worker died (the learner still gets the result)."""
        worker = await self._least_busy()
        try:
            return await worker.submit(render_circuit, tuple(gates), title)
        except WorkerDied:
            log.warning("a diagram worker died; a new one will draw the next diagram")
            return None

    async def chart(self, kind: ChartKind, stats: object) -> bytes:
        """An instructor's chart ("class" or "learner") of ``stats``, drawn in a worker with
        matplotlib, which the bot's own process never imports.  A worker that died is
        replaced and the chart tried once more."""
        for attempt in (1, 2):
            worker = await self._least_busy()
            try:
                return await worker.submit(draw_chart, kind, stats)
            except WorkerDied:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _least_busy(self) -> Worker:
        alive = [w for w in self._running if w.alive]
        if len(alive) < self.workers:  # the first picture, or a worker died
            await self.start()
            alive = [w for w in self._running if w.alive]
        return min(alive, key=lambda w: len(w.waiting))

    async def start(self) -> None:
        """Start the missing workers (off the event loop: forking waits for the server)."""
        async with self._starting:
            self._running = [w for w in self._running if w.alive]
            missing = self.workers - len(self._running)
            if missing <= 0:
                return
            context = worker_context()
            started = await asyncio.to_thread(
                lambda: [Worker.start(context) for _ in range(missing)]
            )
            for worker in started:
                await worker.attach()
            self._running += started
            log.debug("started %d diagram worker processes", missing)

    async def close(self) -> None:
        """Stop the workers, once they have answered what they hold (at most STOP_SECONDS)."""
        async with self._starting:
            stopping, self._running = self._running, []
        for worker in stopping:
            worker.stop_taking_jobs()
        listening = [w.listening for w in stopping if w.listening is not None]
        if listening:
            await asyncio.wait(listening, timeout=STOP_SECONDS)
        for worker in stopping:
            await asyncio.to_thread(worker.join, STOP_SECONDS)
