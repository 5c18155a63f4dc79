"""Daily reminders through the Discord API double, with chainrule's real bot.

The clock starts on Monday 2025-03-03 at 15:00 UTC (10:00 in New York).  Ada asks
for a 09:00 New York reminder and misses a card, so it is due on Tuesday; her
reminder is due Tuesday 09:00 EST = 14:00 UTC.  Sweeps are run by hand at
chosen instants rather than waiting for the scheduler's minute.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.client import ChainruleBot
from bot.cogs.remind import RemindCog
from bot.reminders import START_REVIEW_CUSTOM_ID
from quizzes.instructor import InstructorService
from quizzes.study import ServedItem, StudyService
from tests.e2e.chainrule import SteppingClock, chainrule_running
from tests.e2e.driver import DiscordDouble
from tests.e2e.harness import ErrorLogGuard
from tests.e2e.payloads import JSON, FakeGuild, FakeUser
from tests.e2e.records import (
    CALLBACK_AUTOCOMPLETE,
    button_labels,
    is_ephemeral,
    message_text,
)

TUESDAY_REMINDER = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)  # 09:00 in New York (EST)
OPEN_DM = r"^/users/@me/channels$"


def remind_cog(bot: ChainruleBot) -> RemindCog:
    cog = bot.get_cog("RemindCog")
    assert isinstance(cog, RemindCog)
    return cog


async def sweep(bot: ChainruleBot) -> Counter[str]:
    return await remind_cog(bot).sender.sweep()


async def ask_for_reminders(
    double: DiscordDouble, user: FakeUser, options: dict[str, str] | None = None
) -> JSON:
    chosen = (
        {"time": "09:00", "timezone": "America/New_York", "where": "dm"}
        if options is None
        else options
    )
    record = await double.slash(user, "remind", chosen)
    return await double.wait_for_reply(record)


async def miss_a_card(service: StudyService, user: FakeUser, guild: FakeGuild) -> None:
    """The learner answers their first card wrong: it is due again the next local day."""
    served = await service.next_item(user.id, guild_id=guild.id)
    assert isinstance(served, ServedItem) and served.kind == "card"
    await service.submit(user.id, served.attempt_id, {"recall": "missed"})


def posted(double: DiscordDouble, channel_id: int) -> list[JSON]:
    """Messages the bot posted for everyone in the channel (not private interaction replies)."""
    return [m for m in double.channel_messages(channel_id) if not is_ephemeral(m)]


def dm_path(double: DiscordDouble, user: FakeUser) -> str:
    return rf"^/channels/{double.dm_channel_id(user)}/messages$"


def channel_path(guild: FakeGuild) -> str:
    return rf"^/channels/{guild.channel_id}/messages$"


async def test_the_reminder_comes_at_the_local_time_once_and_its_button_opens_the_review(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    guild: FakeGuild,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    shown = await ask_for_reminders(double, ada)
    assert f"<t:{int(TUESDAY_REMINDER.timestamp())}:F>" in message_text(shown)
    await miss_a_card(service, ada, guild)

    clock.now = datetime(2025, 3, 4, 13, 59, tzinfo=UTC)
    assert await sweep(chainrule) == Counter()
    assert double.requests_to("POST", dm_path(double, ada)) == []

    clock.now = TUESDAY_REMINDER
    assert await sweep(chainrule) == Counter({"sent-dm": 1})
    clock.advance(minutes=1)
    assert await sweep(chainrule) == Counter()
    clock.advance(hours=5)
    assert await sweep(chainrule) == Counter()

    [reminder] = posted(double, double.dm_channel_id(ada))
    assert "**1** item due" in message_text(reminder)
    assert button_labels(reminder) == ["Start review"]
    assert len(double.requests_to("POST", OPEN_DM)) == 1
    click = await double.click(ada, reminder, custom_id=START_REVIEW_CUSTOM_ID)
    card = await double.wait_for_reply(click, lambda m: "Show answer" in button_labels(m))
    assert card["flags"] & 64  # ephemeral: the review is private

    # Wednesday: still due, and the cached DM channel makes the reminder one request
    clock.now = datetime(2025, 3, 5, 14, 0, tzinfo=UTC)
    assert await sweep(chainrule) == Counter({"sent-dm": 1})
    assert len(double.requests_to("POST", OPEN_DM)) == 1
    assert len(double.requests_to("POST", dm_path(double, ada))) == 2


async def test_the_sweep_runs_every_minute_while_the_bot_runs_and_late_runs_are_kept(
    double: DiscordDouble, guild: FakeGuild, service: StudyService
) -> None:
    async with chainrule_running(double, guild, service) as bot:
        schedule = remind_cog(bot).schedule
        assert schedule.scheduler.running
        job = schedule.job
        assert job.trigger.interval == timedelta(minutes=1)
        assert job.coalesce is True and job.misfire_grace_time is None
        assert job.max_instances == 1
    await asyncio.sleep(0)  # the scheduler shuts down on the loop
    assert not schedule.scheduler.running


async def test_a_bot_down_at_the_reminder_time_sends_it_late_once_even_across_a_restart(
    double: DiscordDouble,
    ada: FakeUser,
    guild: FakeGuild,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    async with chainrule_running(double, guild, service):
        await ask_for_reminders(double, ada)
        await miss_a_card(service, ada, guild)
    clock.now = datetime(2025, 3, 4, 16, 30, tzinfo=UTC)  # down from before 14:00 until now
    async with chainrule_running(double, guild, service) as bot:
        assert await sweep(bot) == Counter({"sent-dm": 1})
    clock.advance(minutes=1)
    async with chainrule_running(double, guild, service) as restarted:
        assert await sweep(restarted) == Counter()
    assert len(posted(double, double.dm_channel_id(ada))) == 1


async def test_dms_closed_fall_back_to_the_reminder_channel_and_are_never_tried_again(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    guild: FakeGuild,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    await InstructorService(service).set_reminder_channel(guild.id, guild.channel_id)
    await ask_for_reminders(double, ada)
    await miss_a_card(service, ada, guild)
    refused = double.fail("POST", dm_path(double, ada), 403, times=100, code=50007)

    clock.now = TUESDAY_REMINDER
    assert await sweep(chainrule) == Counter({"sent-channel": 1})
    assert refused.hits == 1
    [mention] = posted(double, guild.channel_id)
    assert mention["content"].startswith(f"<@{ada.id}>")
    assert button_labels(mention) == ["Start review"]
    [request] = double.requests_to("POST", channel_path(guild))
    assert [int(u) for u in request.json["allowed_mentions"]["users"]] == [ada.id]

    clock.now = datetime(2025, 3, 5, 14, 0, tzinfo=UTC)
    assert await sweep(chainrule) == Counter({"sent-channel": 1})
    assert refused.hits == 1  # no second DM: every 403 counts towards Discord's ban

    shown = await ask_for_reminders(double, ada, {})
    text = message_text(shown)
    assert "Why no direct messages" in text and f"<#{guild.channel_id}>" in text


async def test_dms_closed_without_a_channel_stop_there(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    guild: FakeGuild,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    await ask_for_reminders(double, ada)
    await miss_a_card(service, ada, guild)
    refused = double.fail("POST", dm_path(double, ada), 403, times=100, code=50007)
    clock.now = TUESDAY_REMINDER
    assert await sweep(chainrule) == Counter({"dms-closed": 1})
    clock.now = datetime(2025, 3, 5, 14, 0, tzinfo=UTC)
    assert await sweep(chainrule) == Counter({"dms-closed": 1})
    assert refused.hits == 1
    assert posted(double, guild.channel_id) == []


@pytest.mark.parametrize("status", [429, 500])
async def test_a_429_or_a_500_is_retried_by_discord_py_and_the_reminder_goes_once(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    guild: FakeGuild,
    service: StudyService,
    clock: SteppingClock,
    error_logs: ErrorLogGuard,
    status: int,
) -> None:
    await ask_for_reminders(double, ada)
    await miss_a_card(service, ada, guild)
    fault = double.fail("POST", dm_path(double, ada), status, times=1, retry_after=0.05)
    clock.now = TUESDAY_REMINDER
    assert await sweep(chainrule) == Counter({"sent-dm": 1})
    assert fault.hits == 1
    assert [r.status for r in double.requests_to("POST", dm_path(double, ada))] == [status, 200]
    assert len(posted(double, double.dm_channel_id(ada))) == 1


async def test_a_persistent_server_error_is_retried_later_the_same_day(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    guild: FakeGuild,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    await ask_for_reminders(double, ada)
    await miss_a_card(service, ada, guild)
    # 503 is not among the statuses discord.py retries by itself
    double.fail("POST", dm_path(double, ada), 503, times=1)
    clock.now = TUESDAY_REMINDER
    assert await sweep(chainrule) == Counter({"retry": 1})
    clock.advance(minutes=1)
    assert await sweep(chainrule) == Counter()  # not before its retry time
    clock.advance(minutes=5)
    assert await sweep(chainrule) == Counter({"sent-dm": 1})
    clock.advance(minutes=10)
    assert await sweep(chainrule) == Counter()
    assert len(posted(double, double.dm_channel_id(ada))) == 1


async def test_nothing_due_sends_nothing(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    clock: SteppingClock,
) -> None:
    await ask_for_reminders(double, ada)  # never studied: no item is due
    clock.now = TUESDAY_REMINDER
    assert await sweep(chainrule) == Counter()
    assert double.requests_to("POST", OPEN_DM) == []


async def test_remind_off_is_honoured_at_once_and_shown(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    guild: FakeGuild,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    await ask_for_reminders(double, ada)
    await miss_a_card(service, ada, guild)
    clock.now = TUESDAY_REMINDER
    due = await remind_cog(chainrule).reminders.due_reminders()
    assert [reminder.user_id for reminder in due] == [ada.id]

    off = await ask_for_reminders(double, ada, {"time": "off"})
    assert "Reminders are off" in message_text(off)
    assert await remind_cog(chainrule).reminders.claim(due[0]) is None  # found, then turned off
    assert await sweep(chainrule) == Counter()
    assert double.requests_to("POST", OPEN_DM) == []


async def test_remind_refuses_a_bad_time_or_zone_with_a_private_explanation(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    bad_time = await double.slash(ada, "remind", {"time": "25:99"})
    assert "not a time" in message_text(await double.wait_for_reply(bad_time))
    bad_zone = await double.slash(ada, "remind", {"time": "08:00", "timezone": "Mars/Olympus"})
    assert "not a time zone" in message_text(await double.wait_for_reply(bad_zone))
    shown = await ask_for_reminders(double, ada, {})
    assert "Reminders are off" in message_text(shown)


AUTOCOMPLETE = 4  # the interaction type Discord sends while a learner types an option


async def test_the_timezone_option_autocompletes_from_what_the_learner_types(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, guild: FakeGuild
) -> None:
    command = double.synced_command("remind", guild)
    assert command is not None
    typed = {"name": "timezone", "type": 3, "value": "paris", "focused": True}
    data = {"id": command["id"], "name": "remind", "type": 1, "options": [typed]}
    data["guild_id"] = str(guild.id)
    record = await double._dispatch_interaction(ada, AUTOCOMPLETE, data, guild)
    callback = await double.wait_for_callback(record)
    assert callback.type == CALLBACK_AUTOCOMPLETE
    assert {"name": "Europe/Paris", "value": "Europe/Paris"} in callback.data["choices"]
    assert len(callback.data["choices"]) <= 25


async def test_remind_with_nothing_set_shows_the_next_reminder_as_a_discord_timestamp(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    await ask_for_reminders(double, ada, {"time": "18:30", "timezone": "Europe/Paris"})
    shown = await ask_for_reminders(double, ada, {})
    text = message_text(shown)
    monday_1830_paris = datetime(2025, 3, 3, 17, 30, tzinfo=UTC)
    stamp = int(monday_1830_paris.timestamp())
    assert f"<t:{stamp}:F>" in text and f"<t:{stamp}:R>" in text
    assert re.search(r"18:30\*\*.*Europe/Paris", text)
