"""Running the real discord.py client against the double, for tests and the benchmark.

Pointing discord.py at the double takes exactly two class attributes:
``discord.http.Route.BASE`` (REST, webhooks, interaction callbacks) and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``. Nothing else is patched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import discord
import yarl

from tests.e2e.driver import DiscordDouble

GUILD_READY_TIMEOUT = 0.05  # seconds; discord.py's default (2 s) would slow every start


@contextlib.contextmanager
def discord_pointed_at(double: DiscordDouble) -> Iterator[None]:
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = double.rest_base  # type: ignore[misc]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(double.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base  # type: ignore[misc]
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


async def _identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    """Replaces the 5 s pause discord.py takes before a re-IDENTIFY."""


@contextlib.asynccontextmanager
async def running(
    client: discord.Client, double: DiscordDouble, *, timeout: float = 15.0
) -> AsyncIterator[discord.Client]:
    """Log ``client`` in against the double, wait until it is ready, close it on exit."""
    client.before_identify_hook = _identify_at_once  # type: ignore[method-assign]
    await client.login(double.token)
    connection = asyncio.create_task(client.connect(), name="discord-connect")
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {connection, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if connection in done:
                connection.result()  # re-raises why the connection ended
            raise AssertionError(f"the bot was not ready within {timeout} s:\n{double.summary()}")
        yield client
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(connection, timeout=timeout)


class ErrorLogGuard(logging.Handler):
    """Collects ERROR records: discord.py only logs exceptions raised in callbacks."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.allowed: list[Callable[[logging.LogRecord], bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def allow(self, predicate: Callable[[logging.LogRecord], bool]) -> None:
        """Accept records the test provokes on purpose (e.g. an unexpected-error report)."""
        self.allowed.append(predicate)

    def unexpected(self) -> list[logging.LogRecord]:
        return [r for r in self.records if not any(allow(r) for allow in self.allowed)]

    def describe(self) -> str | None:
        unexpected = self.unexpected()
        if not unexpected:
            return None
        formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        return "\n".join(formatter.format(r) for r in unexpected)

    @contextlib.contextmanager
    def installed(self) -> Iterator[ErrorLogGuard]:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)
