"""No secret reaches a log: interaction tokens, in the lines discord.py itself writes at DEBUG
while the bot answers a real interaction through the double."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.client import ChainruleBot
from bot.logs import REDACTED, RedactingFormatter
from tests.e2e.chainrule import grade_first_card
from tests.e2e.double import FAKE_TOKEN
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import FakeUser


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every DEBUG line, formatted as ``chainrule run`` formats them (bot/logs.py)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter([FAKE_TOKEN]))
    discord_logger = logging.getLogger("discord")
    saved = discord_logger.level
    discord_logger.setLevel(logging.DEBUG)
    discord_logger.addHandler(handler)
    try:
        yield stream
    finally:
        discord_logger.removeHandler(handler)
        discord_logger.setLevel(saved)


async def test_interaction_tokens_never_reach_the_log(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, debug_log: io.StringIO
) -> None:
    await grade_first_card(double, ada, "Knew it")
    tokens = [record.token for record in double.interactions.values()]
    assert tokens  # the review's command and clicks, each with its own token
    written = debug_log.getvalue()
    assert "INTERACTION_CREATE" in written or "/interactions/" in written  # discord.py spoke
    assert REDACTED in written
    assert not [token for token in tokens if token in written]
