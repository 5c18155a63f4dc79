"""How hard a learner's next problem of a family is: a level kept apart from the Leitner box.

The box decides *when* an item comes back; the level decides *how hard* it is.  The
level rises by one after ``RISE_AFTER`` right answers in a row and falls by one after a
miss — but never below the lowest level at which the learner's diagnosed mistake can
show, so the misconception meets its retest instead of a problem that cannot reveal it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from quizzes.problems.base import MAX_LEVEL
from quizzes.tutoring.retest import lowest_level

RISE_AFTER = 2  # right answers in a row that raise the level by one


@dataclass(frozen=True)
class Level:
    level: int
    streak: int = 0  # right answers in a row since the level last changed


def after_answer(
    family: str,
    current: Level,
    correct: bool,
    codes: Iterable[str] = (),
    floor_of: Callable[[str, str], int | None] = lowest_level,
) -> Level:
    """The level after an answer; ``floor_of(family, code)`` is the lowest level at which a
    mistake can show (the engine's answer, :func:`quizzes.tutoring.retest.lowest_level`)."""
    if correct:
        if current.streak + 1 >= RISE_AFTER:
            return Level(min(current.level + 1, MAX_LEVEL), 0)
        return Level(current.level, current.streak + 1)
    floors = [f for code in codes if (f := floor_of(family, code)) is not None]
    floor = max(floors, default=1)
    return Level(max(current.level - 1, floor, 1), 0)
