"""SIGTERM and SIGINT close the running bot and its shutdown hooks, through the Discord double."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable

import pytest

from bot.app import create_bot
from bot.runner import run_until_stopped
from bot.settings import Settings
from quizzes.storage.db import Database
from quizzes.study import StudyService
from tests.e2e.driver import DiscordDouble
from tests.e2e.harness import GUILD_READY_TIMEOUT, discord_pointed_at


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    double = DiscordDouble()
    await double.start()
    try:
        with discord_pointed_at(double):
            yield double
    finally:
        await double.stop()
    assert not double.errors


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_shuts_the_bot_down_cleanly(
    double: DiscordDouble, database: Database, signum: signal.Signals
) -> None:
    guild = double.add_guild()
    service = StudyService(database)
    settings = Settings(token=double.token, dev_guild_id=guild.id)
    bot = create_bot(settings, service, guild_ready_timeout=GUILD_READY_TIMEOUT)
    closed_when_hook_ran: list[bool] = []

    async def stop_scheduler() -> None:
        closed_when_hook_ran.append(bot.is_closed())

    bot.shutdown_hooks.append(stop_scheduler)
    serving = asyncio.create_task(run_until_stopped(bot, settings.token))
    try:
        await wait_until(lambda: bot.is_ready() or serving.done())
        assert not serving.done(), "the bot stopped before it was ready"
        assert double.synced_command("review", guild) is not None
        os.kill(os.getpid(), signum)  # handled by the loop: run_until_stopped installed it
        await asyncio.wait_for(serving, timeout=10)
    finally:
        await bot.close()
        await service.close()
    assert bot.is_closed()
    assert closed_when_hook_ran == [False]  # hooks run before the connection closes
    assert signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler)
