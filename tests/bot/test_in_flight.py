"""Closing waits for the interaction handlers in flight, within a grace time; and the
garbage-collector settings of a long-running bot process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from bot.client import GC_YOUNG_THRESHOLD
from bot.in_flight import InFlightInteractions

REPOSITORY = Path(__file__).resolve().parents[2]


async def handler(in_flight: InFlightInteractions, work: asyncio.Event) -> str:
    in_flight.adopt_current_task()  # what every interaction_check does, via bot.admit
    await work.wait()
    return "replied"


async def test_draining_waits_for_a_handler_that_finishes_in_time() -> None:
    in_flight = InFlightInteractions()
    work = asyncio.Event()
    task = asyncio.create_task(handler(in_flight, work))
    await asyncio.sleep(0)
    assert len(in_flight) == 1
    draining = asyncio.create_task(in_flight.drain(grace_seconds=30))
    await asyncio.sleep(0)
    assert in_flight.closing and not draining.done()
    work.set()
    assert await draining == 0
    assert task.result() == "replied" and len(in_flight) == 0


async def test_a_handler_admitted_while_draining_is_waited_for_too() -> None:
    in_flight = InFlightInteractions()
    first, second = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(handler(in_flight, first))]
    await asyncio.sleep(0)
    draining = asyncio.create_task(in_flight.drain(grace_seconds=30))
    tasks.append(asyncio.create_task(handler(in_flight, second)))
    await asyncio.sleep(0)
    first.set()
    await tasks[0]
    await asyncio.sleep(0)
    assert not draining.done()
    second.set()
    assert await draining == 0


async def test_a_handler_past_the_grace_time_is_cancelled() -> None:
    in_flight = InFlightInteractions()
    task = asyncio.create_task(handler(in_flight, asyncio.Event()))
    await asyncio.sleep(0)
    assert await in_flight.drain(grace_seconds=0.01) == 1
    assert task.cancelled()


async def test_a_handler_that_closes_the_bot_does_not_wait_for_itself() -> None:
    in_flight = InFlightInteractions()

    async def closing_handler() -> int:
        in_flight.adopt_current_task()
        return await in_flight.drain(grace_seconds=30)

    assert await asyncio.wait_for(closing_handler(), timeout=30) == 0


def test_a_bot_process_freezes_its_start_up_heap_and_collects_young_objects_less_often() -> None:
    script = textwrap.dedent(
        """
        import gc, json
        from bot.client import tune_garbage_collector
        before = gc.get_threshold()
        tune_garbage_collector()
        frozen = gc.get_freeze_count()
        tune_garbage_collector()  # a second call changes nothing
        print(json.dumps([before, gc.get_threshold(), frozen, gc.get_freeze_count()]))
        """
    )
    finished = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    before, after, frozen, frozen_again = json.loads(finished.stdout)
    assert after == [GC_YOUNG_THRESHOLD, *before[1:]]
    assert frozen > 10_000 and frozen_again == frozen
