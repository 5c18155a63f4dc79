"""The study service's reports: progress, class and learner statistics, export, forget."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from quizzes.problems.base import QuizError
from quizzes.storage.db import Database
from quizzes.storage.models import Attempt, GuildEnrolment, ItemStateRow, Learner, Review
from quizzes.study import ServedItem, StudyService
from tests.storage.study_helpers import (
    ALICE,
    BOB,
    START,
    FixedClock,
    count,
    forgot_upstream_answers,
    right_answers,
    serve,
)

GUILD = 9001


# --- progress, statistics, export, forget ----------------------------------------------


async def answer_all(
    service: StudyService, user_id: int, correct: bool, guild_id: int | None = None
) -> None:
    session = await service.start_session(user_id, guild_id=guild_id)
    while isinstance(
        item := await service.next_item(user_id, guild_id=guild_id, session=session), ServedItem
    ):
        if item.card is not None:
            answers = {"recall": "knew" if correct else "missed"}
        else:
            assert item.problem is not None
            problem = item.problem
            answers = right_answers(problem) if correct else forgot_upstream_answers(problem)
        result = await service.submit(user_id, item.attempt_id, answers)
        if correct:  # a wrong item would come back once at the end of the session
            session.record(result.item_id, result.correct)


async def test_progress_counts_boxes_due_days_streak_and_accuracy(
    service: StudyService, database: Database, clock: FixedClock
) -> None:
    with database.transaction() as session:
        session.add(Learner(user_id=ALICE, timezone="America/New_York", created_at=START))
    await answer_all(service, ALICE, correct=True)  # day 1: all three items right -> box 2
    clock.advance(days=2)
    await answer_all(service, ALICE, correct=False)  # day 3: all due again, all wrong -> box 1
    progress = await service.progress(ALICE)
    assert progress.timezone == "America/New_York"
    assert progress.boxes == {1: 3, 2: 0, 3: 0, 4: 0, 5: 0}
    assert (progress.due_now, progress.due_today, progress.due_tomorrow) == (0, 0, 3)
    assert progress.due_this_week == 3
    assert progress.streak_days == 1  # day 2 had no review
    assert (progress.reviews, progress.correct, progress.accuracy) == (6, 3, 0.5)
    assert progress.accuracy_by_family == {"add-mul": 0.5}
    assert progress.next_due is not None and progress.next_due > clock.now


async def test_streak_counts_consecutive_local_days(
    service: StudyService, clock: FixedClock
) -> None:
    for _ in range(3):
        item = await serve(service, practice_family="add-mul")
        assert item.problem is not None
        await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
        clock.advance(days=1)
    assert (await service.progress(ALICE)).streak_days == 3  # yesterday ends the run
    clock.advance(days=1)
    assert (await service.progress(ALICE)).streak_days == 0


async def test_class_stats_cover_only_that_guilds_learners(
    service: StudyService, clock: FixedClock
) -> None:
    await answer_all(service, ALICE, correct=True, guild_id=GUILD)
    await answer_all(service, BOB, correct=False, guild_id=GUILD + 1)
    clock.advance(days=3)
    stats = await service.class_stats(GUILD, START - timedelta(days=1))
    assert (stats.enrolled, stats.active) == (1, 1)
    assert sum(n for _, n in stats.reviews_per_day) == 3
    assert len(stats.reviews_per_day) == 5 and stats.reviews_per_day[1] == (START.date(), 3)
    assert {row.user_id for row in stats.rows} == {ALICE}
    assert all(item.accuracy == 1.0 for item in stats.hardest_items)
    assert stats.diagnosis_counts == []
    assert [learner.user_id for learner in stats.overdue_learners] == [ALICE]

    other = await service.class_stats(GUILD + 1, START - timedelta(days=1))
    assert {row.user_id for row in other.rows} == {BOB} and other.boxes[1] == 3
    assert other.hardest_items[0].accuracy == 0.0
    assert other.diagnosis_counts == [("forgot-upstream", 1)]


async def test_class_stats_leave_out_reviews_made_in_another_guild(
    service: StudyService, clock: FixedClock
) -> None:
    # Alice studies in two classes: her work in the other class is not this class's data,
    # while her reviews in DMs (no guild) count for every class she is enrolled in.
    await answer_all(service, ALICE, correct=True, guild_id=GUILD)
    clock.advance(days=3)
    await answer_all(service, ALICE, correct=False, guild_id=GUILD + 1)
    clock.advance(days=3)
    await answer_all(service, ALICE, correct=True, guild_id=None)
    stats = await service.class_stats(GUILD, START - timedelta(days=1))
    other = await service.class_stats(GUILD + 1, START - timedelta(days=1))
    assert sum(n for _, n in stats.reviews_per_day) == 6
    assert stats.diagnosis_counts == []
    assert sum(n for _, n in other.reviews_per_day) == 6
    assert other.diagnosis_counts == [("forgot-upstream", 1)]


async def test_hardest_items_come_first(service: StudyService) -> None:
    session = await service.start_session(ALICE, guild_id=GUILD)
    for answer in ("knew", "missed"):
        item = await serve(service, session=session)
        await service.submit(ALICE, item.attempt_id, {"recall": answer})
    stats = await service.class_stats(GUILD, START)
    assert [(i.item_id, i.accuracy) for i in stats.hardest_items] == [
        (service.deck.cards[1].id, 0.0),
        (service.deck.cards[0].id, 1.0),
    ]


async def test_learner_stats_only_for_a_learner_of_that_guild(service: StudyService) -> None:
    await answer_all(service, ALICE, correct=True, guild_id=GUILD)
    stats = await service.learner_stats(GUILD, ALICE)
    assert stats.enrolled and stats.progress.reviews == 3 and len(stats.items) == 3
    assert stats.last_review == START
    with pytest.raises(QuizError):
        await service.learner_stats(GUILD + 1, ALICE)


async def test_export_holds_everything_as_json(service: StudyService) -> None:
    await answer_all(service, ALICE, correct=False, guild_id=GUILD)
    exported = await service.export_learner(ALICE)
    text = json.dumps(exported)
    assert json.loads(text)["user_id"] == ALICE
    assert len(exported["reviews"]) == 3 and len(exported["attempts"]) == 3
    assert len(exported["item_states"]) == 3 and exported["enrolments"][0]["guild_id"] == GUILD


async def test_forget_deletes_the_learner_and_nobody_else(
    service: StudyService, database: Database
) -> None:
    await answer_all(service, ALICE, correct=True, guild_id=GUILD)
    await answer_all(service, BOB, correct=True, guild_id=GUILD)
    assert await service.forget_learner(ALICE)
    for model in (Learner, GuildEnrolment, ItemStateRow, Attempt, Review):
        assert count(database, model, user_id=ALICE) == 0
    assert count(database, Review, user_id=BOB) == 3
    assert not await service.forget_learner(ALICE)


async def test_learner_stats_count_only_what_happened_in_that_guild_or_in_dms(
    service: StudyService, clock: FixedClock
) -> None:
    # one learner in two servers: each server's instructor sees her work there (and in DMs),
    # never what she did in the other server
    await answer_all(service, ALICE, correct=True, guild_id=GUILD)
    clock.advance(days=3)
    await answer_all(service, ALICE, correct=False, guild_id=GUILD + 1)
    here = await service.learner_stats(GUILD, ALICE)
    there = await service.learner_stats(GUILD + 1, ALICE)
    assert (here.progress.reviews, here.progress.accuracy) == (3, 1.0)
    assert here.diagnosis_counts == [] and here.last_review == START
    assert (there.progress.reviews, there.progress.accuracy) == (3, 0.0)
    assert there.diagnosis_counts == [("forgot-upstream", 1)]
    assert there.last_review == START + timedelta(days=3)

    clock.advance(days=1)
    await answer_all(service, ALICE, correct=True, guild_id=None)  # in DMs: both see it
    for guild in (GUILD, GUILD + 1):
        assert (await service.learner_stats(guild, ALICE)).progress.reviews == 6


async def test_the_csv_rows_count_only_that_guilds_reviews(
    service: StudyService, clock: FixedClock
) -> None:
    await answer_all(service, ALICE, correct=True, guild_id=GUILD)
    clock.advance(days=3)
    await answer_all(service, ALICE, correct=False, guild_id=GUILD + 1)
    here = await service.class_stats(GUILD, START + timedelta(days=10))  # a period with none
    [alice_items_here] = [{r.attempts for r in here.rows}]
    assert alice_items_here == {1}
    assert all(r.correct == 1 and r.last_review == START for r in here.rows)
    learner = await service.learner_stats(GUILD + 1, ALICE)
    assert all(r.attempts == 1 and r.correct == 0 for r in learner.items)
    assert all(r.last_review == START + timedelta(days=3) for r in learner.items)
