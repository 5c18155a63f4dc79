"""Closing the bot while learners are mid-click: the answer being worked on still goes
out, newcomers are told to come back, and a handler stuck past the grace time is
cancelled -- never an ERROR such as "Session is closed" from a reply sent too late.

The click is deferred at once (as a slow one is: bot.acknowledge) and the double holds
back its answer to that deferral, so the handler is still running (its edit, at least,
is ahead of it) when closing starts.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.client import RESTARTING, ChainruleBot
from quizzes.study import StudyService
from tests.e2e.chainrule import chainrule_running, review_rows, showing, start_review
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import JSON, FakeGuild, FakeUser
from tests.e2e.records import HeldAnswer, InteractionRecord, is_ephemeral

CALLBACK = r"/interactions/\d+/[^/]+/callback$"


async def revealed_card(double: DiscordDouble, ada: FakeUser) -> JSON:
    front = await start_review(double, ada)
    shown = await double.click(ada, front, label="Show answer")
    return await double.wait_for_reply(shown, showing("Knew it"))


async def grade_held_at_its_acknowledgement(
    double: DiscordDouble, bot: ChainruleBot, ada: FakeUser
) -> tuple[InteractionRecord, HeldAnswer]:
    back = await revealed_card(double, ada)
    bot.defer_after = 0.0  # the grade is deferred before its work is done
    held = double.hold("POST", CALLBACK)
    knew = await double.click(ada, back, label="Knew it")
    await double.wait_until(held.reached.is_set, what="the click's acknowledgement")
    return knew, held


async def start_closing(double: DiscordDouble, bot: ChainruleBot) -> asyncio.Task[None]:
    closing = asyncio.create_task(bot.close())
    await double.wait_until(lambda: bot.in_flight.closing or closing.done(), what="closing")
    return closing


async def test_closing_waits_for_the_interaction_being_handled(
    double: DiscordDouble, guild: FakeGuild, ada: FakeUser, service: StudyService
) -> None:
    async with chainrule_running(double, guild, service) as bot:
        knew, held = await grade_held_at_its_acknowledgement(double, bot, ada)
        closing = await start_closing(double, bot)
        assert not closing.done()  # waiting for the handler, whose HTTP answer is held
        held.release()
        await closing
        assert bot.is_closed()
    # the handler went on after closing began: it recorded the review and edited the message
    await double.wait_for_reply(knew, showing("Next", "Stop"))
    assert [row[1] for row in review_rows(await service.export_learner(ada.id))] == [True]


async def test_an_interaction_arriving_while_closing_is_told_to_come_back(
    double: DiscordDouble, guild: FakeGuild, ada: FakeUser, service: StudyService
) -> None:
    bob = double.add_user("bob", guild=guild)
    async with chainrule_running(double, guild, service) as bot:
        _, held = await grade_held_at_its_acknowledgement(double, bot, ada)
        closing = await start_closing(double, bot)
        review = await double.slash(bob, "review")
        refusal = await double.wait_for_reply(review)
        assert refusal["content"] == RESTARTING and is_ephemeral(refusal)
        held.release()
        await closing
    assert review_rows(await service.export_learner(bob.id)) == []


async def test_a_handler_stuck_past_the_grace_time_is_cancelled_quietly(
    double: DiscordDouble,
    guild: FakeGuild,
    ada: FakeUser,
    service: StudyService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with chainrule_running(double, guild, service) as bot:
        bot.shutdown_grace_seconds = 0.05
        knew, held = await grade_held_at_its_acknowledgement(double, bot, ada)
        await recorded(service, ada)  # the handler now waits for the deferral, to edit
        with caplog.at_level(logging.WARNING, logger="bot.in_flight"):
            await bot.close()  # the acknowledgement never comes back before this returns
        assert bot.is_closed() and not held.released.is_set()
    assert "1 interaction handlers still running" in caplog.text
    assert len(knew.callbacks) == 1 and knew.replies == []  # abandoned before its edit
    # the review was recorded: the learner's next /review goes on from there
    assert [row[1] for row in review_rows(await service.export_learner(ada.id))] == [True]


async def recorded(service: StudyService, ada: FakeUser) -> None:
    for _ in range(500):
        if (await service.export_learner(ada.id))["reviews"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the grade was never recorded")
