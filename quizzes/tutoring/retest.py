"""A retest of what was missed: a fresh problem on which the same mistake would show.

Whether a mistake can show on a problem is asked of the engine, not of tags: some
hypothesis of that mistake (:mod:`quizzes.hypotheses`) must change an asked answer.  A
`dead-relu` can show only where a hidden unit is inactive (two-layer-net from level 2),
a `max-routing` only where there is a max gate, a `mul-swap` only where a multiply
gate's inputs differ.
"""

from __future__ import annotations

import functools
import random

from quizzes.hypotheses import backward_hypotheses, forward_hypotheses
from quizzes.problems import FAMILIES
from quizzes.problems.base import MAX_LEVEL, Problem, draw_seed

TRIES_PER_LEVEL = 12  # fresh draws at one level before a harder level is tried
FLOOR_SAMPLES = 24  # draws per level when finding the lowest level a mistake can show at


def can_show(problem: Problem, code: str) -> bool:
    """Whether making mistake ``code`` would change an answer of ``problem``."""
    if any(m.code == code for m in problem.misconceptions):
        return True
    if any(h.code == code for h in forward_hypotheses(problem)):
        return True
    _, hypotheses = backward_hypotheses(problem)
    return any(h.code == code for h in hypotheses)


@functools.cache
def lowest_level(family: str, code: str) -> int | None:
    """The lowest level at which ``code`` shows on some of the family's draws (seeded, so
    the same on every run); None when it never can."""
    rng = random.Random(f"{family}:{code}")  # noqa: S311 - not secrets
    for level in range(1, MAX_LEVEL + 1):
        for _ in range(FLOOR_SAMPLES):
            if can_show(FAMILIES[family].build(draw_seed(rng), level), code):
                return level
    return None


def retest(
    family: str, code: str, level: int, rng: random.Random, also: tuple[str, ...] = ()
) -> Problem | None:
    """A fresh problem of ``family`` at ``level`` (or the lowest level above it that has the
    feature) on which mistake ``code`` would show — and, where one can be drawn, the other
    codes ``also`` diagnosed with it ("this — or that"); None if the family cannot show it."""
    floor = lowest_level(family, code)
    if floor is None:
        return None
    others = [c for c in also if c != code and lowest_level(family, c) is not None]
    fallback = None
    for at in range(max(level, floor), MAX_LEVEL + 1):
        for _ in range(TRIES_PER_LEVEL):
            problem = FAMILIES[family].build(draw_seed(rng), at)
            if can_show(problem, code):
                if all(can_show(problem, c) for c in others):
                    return problem
                fallback = fallback or problem
        if fallback is not None:
            return fallback
    return None
