"""Answering: check a page, submit an attempt (once), undo the last answer.

A submit is one transaction: claim the attempt (``answered`` false -> true, a
conditional UPDATE only one racer can win), lock and update the item state,
insert the review.  A racer that loses the claim returns the winner's result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from quizzes.decks import Card
from quizzes.grading import AnswerParseError, FieldError, Grade, grade, parse_answers
from quizzes.leitner import ItemState
from quizzes.problems.base import Problem, QuizError
from quizzes.skills import quantity_skills
from quizzes.storage import queries, tutoring_queries
from quizzes.storage.db import retry_when_locked
from quizzes.storage.models import Review
from quizzes.study.context import StudyContext
from quizzes.study.results import (
    AttemptExpired,
    AttemptNotFound,
    NothingToUndo,
    NotYourAttempt,
    SubmitResult,
    UndoResult,
)
from quizzes.timezones import learner_zone
from quizzes.tutoring.levels import Level, after_answer
from quizzes.tutoring.walk import plan as walk_plan

ATTEMPT_LIFETIME = timedelta(hours=24)
UNDO_WINDOW = timedelta(minutes=10)
_STATE_FIELDS = ("box", "due", "last_review", "reviews", "correct", "lapses")
RECALL_FIELD = "recall"
RECALL_ANSWERS = {"knew": True, "missed": False}


@dataclass(frozen=True)
class StoredAttempt:
    """An attempt as stored, with its learner's zone name."""

    id: int
    user_id: int
    guild_id: int | None
    item_id: str
    kind: str
    family: str | None
    generator_version: int | None
    seed: int | None
    level: int
    served_at: datetime
    answered: bool
    practice: bool
    timezone: str
    retest_code: str | None = None


def owned_attempt(session: Session, user_id: int, attempt_id: int) -> StoredAttempt:
    row = queries.attempt_with_zone(session, attempt_id)
    if row is None:
        raise AttemptNotFound()
    attempt = StoredAttempt(**row)
    if attempt.user_id != user_id:
        raise NotYourAttempt()
    return attempt


def what_was_served(context: StudyContext, attempt: StoredAttempt, now: datetime) -> Card | Problem:
    """The card or the exact problem of an unanswered attempt, or AttemptExpired."""
    if now - attempt.served_at > ATTEMPT_LIFETIME:
        raise AttemptExpired()
    if attempt.kind == "card":
        card = context.card(attempt.item_id)
        if card is None:
            raise AttemptExpired("This card has been removed from the deck — start a new review.")
        return card
    return rebuild_served(context, attempt)


def rebuild_served(context: StudyContext, attempt: StoredAttempt) -> Problem:
    """The exact problem of a problem attempt, answered or not (AttemptExpired if its
    generator has changed since)."""
    if attempt.family is None or attempt.generator_version is None or attempt.seed is None:
        raise AttemptExpired()
    try:
        return context.served.rebuild(
            attempt.family, attempt.generator_version, attempt.seed, attempt.level
        )
    except QuizError as stale:  # StaleProblemError, or a family that no longer exists
        raise AttemptExpired(
            "This problem's generator has changed since it was served — start a new review."
        ) from stale


def parse_recall(answers: Mapping[str, str]) -> bool:
    text = answers.get(RECALL_FIELD, "").strip().lower()
    if text not in RECALL_ANSWERS:
        error = FieldError(RECALL_FIELD, "Did you know it?", "answer knew or missed", "knew")
        raise AnswerParseError([error])
    return RECALL_ANSWERS[text]


def _grade(served: Card | Problem, answers: Mapping[str, str]) -> tuple[bool, Grade | None]:
    if isinstance(served, Card):
        return parse_recall(answers), None
    result = grade(served, answers)
    return result.passed, result


def check_page(
    context: StudyContext, user_id: int, attempt_id: int, page: int, answers: Mapping[str, str]
) -> None:
    """Parse one page of answers (AnswerParseError if unreadable); records nothing."""
    now = context.now()
    with context.database.read_session() as session:
        attempt = owned_attempt(session, user_id, attempt_id)
        served = what_was_served(context, attempt, now)
    if isinstance(served, Card):
        parse_recall(answers)
    else:
        parse_answers(served, answers, page)


def submit(
    context: StudyContext,
    user_id: int,
    attempt_id: int,
    answers: Mapping[str, str],
    seconds_taken: float | None,
) -> SubmitResult:
    now = context.now()
    return retry_when_locked(
        lambda: _submit_once(context, user_id, attempt_id, dict(answers), seconds_taken, now)
    )


def _submit_once(
    context: StudyContext,
    user_id: int,
    attempt_id: int,
    answers: dict[str, str],
    seconds_taken: float | None,
    now: datetime,
) -> SubmitResult:
    # Rebuilding, grading and diagnosing the problem are the submit's costly part, and
    # need no lock: they run before the write transaction, which on SQLite holds the
    # database's one write lock (bench/bot_load.py: each write held it ~6 ms, ~1 ms after).
    with context.database.read_session() as session:
        attempt = owned_attempt(session, user_id, attempt_id)
        if attempt.answered:
            return _replay(context, session, attempt)
    served = what_was_served(context, attempt, now)
    correct, result = _grade(served, answers)  # a parse error: nothing recorded
    results = None if result is None else _results(served, result)
    walkable = _walkable(served, result)
    with context.database.transaction() as session:
        if not queries.claim_attempt(session, attempt.id):
            return _replay(context, session, attempt)  # a concurrent submit won the claim
        review: dict[str, Any] = {
            "user_id": user_id,
            "guild_id": attempt.guild_id,
            "item_id": attempt.item_id,
            "family": attempt.family,
            "attempt_id": attempt.id,
            "correct": correct,
            "results": results,
            "codes": [] if result is None else list(result.codes),
            "answer_text": json.dumps(answers, ensure_ascii=False, sort_keys=True),
            "seconds_taken": seconds_taken,
            "reviewed_at": now,
            "practice": attempt.practice,
            "undone": False,
        }
        if attempt.practice:
            review |= _practice_boxes(session, attempt)
        else:
            review |= _apply_leitner(session, context, attempt, correct, now)
            if result is not None and attempt.family is not None and context.adaptive:
                before = _apply_level(session, attempt, attempt.family, correct, result, now)
                review["state_before"] = review["state_before"] | {"level": before}
        queries.add_review(session, review)
        return SubmitResult(
            attempt_id=attempt.id,
            item_id=attempt.item_id,
            correct=correct,
            grade=result,
            box_before=review["box_before"],
            box_after=review["box_after"],
            next_due=review["due_after"],
            replayed=False,
            practice=attempt.practice,
            walkable=walkable,
        )


def _walkable(served: Card | Problem, result: Grade | None) -> bool:
    """Whether the answer can be worked through, gate by gate (a wrong backward answer)."""
    if isinstance(served, Card) or result is None or result.passed:
        return False
    return walk_plan(served, result) is not None


def _results(served: Card | Problem, result: Grade) -> dict[str, Any]:
    """The grade as stored, with the skills each quantity exercises (for mastery)."""
    skills = {} if isinstance(served, Card) else quantity_skills(served)
    return result.to_dict() | {"skills": {name: list(s) for name, s in skills.items()}}


def _apply_level(
    session: Session,
    attempt: StoredAttempt,
    family: str,
    correct: bool,
    result: Grade,
    now: datetime,
) -> dict[str, int] | None:
    """Move the family's level (difficulty, apart from the box); the level before, or None
    when the family had none stored (it then started at the box)."""
    stored = tutoring_queries.family_level(session, attempt.user_id, family)
    current = Level(attempt.level) if stored is None else Level(*stored)
    after = after_answer(family, current, correct, result.codes)
    tutoring_queries.write_family_level(
        session, attempt.user_id, family, after.level, after.streak, now
    )
    return None if stored is None else {"level": stored[0], "streak": stored[1]}


def _practice_boxes(session: Session, attempt: StoredAttempt) -> dict[str, Any]:
    """Practice moves no box: the review records where the item stands."""
    box, due = queries.item_box_and_due(session, attempt.user_id, attempt.item_id)
    return {"box_before": box, "box_after": box, "due_after": due, "state_before": None}


def _apply_leitner(
    session: Session, context: StudyContext, attempt: StoredAttempt, correct: bool, now: datetime
) -> dict[str, Any]:
    """Move the item's box; the review's columns that say what changed."""
    stored = queries.lock_item_state(session, attempt.user_id, attempt.item_id, now)
    before = _state_of(attempt.item_id, stored)
    zone = learner_zone(attempt.timezone)
    after, log = context.scheduler.review(before, correct, now, zone)
    columns = _columns_of(after) | {"first_seen": stored["first_seen"]}
    queries.write_item_state(session, attempt.user_id, attempt.item_id, columns)
    return {
        "box_before": log.box_before,
        "box_after": log.box_after,
        "due_after": after.due,
        "state_before": before.to_dict() | {"first_seen": stored["first_seen"].isoformat()},
    }


def _state_of(item_id: str, stored: dict[str, Any]) -> ItemState:
    return ItemState(item_id, **{key: stored[key] for key in _STATE_FIELDS})


def _columns_of(state: ItemState) -> dict[str, Any]:
    return {key: getattr(state, key) for key in _STATE_FIELDS}


def _replay(context: StudyContext, session: Session, attempt: StoredAttempt) -> SubmitResult:
    review = queries.review_for_attempt(session, attempt.id)
    if review is None:  # answered flag without a review: cannot happen within one transaction
        raise AttemptNotFound()
    grade = None if review.results is None else Grade.from_dict(review.results)
    walkable = False
    if attempt.kind == "problem" and grade is not None and not review.correct:
        try:
            walkable = _walkable(rebuild_served(context, attempt), grade)
        except AttemptExpired:
            walkable = False
    return SubmitResult(
        attempt_id=review.attempt_id,
        item_id=review.item_id,
        correct=review.correct,
        grade=grade,
        box_before=review.box_before,
        box_after=review.box_after,
        next_due=review.due_after,
        replayed=True,
        practice=review.practice,
        walkable=walkable,
    )


def undo_last(context: StudyContext, user_id: int) -> UndoResult:
    now = context.now()
    return retry_when_locked(lambda: _undo_once(context, user_id, now))


def _undo_once(context: StudyContext, user_id: int, now: datetime) -> UndoResult:
    with context.database.transaction() as session:
        review = queries.latest_review(session, user_id)
        if review is None or now - review.reviewed_at > UNDO_WINDOW:
            raise NothingToUndo()
        box, due = review.box_before, review.due_after
        if review.state_before is not None:
            before = ItemState.from_dict(review.state_before)
            _restore(session, review, before)
            box, due = before.box, before.due
        review.undone, review.undone_at = True, now
        return UndoResult(
            item_id=review.item_id,
            box=box,
            due=due,
            reviewed_at=review.reviewed_at,
            practice=review.practice,
            title=context.item_title(review.item_id),
        )


def _restore(session: Session, review: Review, before: ItemState) -> None:
    """Put the item state back exactly; an item met for the first time becomes new again."""
    if review.state_before is not None and "level" in review.state_before and review.family:
        level = review.state_before["level"]
        if level is None:
            tutoring_queries.delete_family_level(session, review.user_id, review.family)
        else:
            tutoring_queries.write_family_level(
                session,
                review.user_id,
                review.family,
                level["level"],
                level["streak"],
                review.reviewed_at,
            )
    if before.reviews == 0:
        queries.delete_item_state(session, review.user_id, review.item_id)
        return
    stored = queries.lock_item_state(session, review.user_id, review.item_id, review.reviewed_at)
    first_seen = review.state_before.get("first_seen") if review.state_before else None
    columns = _columns_of(before) | {
        "first_seen": stored["first_seen"]
        if first_seen is None
        else datetime.fromisoformat(first_seen)
    }
    queries.write_item_state(session, review.user_id, review.item_id, columns)
