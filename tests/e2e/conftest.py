"""Fixtures for end-to-end tests: the Discord API double, discord.py pointed at it,
and a guard that fails the test on any ERROR log record (discord.py swallows
exceptions raised in callbacks and only logs them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator

import pytest

from bot.client import ChainruleBot
from quizzes.storage.db import Database
from quizzes.study import StudyService
from tests.e2e.chainrule import SteppingClock, chainrule_running, make_service
from tests.e2e.driver import DiscordDouble
from tests.e2e.harness import ErrorLogGuard, discord_pointed_at
from tests.e2e.payloads import FakeGuild, FakeUser

ERROR_LOG_GUARD = pytest.StashKey[ErrorLogGuard]()


@pytest.fixture(autouse=True)
def error_logs(request: pytest.FixtureRequest) -> Iterator[ErrorLogGuard]:
    guard = ErrorLogGuard()
    request.node.stash[ERROR_LOG_GUARD] = guard
    with guard.installed():
        yield guard
    problem = guard.describe()
    if problem:  # logged while the bot shut down, after the test body passed
        pytest.fail(f"ERROR records were logged:\n{problem}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    guard = item.stash.get(ERROR_LOG_GUARD, None)
    problem = guard.describe() if guard is not None else None
    if problem:
        guard.records.clear()  # reported here as a failure, not again at teardown
        raise AssertionError(f"ERROR records were logged during the test:\n{problem}")
    return result


@pytest.fixture
async def double(error_logs: ErrorLogGuard) -> AsyncIterator[DiscordDouble]:
    double = DiscordDouble()
    double.failure_probe = error_logs.describe
    await double.start()
    try:
        with discord_pointed_at(double):
            yield double
    finally:
        await double.stop()
    if double.errors:
        pytest.fail(
            "the Discord double rejected requests:\n" + "\n".join(double.errors), pytrace=False
        )


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
async def service(database: Database, clock: SteppingClock) -> AsyncIterator[StudyService]:
    service = make_service(database, clock)
    yield service
    await service.close()


@pytest.fixture
def guild(double: DiscordDouble) -> FakeGuild:
    return double.add_guild()


@pytest.fixture
def ada(double: DiscordDouble, guild: FakeGuild) -> FakeUser:
    return double.add_user("ada", guild=guild)


@pytest.fixture
async def chainrule(
    double: DiscordDouble, guild: FakeGuild, service: StudyService
) -> AsyncIterator[ChainruleBot]:
    """chainrule's real bot, logged in to the double and ready."""
    async with chainrule_running(double, guild, service) as bot:
        yield bot
