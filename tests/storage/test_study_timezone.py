"""StudyService.set_timezone / timezone: the zone a learner's days follow, without /remind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quizzes.reminders import ReminderService
from quizzes.storage.db import Database
from quizzes.storage.models import Learner
from quizzes.study import StudyService, UnknownTimezone
from tests.storage.study_helpers import ALICE, BOB, FixedClock, count, serve

# Tuesday 06:00 UTC is 01:00 in New York: before the 04:00 rollover, so still Monday there,
# while in UTC Tuesday has begun.
TUESDAY_6AM_UTC = datetime(2025, 3, 4, 6, 0, tzinfo=UTC)


async def test_a_learner_is_on_utc_until_they_choose_a_zone(service: StudyService) -> None:
    assert await service.timezone(ALICE) == "UTC"
    assert await service.set_timezone(ALICE, " europe/paris ") == "Europe/Paris"  # canonical
    assert await service.timezone(ALICE) == "Europe/Paris"
    assert (await service.progress(ALICE)).timezone == "Europe/Paris"
    assert await service.set_timezone(ALICE, "Asia/Tokyo") == "Asia/Tokyo"
    assert await service.timezone(ALICE) == "Asia/Tokyo"
    assert await service.timezone(BOB) == "UTC"


async def test_an_unknown_zone_is_refused_with_an_example_and_nothing_is_stored(
    service: StudyService, database: Database
) -> None:
    with pytest.raises(UnknownTimezone, match="Europe/Paris"):
        await service.set_timezone(ALICE, "Mars/Olympus")
    assert count(database, Learner) == 0  # not even a learner row

    await service.set_timezone(ALICE, "America/New_York")
    with pytest.raises(UnknownTimezone):
        await service.set_timezone(ALICE, "New York")
    assert await service.timezone(ALICE) == "America/New_York"


async def test_the_due_day_of_a_review_follows_the_new_zone(
    service: StudyService, clock: FixedClock
) -> None:
    clock.now = TUESDAY_6AM_UTC
    await service.set_timezone(ALICE, "America/New_York")
    for learner in (ALICE, BOB):  # BOB stays on UTC
        card = await serve(service, learner)
        assert card.kind == "card"
        await service.submit(learner, card.attempt_id, {"recall": "missed"})

    # a miss is due the next local day, at its 04:00 rollover
    alice, bob = await service.progress(ALICE), await service.progress(BOB)
    assert alice.next_due == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)  # Tue 04:00 EST
    assert bob.next_due == datetime(2025, 3, 5, 4, 0, tzinfo=UTC)  # Wed 04:00 UTC
    assert alice.streak_days == bob.streak_days == 1


async def test_reminders_stay_off_but_a_scheduled_reminder_moves_to_the_new_zone(
    service: StudyService, database: Database, clock: FixedClock
) -> None:
    reminders = ReminderService.from_study(service)
    await service.set_timezone(BOB, "Europe/Paris")
    assert not (await reminders.settings(BOB)).enabled  # choosing a zone is no opt-in

    await reminders.set_reminder(ALICE, at="18:30", timezone="Europe/Paris")
    monday_1830_paris = datetime(2025, 3, 3, 17, 30, tzinfo=UTC)  # clock: Monday 12:00 UTC
    assert (await reminders.settings(ALICE)).next_reminder_at == monday_1830_paris

    await service.set_timezone(ALICE, "America/New_York")
    moved = await reminders.settings(ALICE)
    assert moved.enabled and moved.time == "18:30" and moved.timezone == "America/New_York"
    assert moved.next_reminder_at == datetime(2025, 3, 3, 23, 30, tzinfo=UTC)  # 18:30 EST

    await reminders.turn_off(ALICE)
    await service.set_timezone(ALICE, "Europe/Paris")
    off = await reminders.settings(ALICE)
    assert not off.enabled and off.next_reminder_at is None
