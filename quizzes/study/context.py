"""What every study use case needs: the database, the deck, the scheduler, time and chance."""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from quizzes.decks import Card, Deck
from quizzes.leitner import LeitnerScheduler
from quizzes.problems import FAMILIES, rebuild
from quizzes.problems.base import Problem, draw_seed
from quizzes.storage.db import Database
from quizzes.tutoring.retest import retest

SERVED_PROBLEMS_KEPT = 512  # a class's open problems and walks; ~5-18 KB each


class ServedProblems:
    """The problems served lately, by key, so that grading an answer, each step of a walk
    and a replay find the problem instead of drawing it again: a draw runs the generator
    and its check that every mistake shows (two-layer-net ~19 ms, random-circuit ~10 ms;
    bench/served_problems.py).  A problem is a pure function of its key, so a miss (after
    a restart, or once evicted) draws the very same one.  Shared by worker threads."""

    def __init__(self, size: int = SERVED_PROBLEMS_KEPT) -> None:
        self.size = size
        self._problems: OrderedDict[tuple[str, int, int, int], Problem] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._problems)

    def remember(self, problem: Problem) -> Problem:
        with self._lock:
            self._problems[problem.key] = problem
            self._problems.move_to_end(problem.key)
            while len(self._problems) > self.size:
                self._problems.popitem(last=False)
        return problem

    def rebuild(self, family: str, version: int, seed: int, level: int) -> Problem:
        """``quizzes.problems.rebuild``, from what was kept when it can be."""
        key = (family, version, seed, level)
        current = FAMILIES.get(family)
        with self._lock:
            kept = self._problems.get(key)
            if kept is not None and current is not None and current.version == version:
                self._problems.move_to_end(key)
                return kept
        return self.remember(rebuild(family, version, seed, level))  # or StaleProblemError


@dataclass
class StudyContext:
    database: Database
    deck: Deck
    scheduler: LeitnerScheduler
    clock: Callable[[], datetime]
    rng: random.Random
    # the learning loop: a level apart from the box, and retests of diagnosed mistakes;
    # False serves a problem at its box's level, as chainrule did before (benchmarks)
    adaptive: bool = True
    _rng_lock: threading.Lock = field(default_factory=threading.Lock)
    served: ServedProblems = field(default_factory=ServedProblems)
    _cards: dict[str, Card] = field(init=False)
    servable_ids: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self._cards = {card.id: card for card in self.deck.cards}
        families = {family for family in self.deck.families if family in FAMILIES}
        self.servable_ids = frozenset(self._cards) | families

    def now(self) -> datetime:
        moment = self.clock()
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise ValueError(f"the study clock must return an aware datetime, got {moment!r}")
        return moment.astimezone(UTC)

    def draw_seed(self) -> int:
        # Worker threads share one Random; a lock keeps its sequence reproducible per call.
        with self._rng_lock:
            return draw_seed(self.rng)

    def card(self, item_id: str) -> Card | None:
        return self._cards.get(item_id)

    def item_title(self, item_id: str) -> str:
        """How a learner knows an item: a card by its front, a problem family by its title."""
        card = self.card(item_id)
        if card is not None:
            return f"the card “{_shortened(card.front)}”"
        family = FAMILIES.get(item_id)
        return f"the problem “{family.title}”" if family is not None else "an item no longer taught"

    def is_servable(self, item_id: str) -> bool:
        """Still in the deck: a card the deck has, or a family it schedules that exists."""
        return item_id in self.servable_ids

    def build_problem(self, family: str, level: int) -> Problem:
        return self.served.remember(FAMILIES[family].build(self.draw_seed(), level))

    def retest_problem(
        self, family: str, code: str, level: int, also: tuple[str, ...] = ()
    ) -> Problem | None:
        """A fresh problem on which mistake ``code`` (and, if possible, ``also``) would
        show, or None if none can."""
        rng = random.Random(self.draw_seed())  # noqa: S311 - not secrets
        problem = retest(family, code, level, rng, also)
        return None if problem is None else self.served.remember(problem)


def _shortened(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
