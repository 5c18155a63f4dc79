"""A burst of handlers begins a few per turn of the event loop, in the order they came."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import cast

import discord
import pytest

from bot.client import ChainruleBot
from bot.pacing import Pacer
from bot.settings import Settings
from quizzes.storage.db import Database
from quizzes.study import StudyService
from quizzes.study.oldest_first import request_arrived


class TurnCounter:
    """Counts the turns of the running event loop: a callback that reschedules itself."""

    def __init__(self) -> None:
        self.turn = 0
        self._running = True
        asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        if self._running:
            self.turn += 1
            asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        self._running = False


async def burst(pacer: Pacer, size: int) -> list[tuple[int, int]]:
    """``size`` handlers started in one turn; (handler number, turn it began in) in the
    order they began."""
    turns = TurnCounter()
    begun: list[tuple[int, int]] = []

    async def handler(number: int) -> None:
        await pacer.wait_turn()
        begun.append((number, turns.turn))

    await asyncio.gather(*(handler(number) for number in range(size)))
    turns.stop()
    return begun


async def test_a_burst_begins_a_few_per_turn_in_the_order_it_came() -> None:
    begun = await burst(Pacer(per_turn=8), 50)
    assert [number for number, _ in begun] == list(range(50))
    per_turn = Counter(turn for _, turn in begun)
    assert max(per_turn.values()) == 8  # never more; and the pacer does not idle
    assert len(per_turn) == 7  # 50 handlers: 8 per turn takes seven turns


async def test_without_the_pacer_the_whole_burst_begins_in_one_turn() -> None:
    """What the pacer is for (and proof that the turn counter can tell)."""
    turns = TurnCounter()
    begun: list[int] = []

    async def handler() -> None:
        begun.append(turns.turn)

    await asyncio.gather(*(handler() for _ in range(50)))
    turns.stop()
    assert len(set(begun)) == 1


async def test_a_lone_handler_waits_for_nothing() -> None:
    pacer = Pacer(per_turn=8)
    turns = TurnCounter()
    before = turns.turn
    await pacer.wait_turn()
    assert turns.turn == before  # returned without giving up the turn
    turns.stop()


async def test_a_handler_cancelled_while_queued_gives_up_its_place() -> None:
    pacer = Pacer(per_turn=1)
    order: list[str] = []

    async def handler(name: str) -> None:
        await pacer.wait_turn()
        order.append(name)

    first = asyncio.create_task(handler("first"))
    second = asyncio.create_task(handler("second"))
    third = asyncio.create_task(handler("third"))
    await asyncio.sleep(0)  # first began; second and third queue
    assert order == ["first"] and pacer.waiting == 2
    second.cancel()
    await asyncio.gather(first, third)
    assert order == ["first", "third"] and second.cancelled() and pacer.waiting == 0


def test_at_least_one_per_turn() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Pacer(per_turn=0)


async def test_an_admitted_handler_is_stamped_with_when_it_came(database: Database) -> None:
    """bot.admit tells the study service's pool when the interaction came, so its
    database work queues oldest first (quizzes.study.oldest_first); only in its own task."""
    service = StudyService(database)
    settings = Settings(token="unused", database_url="unused://")  # noqa: S106
    bot = ChainruleBot(settings, service)
    interaction = cast(discord.Interaction, object())  # admit reads it only when closing

    async def handler() -> tuple[float, float | None]:
        before = time.monotonic()
        assert await bot.admit(interaction)
        return before, request_arrived.get()

    before, arrived = await asyncio.create_task(handler())
    assert arrived is not None and before <= arrived <= time.monotonic()
    assert request_arrived.get() is None
    await service.close()
