"""What every study use case needs: the database, the deck, the scheduler, time and chance."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from quizzes.decks import Card, Deck
from quizzes.leitner import LeitnerScheduler
from quizzes.problems import FAMILIES
from quizzes.problems.base import Problem, draw_seed
from quizzes.storage.db import Database
from quizzes.tutoring.retest import retest


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
        return FAMILIES[family].build(self.draw_seed(), level)

    def retest_problem(
        self, family: str, code: str, level: int, also: tuple[str, ...] = ()
    ) -> Problem | None:
        """A fresh problem on which mistake ``code`` (and, if possible, ``also``) would
        show, or None if none can."""
        rng = random.Random(self.draw_seed())  # noqa: S311 - not secrets
        return retest(family, code, level, rng, also)


def _shortened(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
