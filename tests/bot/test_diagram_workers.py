"""The bot's diagram workers: the same PNGs as drawing in-process, errors that reach the
caller, a dead worker costing one diagram only, and a pool that starts when needed."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator

import pytest

from bot.diagrams import WORKER_NICENESS, DiagramRenderer, default_worker_count
from quizzes.diagram import DiagramError, render_circuit
from quizzes.problems import FAMILIES
from quizzes.problems.base import Problem

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def circuit_problems() -> list[Problem]:
    problems = [FAMILIES[family].generate(random.Random(7), 1) for family in sorted(FAMILIES)]
    return [problem for problem in problems if problem.gates]


@pytest.fixture
async def renderer() -> AsyncIterator[DiagramRenderer]:
    renderer = DiagramRenderer(workers=1)
    yield renderer
    await renderer.close()


def test_the_pool_is_sized_to_the_cores_within_bounds() -> None:
    assert 1 <= default_worker_count() <= min(4, os.cpu_count() or 1)


async def test_workers_draw_what_drawing_in_process_draws(renderer: DiagramRenderer) -> None:
    problems = circuit_problems()
    assert len(problems) >= 2
    drawn = await asyncio.gather(*(renderer.render(p.gates, p.formula) for p in problems))
    for problem, png in zip(problems, drawn, strict=True):
        assert png is not None and png.startswith(PNG_SIGNATURE)
        assert png == render_circuit(problem.gates, problem.formula)


async def test_a_table_that_cannot_be_drawn_raises_in_the_caller(
    renderer: DiagramRenderer,
) -> None:
    with pytest.raises(DiagramError):
        await renderer.render([], "nothing")


async def test_the_pool_starts_on_the_first_diagram_and_again_after_closing(
    renderer: DiagramRenderer,
) -> None:
    [problem, *_] = circuit_problems()
    assert not renderer.started
    assert await renderer.render(problem.gates, problem.formula)
    assert renderer.started
    await renderer.close()
    assert not renderer.started
    await renderer.close()  # closing twice is harmless
    assert await renderer.render(problem.gates, problem.formula)


async def test_a_dead_worker_costs_one_diagram_and_new_workers_draw_the_next(
    renderer: DiagramRenderer, caplog: pytest.LogCaptureFixture
) -> None:
    [problem, *_] = circuit_problems()
    await renderer.start()
    [worker_pid] = renderer.worker_pids()
    assert worker_pid != os.getpid()
    os.kill(worker_pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="bot.diagrams"):
        assert await renderer.render(problem.gates, problem.formula) is None
    assert "worker died" in caplog.text
    assert await renderer.render(problem.gates, problem.formula) is not None


def test_the_bots_own_process_never_loads_matplotlib() -> None:
    # the circuit diagrams are Pillow's and the /stats charts are drawn in the workers
    code = "import sys, bot.app, bot.cogs.stats; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


async def test_drawing_runs_no_thread_in_the_bots_process() -> None:
    # the event loop writes the jobs and reads the answers itself (no executor threads
    # to take the GIL from it); eight diagrams at once spread over two workers
    renderer = DiagramRenderer(workers=2)
    try:
        await renderer.start()
        threads = threading.active_count()
        problems = circuit_problems() * 2
        drawn = await asyncio.gather(*(renderer.render(p.gates, p.formula) for p in problems))
        assert all(png is not None for png in drawn)
        assert threading.active_count() == threads
        assert len(set(renderer.worker_pids())) == 2
    finally:
        await renderer.close()


async def test_closing_lets_the_workers_answer_what_they_hold(renderer: DiagramRenderer) -> None:
    problems = circuit_problems()
    await renderer.start()
    drawing = [asyncio.create_task(renderer.render(p.gates, p.formula)) for p in problems]
    await asyncio.sleep(0)  # the jobs are sent to the running worker
    assert sum(len(worker.waiting) for worker in renderer._running) == len(problems)
    await renderer.close()
    drawn = await asyncio.gather(*drawing)
    assert all(png is not None and png.startswith(PNG_SIGNATURE) for png in drawn)
    assert not renderer.started


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX scheduling priorities")
async def test_workers_draw_at_the_lowest_priority(renderer: DiagramRenderer) -> None:
    [problem, *_] = circuit_problems()
    assert await renderer.render(problem.gates, problem.formula)  # the worker is running
    [worker_pid] = renderer.worker_pids()
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker_pid) == min(19, mine + WORKER_NICENESS)
