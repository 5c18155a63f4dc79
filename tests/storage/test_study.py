"""The study service against a real database (SQLite, or PostgreSQL in CI), with a fixed clock."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import update

from quizzes.grading import AnswerParseError
from quizzes.leitner import LeitnerConfig, LeitnerScheduler
from quizzes.problems import FAMILIES
from quizzes.problems.base import Problem, QuizError
from quizzes.storage.db import Database
from quizzes.storage.models import Attempt, GuildEnrolment, Review
from quizzes.study import (
    AttemptExpired,
    AttemptNotFound,
    NothingDue,
    NotYourAttempt,
    ServedItem,
    StudyService,
)
from quizzes.study.context import ServedProblems
from tests.storage.study_helpers import (
    ALICE,
    BOB,
    START,
    FixedClock,
    attempt_row,
    count,
    forgot_upstream_answers,
    reviews_of,
    right_answers,
    serve,
    small_deck,
    state_row,
    wrong_answers,
)

GUILD = 9001


async def serve_problem(service: StudyService, family: str = "add-mul") -> ServedItem:
    item = await serve(service, practice_family=family)
    assert item.problem is not None
    return item


# --- serving ---------------------------------------------------------------------------


async def test_next_item_stores_the_attempt_before_serving_and_enrols(
    service: StudyService, database: Database
) -> None:
    item = await serve(service, guild_id=GUILD)
    stored = attempt_row(database, item.attempt_id)
    assert stored is not None and not stored.answered
    assert (stored.user_id, stored.item_id, stored.kind) == (ALICE, item.item_id, "card")
    assert item.card is not None and item.item_id == service.deck.cards[0].id
    assert count(database, GuildEnrolment, guild_id=GUILD, user_id=ALICE) == 1


async def test_a_served_problem_is_stored_with_what_rebuilds_it(
    service: StudyService, database: Database
) -> None:
    item = await serve_problem(service)
    stored = attempt_row(database, item.attempt_id)
    assert stored is not None and item.problem is not None
    assert (stored.family, stored.generator_version, stored.seed, stored.level) == (
        item.problem.key
    )
    assert stored.practice and item.practice


async def test_same_rng_seed_serves_the_same_problem(database: Database, clock: FixedClock) -> None:
    problems = []
    for _ in range(2):
        study = StudyService(database, clock=clock, rng=random.Random(3), deck=small_deck())
        problems.append((await serve_problem(study)).problem)
        await study.close()
    assert problems[0] is not None and problems[1] is not None
    assert problems[0].key == problems[1].key


async def test_session_serves_due_items_then_new_ones_up_to_the_daily_cap(
    database: Database, clock: FixedClock
) -> None:
    scheduler = LeitnerScheduler(LeitnerConfig(new_per_day=2))
    study = StudyService(database, clock=clock, scheduler=scheduler, deck=small_deck(cards=3))
    session = await study.start_session(ALICE)
    assert session.queue == list(study.deck.item_ids[:2])
    first = await serve(study, session=session)
    await study.submit(ALICE, first.attempt_id, {"recall": "missed"})
    clock.advance(days=1)
    session = await study.start_session(ALICE)
    # the missed card is due; one new item met yesterday does not count against today
    assert session.queue == [first.item_id, *study.deck.item_ids[1:3]]
    await study.close()


async def test_start_review_serves_what_start_session_then_next_item_would(
    database: Database, clock: FixedClock
) -> None:
    """One transaction for /review's start, with the same outcome as the two steps: the
    same queue, the same first item stored unanswered, the learner enrolled."""
    deck = small_deck(cards=2)
    outcomes = []
    for user, two_steps in ((ALICE, True), (BOB, False)):
        study = StudyService(database, clock=clock, deck=deck, rng=random.Random(5))
        if two_steps:
            session = await study.start_session(user, guild_id=GUILD)
            first = await study.next_item(user, guild_id=GUILD, session=session)
        else:
            session, first = await study.start_review(user, guild_id=GUILD)
        assert isinstance(first, ServedItem)
        stored = attempt_row(database, first.attempt_id)
        assert stored is not None and not stored.answered and stored.user_id == user
        assert count(database, GuildEnrolment, guild_id=GUILD, user_id=user) == 1
        rest = await study.next_item(user, guild_id=GUILD, session=session)
        assert isinstance(rest, ServedItem)
        outcomes.append((first.item_id, first.kind, stored.kind, rest.item_id, session.queue))
        await study.close()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][:3] == (deck.cards[0].id, "card", "card")


async def test_start_review_draws_a_first_problem_and_says_when_nothing_is_due(
    database: Database, clock: FixedClock
) -> None:
    study = StudyService(database, clock=clock, deck=small_deck(cards=0), rng=random.Random(2))
    _, first = await study.start_review(ALICE)
    assert isinstance(first, ServedItem) and first.problem is not None
    stored = attempt_row(database, first.attempt_id)
    assert stored is not None and (stored.kind, stored.seed) == ("problem", first.problem.seed)
    await study.submit(ALICE, first.attempt_id, right_answers(first.problem))
    session, nothing = await study.start_review(ALICE)
    assert session.queue == [] and isinstance(nothing, NothingDue)
    assert nothing.next_due is not None
    await study.close()


async def test_nothing_due_says_when_the_next_item_is(
    database: Database, clock: FixedClock
) -> None:
    study = StudyService(
        database, clock=clock, deck=small_deck(cards=1, families=()), rng=random.Random(1)
    )
    item = await serve(study)
    result = await study.submit(ALICE, item.attempt_id, {"recall": "knew"})
    nothing = await study.next_item(ALICE)
    assert isinstance(nothing, NothingDue) and nothing.next_due == result.next_due
    await study.close()


async def test_an_item_removed_from_the_deck_is_skipped(
    database: Database, clock: FixedClock
) -> None:
    full = StudyService(database, clock=clock, deck=small_deck(cards=2, families=()))
    first = await serve(full)
    await full.submit(ALICE, first.attempt_id, {"recall": "missed"})
    second = await serve(full)  # served, never answered
    await full.close()

    clock.advance(days=3)
    trimmed = StudyService(database, clock=clock, deck=small_deck(cards=0, families=()))
    session = await trimmed.start_session(ALICE)
    assert session.queue == []
    nothing = await trimmed.next_item(ALICE, session=session)
    assert isinstance(nothing, NothingDue) and nothing.next_due is None
    assert isinstance(await trimmed.next_item(ALICE), NothingDue)
    with pytest.raises(AttemptExpired):
        await trimmed.submit(ALICE, second.attempt_id, {"recall": "knew"})
    progress = await trimmed.progress(ALICE)
    assert sum(progress.boxes.values()) == 0 and progress.reviews == 1
    await trimmed.close()


async def test_practice_of_an_unknown_family_is_a_quiz_error(service: StudyService) -> None:
    with pytest.raises(QuizError):
        await service.next_item(ALICE, practice_family="no-such-family")


# --- submitting ------------------------------------------------------------------------


async def test_card_submit_moves_the_box_and_a_second_submit_replays(
    service: StudyService, database: Database
) -> None:
    item = await serve(service)
    first = await service.submit(ALICE, item.attempt_id, {"recall": "knew"}, seconds_taken=4.5)
    assert (first.correct, first.box_before, first.box_after, first.replayed) == (True, 1, 2, False)
    assert first.next_due is not None and first.next_due > START
    again = await service.submit(ALICE, item.attempt_id, {"recall": "missed"})
    assert again.replayed and again.correct and again.box_after == 2
    assert count(database, Review, user_id=ALICE) == 1
    state = state_row(database, ALICE, item.item_id)
    assert state is not None and (state["box"], state["reviews"], state["correct"]) == (2, 1, 1)


async def test_problem_right_answers_pass_and_the_grade_is_stored(
    service: StudyService, database: Database
) -> None:
    session = await service.start_session(ALICE)
    session.queue = ["add-mul"]
    item = await serve(service, session=session)
    assert item.problem is not None and not item.practice
    result = await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
    assert result.correct and result.grade is not None and result.grade.passed
    assert result.box_after == 2
    replay = await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
    assert replay.replayed and replay.grade == result.grade


async def test_wrong_answers_store_their_diagnosis_codes(
    service: StudyService, database: Database
) -> None:
    item = await serve_problem(service)
    assert item.problem is not None
    answers = forgot_upstream_answers(item.problem)
    result = await service.submit(ALICE, item.attempt_id, answers)
    assert not result.correct and result.grade is not None
    assert result.grade.codes == ("forgot-upstream",)
    [review] = reviews_of(database, ALICE)
    assert review.codes == list(result.grade.codes) and not review.correct


@pytest.mark.parametrize("family", sorted(FAMILIES))
async def test_every_family_round_trips_through_submit(service: StudyService, family: str) -> None:
    right = await serve_problem(service, family)
    wrong = await serve_problem(service, family)
    assert right.problem is not None and wrong.problem is not None
    assert (await service.submit(ALICE, right.attempt_id, right_answers(right.problem))).correct
    assert not (await service.submit(ALICE, wrong.attempt_id, wrong_answers(wrong.problem))).correct


async def test_a_parse_error_records_nothing(service: StudyService, database: Database) -> None:
    item = await serve_problem(service)
    assert item.problem is not None
    answers = right_answers(item.problem) | {"dx": "two", "dz": "import os"}
    with pytest.raises(AnswerParseError) as caught:
        await service.submit(ALICE, item.attempt_id, answers)
    assert {error.name for error in caught.value.errors} == {"dx", "dz"}
    stored = attempt_row(database, item.attempt_id)
    assert stored is not None and not stored.answered
    assert count(database, Review) == 0
    result = await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
    assert result.correct and not result.replayed


async def test_a_card_needs_knew_or_missed(service: StudyService, database: Database) -> None:
    item = await serve(service)
    with pytest.raises(AnswerParseError):
        await service.submit(ALICE, item.attempt_id, {"recall": "maybe"})
    assert count(database, Review) == 0 and state_row(database, ALICE, item.item_id) is None


async def test_check_page_parses_one_page_and_records_nothing(
    service: StudyService, database: Database
) -> None:
    item = await serve_problem(service)
    assert item.problem is not None
    with pytest.raises(AnswerParseError):
        await service.check_page(ALICE, item.attempt_id, 0, {"q": "1/0x"})
    await service.check_page(ALICE, item.attempt_id, 0, right_answers(item.problem))
    stored = attempt_row(database, item.attempt_id)
    assert stored is not None and not stored.answered and count(database, Review) == 0
    with pytest.raises(NotYourAttempt):
        await service.check_page(BOB, item.attempt_id, 0, right_answers(item.problem))


async def test_another_learners_attempt_is_refused(
    service: StudyService, database: Database
) -> None:
    item = await serve(service)
    with pytest.raises(NotYourAttempt):
        await service.submit(BOB, item.attempt_id, {"recall": "knew"})
    assert count(database, Review) == 0


async def test_an_unknown_attempt_is_refused(service: StudyService) -> None:
    with pytest.raises(AttemptNotFound):
        await service.submit(ALICE, 424242, {"recall": "knew"})


async def test_an_old_attempt_has_expired(service: StudyService, clock: FixedClock) -> None:
    item = await serve(service)
    clock.advance(hours=25)
    with pytest.raises(AttemptExpired):
        await service.submit(ALICE, item.attempt_id, {"recall": "knew"})


async def test_an_attempt_of_an_older_generator_has_expired(
    service: StudyService, database: Database
) -> None:
    item = await serve_problem(service)
    with database.transaction() as session:
        session.execute(
            update(Attempt).where(Attempt.id == item.attempt_id).values(generator_version=0)
        )
    assert item.problem is not None
    with pytest.raises(AttemptExpired):
        await service.submit(ALICE, item.attempt_id, right_answers(item.problem))


async def test_practice_moves_no_box(service: StudyService, database: Database) -> None:
    item = await serve_problem(service)
    assert item.problem is not None
    result = await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
    assert result.practice and result.correct and result.box_before == result.box_after == 1
    assert state_row(database, ALICE, "add-mul") is None
    [review] = reviews_of(database, ALICE)
    assert review.practice


# --- undo ------------------------------------------------------------------------------


async def test_undo_restores_the_item_state_exactly(
    service: StudyService, database: Database, clock: FixedClock
) -> None:
    first = await serve(service)
    await service.submit(ALICE, first.attempt_id, {"recall": "knew"})
    clock.advance(days=2)
    before = state_row(database, ALICE, first.item_id)
    again = await serve(service)
    assert again.item_id == first.item_id
    clock.advance(seconds=30)
    await service.submit(ALICE, again.attempt_id, {"recall": "missed"})
    assert state_row(database, ALICE, first.item_id) != before
    clock.advance(minutes=9)
    undone = await service.undo_last(ALICE)
    assert state_row(database, ALICE, first.item_id) == before
    assert before is not None and (undone.box, undone.due) == (before["box"], before["due"])
    reviews = reviews_of(database, ALICE)
    assert [r.undone for r in reviews] == [False, True]
    assert reviews[1].undone_at == clock.now


async def test_undoing_a_first_review_makes_the_item_new_again(
    service: StudyService, database: Database
) -> None:
    item = await serve(service)
    await service.submit(ALICE, item.attempt_id, {"recall": "knew"})
    await service.undo_last(ALICE)
    assert state_row(database, ALICE, item.item_id) is None
    progress = await service.progress(ALICE)
    assert progress.reviews == 0 and progress.streak_days == 0
    session = await service.start_session(ALICE)
    assert session.queue[0] == item.item_id


async def test_undo_only_within_ten_minutes_and_only_once(
    service: StudyService, clock: FixedClock
) -> None:
    with pytest.raises(QuizError, match="undo"):
        await service.undo_last(ALICE)
    item = await serve(service)
    await service.submit(ALICE, item.attempt_id, {"recall": "knew"})
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(QuizError, match="undo"):
        await service.undo_last(ALICE)


# --- the problems served lately --------------------------------------------------------


async def test_grading_and_walking_find_the_served_problem_without_drawing_it_again(
    service: StudyService, database: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = FAMILIES["add-mul"]
    drawn: list[tuple[int, int]] = []
    build = family.build

    def counted(seed: int, level: int) -> Problem:
        drawn.append((seed, level))
        return build(seed, level)

    monkeypatch.setattr(family, "build", counted)
    item = await serve_problem(service)
    assert item.problem is not None and len(drawn) == 1
    result = await service.submit(ALICE, item.attempt_id, forgot_upstream_answers(item.problem))
    assert not result.correct and result.walkable
    await service.start_walk(ALICE, item.attempt_id)
    assert len(drawn) == 1  # the submit's grading and the walk's plan used the kept problem
    restarted = StudyService(database, clock=clock, deck=small_deck())  # keeps nothing yet
    replay = await restarted.submit(ALICE, item.attempt_id, {})
    assert replay.replayed and replay.walkable
    assert drawn == [(item.problem.seed, item.problem.level)] * 2  # drawn again, the same one
    await restarted.close()


def test_served_problems_keeps_the_most_recently_used() -> None:
    kept = ServedProblems(size=2)
    family = FAMILIES["add-mul"]
    first, second, third = (kept.remember(family.build(seed, 1)) for seed in (1, 2, 3))
    assert len(kept) == 2
    assert kept.rebuild(*second.key) is second  # kept: the very object
    assert kept.rebuild(*third.key) is third
    again = kept.rebuild(*first.key)  # evicted: drawn again, equal, and kept from now on
    assert again == first and again is not first and kept.rebuild(*first.key) is again
    assert kept.rebuild(*second.key) is not second  # the least recently used went out


def test_a_kept_problem_of_a_changed_generator_is_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = ServedProblems()
    family = FAMILIES["add-mul"]
    problem = kept.remember(family.build(5, 1))
    monkeypatch.setattr(family, "version", family.version + 1)
    with pytest.raises(QuizError):
        kept.rebuild(*problem.key)
