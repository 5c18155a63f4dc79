"""Shared pieces of the study-service tests: a fixed clock, right answers, row snapshots."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from quizzes.decks import Deck, default_deck
from quizzes.problems.base import Problem, fmt
from quizzes.storage.db import Database
from quizzes.storage.models import Attempt, ItemStateRow, Review
from quizzes.study import ServedItem, StudyService

START = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # a Monday, midday UTC
ALICE, BOB = 101, 202  # two learners (Discord user ids)


class FixedClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def small_deck(cards: int = 2, families: tuple[str, ...] = ("add-mul",)) -> Deck:
    """The shipped deck cut down to a few cards and families, so tests can exhaust it."""
    deck = default_deck()
    return replace(deck, cards=deck.cards[:cards], families=families)


def _answer_text(expected: object) -> str:
    if isinstance(expected, str):
        return expected
    if isinstance(expected, tuple):
        return "; ".join(" ".join(fmt(x) for x in row) for row in expected)
    assert isinstance(expected, float | int)
    return fmt(float(expected))


def right_answers(problem: Problem) -> dict[str, str]:
    return {q.name: _answer_text(q.expected) for q in problem.quantities}


def wrong_answers(problem: Problem) -> dict[str, str]:
    """Readable but wrong: every number shifted by 100 (a choice moved to another key)."""
    answers = {}
    for quantity in problem.quantities:
        if quantity.kind == "choice":
            answers[quantity.name] = next(c.key for c in problem.choices if not c.correct)
        elif isinstance(quantity.expected, float | int):
            answers[quantity.name] = fmt(quantity.expected + 100)
        else:
            assert isinstance(quantity.expected, tuple)
            shifted = tuple(tuple(x + 100 for x in row) for row in quantity.expected)
            answers[quantity.name] = _answer_text(shifted)
    return answers


def forgot_upstream_answers(problem: Problem) -> dict[str, str]:
    """add-mul answered with the add gate's local gradient 1 instead of 1 × upstream z."""
    assert problem.family == "add-mul" and dict(problem.givens)["z"] != 1
    return right_answers(problem) | {"dx": "1", "dy": "1"}


def count(database: Database, model: Any, **where: Any) -> int:
    with database.session() as session:
        statement = select(func.count()).select_from(model)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return int(session.scalar(statement) or 0)


def state_row(database: Database, user_id: int, item_id: str) -> dict[str, Any] | None:
    with database.session() as session:
        row = session.get(ItemStateRow, (user_id, item_id))
        if row is None:
            return None
        return {c.key: getattr(row, c.key) for c in ItemStateRow.__table__.columns}


def attempt_row(database: Database, attempt_id: int) -> Attempt | None:
    with database.session() as session:
        return session.get(Attempt, attempt_id)


def reviews_of(database: Database, user_id: int) -> list[Review]:
    with database.session() as session:
        statement = select(Review).where(Review.user_id == user_id).order_by(Review.id)
        return list(session.scalars(statement))


async def serve(service: StudyService, user_id: int = ALICE, **kwargs: Any) -> ServedItem:
    """The next item for ``user_id``, which must be one (not NothingDue)."""
    item = await service.next_item(user_id, **kwargs)
    assert isinstance(item, ServedItem), item
    return item
