"""The reminder service against a real database, with a fixed clock.

Who is due a reminder and when (local time, both daylight-saving changes, late
starts), the claim that makes every reminder go out once (restarts, racing
processes, /remind off), and what is recorded when a send fails.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import func, select

from quizzes.reminders import ClaimedReminder, Outcome, ReminderService
from quizzes.reminders.rules import (
    ReminderError,
    next_reminder_after,
    parse_reminder_time,
    reminder_instant,
)
from quizzes.storage.db import Database, alembic_config
from quizzes.storage.models import GuildSettings, ItemStateRow, Learner, ReminderLogEntry
from tests.storage.study_helpers import FixedClock

NEW_YORK = ZoneInfo("America/New_York")
REPO_ROOT = Path(__file__).resolve().parents[2]
SPRING_FORWARD = date(2026, 3, 8)  # New York: 02:00 EST -> 03:00 EDT
FALL_BACK = date(2026, 11, 1)  # New York: 02:00 EDT -> 01:00 EST
ADA, BOB = 101, 102


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(utc(2026, 3, 5, 12, 0))


@pytest.fixture
async def reminders(database: Database, clock: FixedClock) -> AsyncIterator[ReminderService]:
    yield ReminderService(database, clock=clock)


def give_due_items(database: Database, user_id: int, count: int = 2) -> None:
    """``count`` items that fell due long ago (the learner has studied before)."""
    long_ago = utc(2026, 1, 1)
    with database.transaction() as session:
        for number in range(count):
            session.add(
                ItemStateRow(
                    user_id=user_id, item_id=f"card-{number}", due=long_ago, first_seen=long_ago
                )
            )


async def sweep_once(service: ReminderService) -> list[ClaimedReminder]:
    """What one sweep would send: every due reminder this caller managed to claim."""
    claimed = []
    for reminder in await service.due_reminders():
        won = await service.claim(reminder)
        if won is not None:
            claimed.append(won)
            await service.record_outcome(won, Outcome.SENT_DM)
    return claimed


async def sent_at(service: ReminderService, clock: FixedClock, moment: datetime) -> list[int]:
    clock.now = moment
    return [claimed.user_id for claimed in await sweep_once(service)]


# ---- the rules of time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("18:30", time(18, 30)), ("9:05", time(9, 5)), (" 07.45 ", time(7, 45)), ("0h00", time(0))],
)
def test_reminder_times_are_read_in_24_hour_form(text: str, expected: time) -> None:
    assert parse_reminder_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "6pm", "", "12", "1:2", "12:30:00"])
def test_anything_else_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ReminderError, match="HH:MM"):
        parse_reminder_time(text)


def test_a_reminder_in_the_spring_gap_goes_at_the_jump() -> None:
    # 02:30 does not exist on 8 March 2026 in New York: it has passed at 03:00 EDT
    assert reminder_instant(SPRING_FORWARD, time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    assert reminder_instant(SPRING_FORWARD, time(9, 0), NEW_YORK) == utc(2026, 3, 8, 13, 0)
    assert reminder_instant(SPRING_FORWARD - timedelta(1), time(9), NEW_YORK) == utc(
        2026, 3, 7, 14, 0
    )


def test_a_reminder_in_the_repeated_autumn_hour_takes_its_first_occurrence() -> None:
    assert reminder_instant(FALL_BACK, time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    assert reminder_instant(FALL_BACK, time(9, 0), NEW_YORK) == utc(2026, 11, 1, 14, 0)


def test_the_next_reminder_is_today_while_its_time_is_ahead_else_tomorrow() -> None:
    nine = time(9)
    assert next_reminder_after(utc(2026, 3, 7, 13, 59), nine, NEW_YORK) == utc(2026, 3, 7, 14)
    assert next_reminder_after(utc(2026, 3, 7, 14, 0), nine, NEW_YORK) == utc(2026, 3, 8, 13)
    with pytest.raises(ValueError, match="naive"):
        next_reminder_after(datetime(2026, 3, 7, 14), nine, NEW_YORK)  # noqa: DTZ001


# ---- the sweep through daylight-saving days ------------------------------------------


@pytest.mark.parametrize(
    ("day", "wall", "due_at"),
    [
        (SPRING_FORWARD, "09:00", utc(2026, 3, 8, 13, 0)),
        (SPRING_FORWARD, "02:30", utc(2026, 3, 8, 7, 0)),
        (FALL_BACK, "09:00", utc(2026, 11, 1, 14, 0)),
        (FALL_BACK, "01:30", utc(2026, 11, 1, 5, 30)),
    ],
)
async def test_on_a_daylight_saving_day_the_reminder_goes_once_at_the_local_time(
    database: Database,
    reminders: ReminderService,
    clock: FixedClock,
    day: date,
    wall: str,
    due_at: datetime,
) -> None:
    clock.now = datetime.combine(day - timedelta(days=1), time(23), tzinfo=UTC)  # 18:00 or 19:00
    await reminders.set_reminder(ADA, at=wall, timezone="America/New_York")
    give_due_items(database, ADA)
    assert (await reminders.settings(ADA)).next_reminder_at == due_at

    assert await sent_at(reminders, clock, due_at - timedelta(minutes=1)) == []
    assert await sent_at(reminders, clock, due_at) == [ADA]
    for later in (1, 30, 60, 61, 120, 600):  # includes the repeated autumn hour
        assert await sent_at(reminders, clock, due_at + timedelta(minutes=later)) == []
    assert [(d, s) for d, s, _ in await reminders.log(ADA)][-1] == (day, "sent-dm")


async def test_a_reminder_missed_while_down_goes_late_the_same_local_day_only(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="09:00", timezone="America/New_York")
    give_due_items(database, ADA)
    # down from Thursday morning until Friday 23:30 New York (Saturday 04:30 UTC)
    assert await sent_at(reminders, clock, utc(2026, 3, 6, 14, 30)) == [ADA]  # Friday, late
    assert await sent_at(reminders, clock, utc(2026, 3, 7, 4, 30)) == []
    # Saturday's reminder: the bot is back only on Sunday 01:00 New York: Saturday is over
    assert await sent_at(reminders, clock, utc(2026, 3, 8, 6, 0)) == []
    assert (await reminders.settings(ADA)).next_reminder_at == utc(2026, 3, 8, 13, 0)
    assert await sent_at(reminders, clock, utc(2026, 3, 8, 13, 0)) == [ADA]
    dates = [d for d, _, _ in await reminders.log(ADA)]
    assert dates == [date(2026, 3, 6), date(2026, 3, 8)]


async def test_a_reminder_found_before_midnight_and_claimed_after_it_is_void(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="23:50", timezone="UTC")
    give_due_items(database, ADA)
    clock.now = utc(2026, 3, 5, 23, 55)
    [found] = await reminders.due_reminders()
    clock.now = utc(2026, 3, 6, 0, 1)  # a long backlog took the sweep past midnight
    assert await reminders.claim(found) is None
    assert await sent_at(reminders, clock, utc(2026, 3, 6, 0, 2)) == []
    assert await sent_at(reminders, clock, utc(2026, 3, 6, 23, 50)) == [ADA]


async def test_nothing_due_sends_nothing_and_waits_for_tomorrow(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="13:00", timezone="UTC")
    with database.transaction() as session:  # studied, and nothing due before next week
        session.add(
            ItemStateRow(
                user_id=ADA, item_id="card-0", due=utc(2026, 3, 12), first_seen=utc(2026, 3, 1)
            )
        )
    assert await sent_at(reminders, clock, utc(2026, 3, 5, 13, 0)) == []
    assert (await reminders.settings(ADA)).next_reminder_at == utc(2026, 3, 6, 13, 0)
    assert await reminders.log(ADA) == []


async def test_a_restart_mid_day_sends_nothing_twice(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="13:00", timezone="UTC")
    give_due_items(database, ADA)
    assert await sent_at(reminders, clock, utc(2026, 3, 5, 13, 0)) == [ADA]
    restarted = ReminderService(Database(database.url), clock=clock)
    try:
        assert await sent_at(restarted, clock, utc(2026, 3, 5, 13, 1)) == []
        # a learner who moves their time later the same day is not reminded again
        await restarted.set_reminder(ADA, at="20:00")
        assert await sent_at(restarted, clock, utc(2026, 3, 5, 20, 0)) == []
        assert await sent_at(restarted, clock, utc(2026, 3, 6, 20, 0)) == [ADA]
    finally:
        restarted.database.close()


async def test_remind_off_is_honoured_at_once_even_after_the_sweep_found_the_learner(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="13:00", timezone="UTC")
    give_due_items(database, ADA)
    clock.now = utc(2026, 3, 5, 13, 0)
    [found] = await reminders.due_reminders()
    settings = await reminders.turn_off(ADA)
    assert not settings.enabled and settings.next_reminder_at is None
    assert await reminders.claim(found) is None
    assert await sent_at(reminders, clock, utc(2026, 3, 6, 13, 0)) == []


async def test_two_sweeps_racing_in_one_process_claim_each_reminder_once(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    for user_id in range(1, 41):
        await reminders.set_reminder(user_id, at="13:00", timezone="UTC")
        give_due_items(database, user_id, count=1)
    clock.now = utc(2026, 3, 5, 13, 0)
    first, second = await asyncio.gather(sweep_once(reminders), sweep_once(reminders))
    ids = [c.user_id for c in first] + [c.user_id for c in second]
    assert sorted(ids) == list(range(1, 41))


RACER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from datetime import datetime
    from quizzes.reminders import Outcome, ReminderService
    from quizzes.storage.db import Database

    url, now, start = sys.argv[1], datetime.fromisoformat(sys.argv[2]), float(sys.argv[3])
    service = ReminderService(Database(url), clock=lambda: now)

    async def main():
        while time.time() < start:  # both processes begin together
            await asyncio.sleep(0.001)
        won = []
        for reminder in await service.due_reminders():
            claimed = await service.claim(reminder)
            if claimed is not None:
                won.append(claimed.user_id)
                await service.record_outcome(claimed, Outcome.SENT_DM)
        print(json.dumps(won))

    asyncio.run(main())
    """
)


async def test_two_processes_sweeping_one_database_send_each_reminder_once(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    learners = range(1, 151)
    for user_id in learners:
        await reminders.set_reminder(user_id, at="13:00", timezone="UTC")
        give_due_items(database, user_id, count=1)
    due_time = utc(2026, 3, 5, 13, 0).isoformat()
    start = f"{datetime.now(UTC).timestamp() + 1.5:.3f}"  # a start line, not a measurement
    racers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", RACER, database.url, due_time, start],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [await asyncio.to_thread(racer.communicate, timeout=120) for racer in racers]
    for racer, (_, errors) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, errors
    won = [json.loads(out) for out, _ in outputs]
    assert sorted(won[0] + won[1]) == list(learners)  # every reminder once, none twice
    with database.read_session() as session:
        rows = session.execute(select(ReminderLogEntry.user_id, ReminderLogEntry.status)).all()
    assert sorted(rows) == [(user_id, "sent-dm") for user_id in learners]


# ---- outcomes ---------------------------------------------------------------------------


async def claim_one(
    reminders: ReminderService, clock: FixedClock, moment: datetime
) -> ClaimedReminder:
    clock.now = moment
    [found] = await reminders.due_reminders()
    claimed = await reminders.claim(found)
    assert claimed is not None
    return claimed


async def test_a_server_error_is_claimed_again_later_the_same_day_then_given_up(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="20:00", timezone="UTC")
    give_due_items(database, ADA)
    claimed = await claim_one(reminders, clock, utc(2026, 3, 5, 20, 0))
    assert await reminders.record_outcome(claimed, Outcome.RETRY) == Outcome.RETRY
    clock.now = utc(2026, 3, 5, 20, 4)
    assert await reminders.due_reminders() == []  # not before its retry time
    retries = []
    for moment in (utc(2026, 3, 5, 20, 5), utc(2026, 3, 5, 20, 20), utc(2026, 3, 5, 21, 20)):
        again = await claim_one(reminders, clock, moment)
        retries.append((again.log_id, again.attempt))
        stored = await reminders.record_outcome(again, Outcome.RETRY)
    assert retries == [(claimed.log_id, 2), (claimed.log_id, 3), (claimed.log_id, 4)]
    assert stored == Outcome.FAILED  # three retries (5 min, 15 min, 1 h), then give up
    clock.now = utc(2026, 3, 5, 23, 0)
    assert await reminders.due_reminders() == []
    assert await reminders.log(ADA) == [(date(2026, 3, 5), "failed", 4)]


async def test_a_retry_never_crosses_into_the_next_local_day(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="23:58", timezone="UTC")
    give_due_items(database, ADA)
    claimed = await claim_one(reminders, clock, utc(2026, 3, 5, 23, 58))
    assert await reminders.record_outcome(claimed, Outcome.RETRY) == Outcome.FAILED
    assert await sent_at(reminders, clock, utc(2026, 3, 6, 0, 5)) == []
    assert [s for _, s, _ in await reminders.log(ADA)] == ["failed"]


async def test_closed_dms_are_remembered_until_the_learner_asks_for_dms_again(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    await reminders.set_reminder(ADA, at="13:00", timezone="UTC")
    give_due_items(database, ADA)
    await reminders.remember_dm_channel(ADA, 555)
    claimed = await claim_one(reminders, clock, utc(2026, 3, 5, 13, 0))
    assert claimed.dm_channel_id == 555 and not claimed.dms_closed
    await reminders.record_outcome(claimed, Outcome.DMS_CLOSED, dms_closed=True)
    shown = await reminders.settings(ADA)
    assert shown.dms_closed and shown.dms_closed_at == utc(2026, 3, 5, 13, 0)
    tomorrow = await claim_one(reminders, clock, utc(2026, 3, 6, 13, 0))
    assert tomorrow.dms_closed and tomorrow.dm_channel_id is None
    await reminders.set_reminder(ADA, at="13:00")  # time only: still closed
    assert (await reminders.settings(ADA)).dms_closed
    await reminders.set_reminder(ADA, where="dm")
    assert not (await reminders.settings(ADA)).dms_closed


async def test_channel_reminders_need_the_guilds_reminder_channel(
    database: Database, reminders: ReminderService
) -> None:
    with pytest.raises(ReminderError, match="no reminder channel"):
        await reminders.set_reminder(ADA, at="08:00", where="channel", guild_id=7)
    with database.transaction() as session:
        session.add(GuildSettings(guild_id=7, reminder_channel_id=70))
    shown = await reminders.set_reminder(ADA, at="08:00", where="channel", guild_id=7)
    assert shown.where == "channel" and shown.channel_id == 70


async def test_channel_reminders_asked_for_in_a_dm_say_they_need_a_server(
    reminders: ReminderService,
) -> None:
    with pytest.raises(ReminderError, match="Channel reminders need a server"):
        await reminders.set_reminder(ADA, at="08:00", where="channel", guild_id=None)
    assert not (await reminders.settings(ADA)).enabled  # nothing was turned on


async def test_a_learner_without_a_time_follows_the_guild_default(
    database: Database, reminders: ReminderService, clock: FixedClock
) -> None:
    with pytest.raises(ReminderError, match="Give a time"):
        await reminders.set_reminder(ADA, timezone="UTC", guild_id=7)
    with database.transaction() as session:
        session.add(GuildSettings(guild_id=7, default_reminder_time="18:00"))
    shown = await reminders.set_reminder(ADA, timezone="UTC", guild_id=7)
    assert (shown.time, shown.own_time) == ("18:00", False)
    assert shown.next_reminder_at == utc(2026, 3, 5, 18, 0)
    with database.transaction() as session:
        settings = session.get(GuildSettings, 7)
        assert settings is not None
        settings.default_reminder_time = "15:00"
    assert await reminders.guild_default_time_changed(7) == 1
    assert (await reminders.settings(ADA)).next_reminder_at == utc(2026, 3, 5, 15, 0)


# ---- the migration ------------------------------------------------------------------------


def test_the_reminder_migration_keeps_every_learner_both_ways(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0001")
    database = Database(database_url)
    try:
        with database.transaction() as session:
            session.execute(
                Learner.__table__.insert().values(user_id=ADA, created_at=utc(2026, 1, 1))
            )
        command.upgrade(config, "head")
        command.downgrade(config, "0001")
        command.upgrade(config, "head")
        with database.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Learner)) == 1
    finally:
        database.close()
