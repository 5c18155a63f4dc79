"""The instructor service on a real database: guild settings and the class report."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from quizzes.decks import default_deck
from quizzes.instructor import (
    ACTIVE_DAYS,
    REPORT_DAYS,
    GuildConfig,
    InstructorService,
    report_start,
)
from quizzes.reminders import ReminderService
from quizzes.reminders.rules import ReminderError
from quizzes.storage import instructor_queries
from quizzes.storage.db import Database
from quizzes.study import NotEnrolled, ServedItem, StudyService
from tests.storage.study_helpers import START, FixedClock

GUILD, OTHER_GUILD = 1001, 2002


@pytest.fixture
async def study(database: Database, clock: FixedClock) -> AsyncIterator[StudyService]:
    cards_only = dataclasses.replace(default_deck(), cards=default_deck().cards[:4], families=())
    service = StudyService(database, deck=cards_only, clock=clock, rng=random.Random(5))
    yield service
    await service.close()


@pytest.fixture
def instructors(study: StudyService) -> InstructorService:
    return InstructorService(study)


async def review_cards(
    study: StudyService, user_id: int, guild_id: int | None, outcomes: Sequence[bool]
) -> None:
    for knew in outcomes:
        item = await study.next_item(user_id, guild_id=guild_id)
        assert isinstance(item, ServedItem) and item.kind == "card"
        await study.submit(user_id, item.attempt_id, {"recall": "knew" if knew else "missed"})


# ---- settings ----------------------------------------------------------------------
async def test_a_guild_without_settings_has_none(instructors: InstructorService) -> None:
    assert await instructors.guild_config(GUILD) == GuildConfig(GUILD)


async def test_each_setting_is_saved_without_touching_the_others(
    instructors: InstructorService,
) -> None:
    await instructors.set_instructor_role(GUILD, 77)
    await instructors.set_reminder_channel(GUILD, 88)
    config = await instructors.set_reminder_time(GUILD, "7:05")
    assert config == GuildConfig(GUILD, 77, 88, "07:05")

    cleared = await instructors.set_reminder_channel(GUILD, None)
    assert cleared == GuildConfig(GUILD, 77, None, "07:05")
    assert await instructors.set_reminder_time(GUILD, None) == GuildConfig(GUILD, 77, None, None)


async def test_settings_belong_to_their_guild(instructors: InstructorService) -> None:
    await instructors.set_instructor_role(GUILD, 77)
    assert await instructors.guild_config(OTHER_GUILD) == GuildConfig(OTHER_GUILD)


async def test_racing_first_settings_of_a_guild_both_stick(instructors: InstructorService) -> None:
    await asyncio.gather(
        instructors.set_instructor_role(GUILD, 77),
        instructors.set_reminder_channel(GUILD, 88),
        instructors.set_reminder_time(GUILD, "18:30"),
    )
    assert await instructors.guild_config(GUILD) == GuildConfig(GUILD, 77, 88, "18:30")


async def test_an_invalid_reminder_time_changes_nothing(instructors: InstructorService) -> None:
    await instructors.set_reminder_time(GUILD, "08:00")
    with pytest.raises(ReminderError, match="HH:MM"):
        await instructors.set_reminder_time(GUILD, "25:00")
    assert (await instructors.guild_config(GUILD)).default_reminder_time == "08:00"


def test_only_known_settings_can_be_saved(database: Database) -> None:
    with database.transaction() as session, pytest.raises(ValueError, match="instructor_role"):
        instructor_queries.save_guild_settings(session, GUILD, {"instructor_role": 1})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("18:30", "18:30"), ("7:05", "07:05"), (" 00:00 ", "00:00"), ("23.59", "23:59")],
)
async def test_reminder_times_are_stored_as_hh_mm(
    instructors: InstructorService, text: str, expected: str
) -> None:
    assert (await instructors.set_reminder_time(GUILD, text)).default_reminder_time == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "1830", "", "12:5", "-1:30", "9:30pm"])
async def test_reminder_times_that_are_not_times_of_day_are_refused(
    instructors: InstructorService, text: str
) -> None:
    with pytest.raises(ReminderError):
        await instructors.set_reminder_time(GUILD, text)
    assert await instructors.guild_config(GUILD) == GuildConfig(GUILD)


async def test_learners_on_the_guild_default_are_rescheduled_when_it_changes(
    study: StudyService, instructors: InstructorService, clock: FixedClock
) -> None:
    reminders = ReminderService.from_study(study)
    await instructors.set_reminder_time(GUILD, "18:00")
    follower = await reminders.set_reminder(1, timezone="Europe/Paris", guild_id=GUILD)
    own_time = await reminders.set_reminder(2, at="09:00", timezone="UTC", guild_id=GUILD)
    assert follower.next_reminder_at == datetime(2025, 3, 3, 17, 0, tzinfo=UTC)

    await instructors.set_reminder_time(GUILD, "20:30")

    assert (await reminders.settings(1)).next_reminder_at == datetime(
        2025, 3, 3, 19, 30, tzinfo=UTC
    )
    assert (await reminders.settings(2)).next_reminder_at == own_time.next_reminder_at


@pytest.mark.parametrize(
    ("config", "manages", "roles", "admitted"),
    [
        (GuildConfig(1), True, set(), True),
        (GuildConfig(1), False, {5}, False),
        (GuildConfig(1, instructor_role_id=5), False, {5, 6}, True),
        (GuildConfig(1, instructor_role_id=5), False, {6}, False),
        (GuildConfig(1, instructor_role_id=5), True, set(), True),
    ],
)
def test_instructors_manage_the_server_or_hold_the_instructor_role(
    config: GuildConfig, manages: bool, roles: set[int], admitted: bool
) -> None:
    assert config.admits(manages_guild=manages, role_ids=roles) is admitted


# ---- the class report --------------------------------------------------------------
def test_the_report_starts_at_midnight_utc_and_covers_fourteen_days() -> None:
    late_evening = datetime(2025, 3, 14, 23, 59, tzinfo=UTC)
    assert report_start(late_evening) == datetime(2025, 3, 1, tzinfo=UTC)


async def test_class_report_counts_recently_active_enrolled_learners_only(
    study: StudyService, instructors: InstructorService, clock: FixedClock
) -> None:
    clock.now = START - timedelta(days=ACTIVE_DAYS + 2)  # an old review: enrolled, not active
    await review_cards(study, 1, GUILD, [True])
    clock.now = START - timedelta(days=1)
    await review_cards(study, 2, GUILD, [True, False])
    await review_cards(study, 3, OTHER_GUILD, [False])  # active, but in another guild
    await review_cards(study, 4, None, [True])  # studied in DMs: in no guild
    clock.now = START

    report = await instructors.class_report(GUILD)

    assert report.stats.enrolled == 2
    assert report.active_recently == 1
    assert report.active_days == ACTIVE_DAYS and report.generated_at == START
    assert len(report.stats.reviews_per_day) == REPORT_DAYS
    assert report.stats.reviews_per_day[-2] == ((START - timedelta(days=1)).date(), 2)
    assert {row.user_id for row in report.stats.rows} == {1, 2}


async def test_an_undone_review_does_not_make_a_learner_active(
    study: StudyService, instructors: InstructorService
) -> None:
    await review_cards(study, 1, GUILD, [True])
    await study.undo_last(1)
    assert (await instructors.class_report(GUILD)).active_recently == 0


async def test_a_review_in_another_guilds_class_does_not_make_a_learner_active(
    study: StudyService, instructors: InstructorService, clock: FixedClock
) -> None:
    # the class statistics' rule: enrolled in both, only this class's work (or DMs) counts
    clock.now = START - timedelta(days=ACTIVE_DAYS + 2)
    await review_cards(study, 1, GUILD, [True])
    clock.now = START - timedelta(days=1)
    await review_cards(study, 1, OTHER_GUILD, [True])
    clock.now = START
    assert (await instructors.class_report(GUILD)).active_recently == 0
    await review_cards(study, 1, None, [True])
    assert (await instructors.class_report(GUILD)).active_recently == 1


async def test_learner_report_refuses_a_learner_of_another_guild(
    study: StudyService, instructors: InstructorService
) -> None:
    await review_cards(study, 3, OTHER_GUILD, [True])
    with pytest.raises(NotEnrolled):
        await instructors.learner_report(GUILD, 3)
    detail = await instructors.learner_report(OTHER_GUILD, 3)
    assert detail.progress.reviews == 1
