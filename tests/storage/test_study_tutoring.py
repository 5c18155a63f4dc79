"""The learning loop through the study service: retests, levels apart from the box, walks,
skills — on the real database."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from quizzes.grading import AnswerParseError
from quizzes.problems.base import Problem
from quizzes.storage import tutoring_queries
from quizzes.storage.db import Database
from quizzes.storage.models import Walk
from quizzes.study import StudyService
from quizzes.study.results import NothingToPractise, NotYourAttempt, NoWalk, WalkOver
from quizzes.tutoring.retest import can_show
from tests.storage.study_helpers import (
    ALICE,
    BOB,
    START,
    FixedClock,
    attempt_row,
    forgot_upstream_answers,
    right_answers,
    serve,
    small_deck,
    state_row,
)


@pytest.fixture
async def net_service(database: Database, clock: FixedClock) -> AsyncIterator[StudyService]:
    deck = small_deck(cards=0, families=("two-layer-net",))
    study = StudyService(database, clock=clock, rng=random.Random(5), deck=deck)
    yield study
    await study.close()


def dead_relu_answers(problem: Problem) -> dict[str, str]:
    """Gradient let through the inactive unit: every unit passes its W2 gradient."""
    givens = dict(problem.givens)
    w1, w2 = givens["W1"], givens["W2"][0]  # type: ignore[index]
    x = [row[0] for row in givens["x"]]  # type: ignore[union-attr]
    answers = right_answers(problem)
    for q in problem.quantities:
        if q.name.startswith("dW1_"):
            answers[q.name] = repr(w2[int(q.name[4])] * x[int(q.name[5])])  # type: ignore[index]
        elif q.name.startswith("db1_"):
            answers[q.name] = repr(w2[int(q.name[4])])  # type: ignore[index]
        elif q.name in ("dx0", "dx1"):
            k = int(q.name[2])
            answers[q.name] = repr(sum(w2[i] * w1[i][k] for i in range(2)))  # type: ignore[index]
    return answers


def set_level(database: Database, family: str, level: int) -> None:
    with database.transaction() as session:
        tutoring_queries.write_family_level(session, ALICE, family, level, 0, START)


def level_of(database: Database, family: str) -> tuple[int, int] | None:
    with database.session() as session:
        return tutoring_queries.family_level(session, ALICE, family)


async def test_a_missed_dead_relu_is_retested_on_a_fresh_net_with_an_inactive_unit(
    net_service: StudyService, database: Database
) -> None:
    session = await net_service.start_session(ALICE)
    set_level(database, "two-layer-net", 2)
    first = await serve(net_service, session=session)
    assert first.problem is not None and first.problem.level == 2
    result = await net_service.submit(ALICE, first.attempt_id, dead_relu_answers(first.problem))
    assert not result.correct and "dead-relu" in result.grade.codes  # type: ignore[union-attr]
    session.record(result.item_id, result.correct)
    # the box fell to 1 and the level by one; the retest has an inactive unit anyway
    assert state_row(database, ALICE, "two-layer-net")["box"] == 1  # type: ignore[index]
    assert level_of(database, "two-layer-net") == (1, 0)
    again = await serve(net_service, session=session)
    assert again.problem is not None and again.problem.seed != first.problem.seed
    assert can_show(again.problem, "dead-relu")
    assert attempt_row(database, again.attempt_id).retest_code == "dead-relu"  # type: ignore[union-attr]


async def test_the_level_rises_with_right_answers_and_undo_puts_it_back(
    service: StudyService, database: Database, clock: FixedClock
) -> None:
    levels = []
    for n in range(2):
        if n:
            clock.advance(days=30)
        item = await serve(service)
        while item.problem is None:  # the cards first
            await service.submit(ALICE, item.attempt_id, {"recall": "knew"})
            item = await serve(service)
        await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
        levels.append(level_of(database, "add-mul"))
    assert levels == [(1, 1), (2, 0)]
    await service.undo_last(ALICE)
    assert level_of(database, "add-mul") == (1, 1)


async def walk_after_forgot_upstream(service: StudyService) -> tuple[int, int]:
    item = await serve(service)
    while item.problem is None:
        await service.submit(ALICE, item.attempt_id, {"recall": "knew"})
        item = await serve(service)
    result = await service.submit(ALICE, item.attempt_id, forgot_upstream_answers(item.problem))
    assert not result.correct and result.walkable
    replayed = await service.submit(ALICE, item.attempt_id, forgot_upstream_answers(item.problem))
    assert replayed.replayed and replayed.walkable  # a double submit offers it again
    step = await service.start_walk(ALICE, item.attempt_id)
    return item.attempt_id, step.walk_id


async def test_a_walk_is_done_step_by_step_recorded_and_moves_no_box(
    service: StudyService, database: Database
) -> None:
    attempt_id, walk_id = await walk_after_forgot_upstream(service)
    box = state_row(database, ALICE, "add-mul")["box"]  # type: ignore[index]
    with pytest.raises(AnswerParseError):
        await service.walk_answer(ALICE, walk_id, "the upstream")
    first = await service.walk_answer(ALICE, walk_id, "1")  # 1 is the output's, not this gate's
    assert not first.right and not first.shown and first.next is not None
    assert first.next.number == 1 and "Try again" in first.text
    shown = await service.walk_answer(ALICE, walk_id, "1")
    assert shown.shown and shown.next is not None and shown.next.number == 2
    local = await service.walk_answer(ALICE, walk_id, "1")  # an add gate's local gradient
    assert local.right and local.next is not None and local.next.number == 3
    down_text = shown.text.split("It is ")[1].rstrip(".")
    last = await service.walk_answer(ALICE, walk_id, down_text)  # 1 × upstream
    assert last.right and last.finished and last.next is None and "Rule" in last.text
    with database.session() as session:
        walk = session.get(Walk, walk_id)
        assert walk is not None and walk.outcome == "done" and walk.code == "forgot-upstream"
        assert [(t["step"], t["right"]) for t in walk.steps] == [
            (0, False),
            (0, False),
            (1, True),
            (2, True),
        ]
        assert walk.attempt_id == attempt_id and walk.finished_at is not None
    assert state_row(database, ALICE, "add-mul")["box"] == box  # type: ignore[index]
    with pytest.raises(WalkOver):
        await service.walk_answer(ALICE, walk_id, "1")
    progress = await service.progress(ALICE)
    skills = {m.skill: m for m in progress.skills}
    assert {"add", "mul", "chain", "forward"} <= set(skills)
    assert skills["chain"].opportunities > skills["add"].opportunities  # walk steps count
    assert progress.frequent_mistake == ("forgot-upstream", 1)


async def test_a_walk_answers_its_owner_only_and_a_skipped_walk_is_over(
    service: StudyService,
) -> None:
    attempt_id, walk_id = await walk_after_forgot_upstream(service)
    with pytest.raises(NotYourAttempt):
        await service.walk_answer(BOB, walk_id, "1")
    with pytest.raises(NotYourAttempt):
        await service.start_walk(BOB, attempt_id)
    closing = await service.skip_walk(ALICE, walk_id)
    assert closing.startswith("So ∂f/∂") and "Rule" in closing
    with pytest.raises(WalkOver):
        await service.walk_answer(ALICE, walk_id, "1")


async def test_no_walk_for_a_right_answer(service: StudyService) -> None:
    item = await serve(service)
    while item.problem is None:
        await service.submit(ALICE, item.attempt_id, {"recall": "knew"})
        item = await serve(service)
    result = await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
    assert not result.walkable
    with pytest.raises(NoWalk):
        await service.start_walk(ALICE, item.attempt_id)


GUILD, OTHER_GUILD = 555, 777


async def test_class_stats_show_skills_and_who_got_a_retest_right_in_this_server_only(
    service: StudyService, database: Database
) -> None:
    session = await service.start_session(ALICE, guild_id=GUILD)
    item = await serve(service, session=session, guild_id=GUILD)
    while item.problem is None:
        result = await service.submit(ALICE, item.attempt_id, {"recall": "knew"})
        session.record(result.item_id, result.correct)
        item = await serve(service, session=session, guild_id=GUILD)
    missed = await service.submit(ALICE, item.attempt_id, forgot_upstream_answers(item.problem))
    session.record(missed.item_id, missed.correct)
    retest = await serve(service, session=session, guild_id=GUILD)
    assert retest.problem is not None
    assert attempt_row(database, retest.attempt_id).retest_code == "forgot-upstream"  # type: ignore[union-attr]
    await service.submit(ALICE, retest.attempt_id, right_answers(retest.problem))
    # Bob's slip in another server is not this class's business
    bob = await serve(service, BOB, guild_id=OTHER_GUILD)
    while bob.problem is None:
        await service.submit(BOB, bob.attempt_id, {"recall": "knew"})
        bob = await serve(service, BOB, guild_id=OTHER_GUILD)
    await service.submit(BOB, bob.attempt_id, forgot_upstream_answers(bob.problem))

    stats = await service.class_stats(GUILD, START)
    assert [(r.code, r.learners, r.retested, r.retest_right) for r in stats.retests] == [
        ("forgot-upstream", 1, 1, 1)
    ]
    assert set(stats.learner_skills) == {ALICE}
    skills = {s.skill: s for s in stats.skills}
    assert {"add", "mul", "chain", "forward"} <= set(skills)
    assert all(s.learners == 1 for s in stats.skills)
    assert skills["add"].mean == pytest.approx(stats.learner_skills[ALICE]["add"])


async def test_practice_without_a_family_in_a_deck_of_cards_only_says_so(
    database: Database, clock: FixedClock
) -> None:
    study = StudyService(database, clock=clock, deck=small_deck(cards=2, families=()))
    try:
        with pytest.raises(NothingToPractise, match="no problem family to practise"):
            await study.recommend_practice(ALICE)
    finally:
        await study.close()


def test_the_most_frequent_mistake_is_one_that_stands_out_or_none() -> None:
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from quizzes.study.tutoring import frequent_mistake

    now = datetime(2026, 12, 3, 12, tzinfo=UTC)

    def reviews(*codes: tuple[str, ...], days_ago: int = 1) -> list[SimpleNamespace]:
        at = now - timedelta(days=days_ago)
        return [SimpleNamespace(reviewed_at=at, codes=list(c)) for c in codes]

    once_each = reviews(("mul-swap",), ("sign",), ("fork-sum",), ("max-routing",))
    assert frequent_mistake(once_each, now) is None  # a tie says nothing: no silent pick
    assert frequent_mistake(once_each + reviews(("sign",)), now) == ("sign", 2)
    assert frequent_mistake(reviews(("mul-swap",)), now) == ("mul-swap", 1)
    old = reviews(("sign",), ("sign",), days_ago=20)  # outside the 14 days
    assert frequent_mistake(old + reviews(("mul-swap",)), now) == ("mul-swap", 1)
    assert frequent_mistake(reviews((), ()), now) is None


def test_a_review_is_one_piece_of_evidence_per_skill_not_one_per_answer() -> None:
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from quizzes.study.tutoring import skill_observations

    start = datetime(2026, 12, 3, 12, tzinfo=UTC)

    def review(minutes: int, right: dict[str, bool]) -> SimpleNamespace:
        results = {
            "results": [{"name": n, "correct": ok} for n, ok in right.items()],
            "skills": {"dx": ["mul", "chain"], "dy": ["mul", "chain"], "dz": ["mul"]},
        }
        return SimpleNamespace(reviewed_at=start + timedelta(minutes=minutes), results=results)

    one_slip = review(0, {"dx": True, "dy": False, "dz": True})
    all_right = review(5, {"dx": True, "dy": True, "dz": True})
    assert skill_observations([one_slip, all_right], []) == [
        ("mul", False),
        ("chain", False),
        ("mul", True),
        ("chain", True),
    ]
