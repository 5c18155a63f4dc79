"""Chainrule's real bot and study service wired to the Discord API double.

Deterministic by construction: a seeded ``random.Random``, a clock the test
moves by hand, and a small deck (one flashcard, then two problem families) so a
fresh learner's first /review shows a card, an add-mul and a gate-patterns problem.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.app import create_bot
from bot.client import ChainruleBot
from bot.settings import Settings
from quizzes.decks import Deck, default_deck
from quizzes.grading import MISTAKES
from quizzes.problems import get_family
from quizzes.problems.base import Problem
from quizzes.study import StudyService
from tests.e2e.driver import DiscordDouble
from tests.e2e.harness import GUILD_READY_TIMEOUT, running
from tests.e2e.payloads import JSON, FakeGuild, FakeUser
from tests.e2e.records import InteractionRecord, button_labels
from tests.storage.study_helpers import FixedClock

START = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)  # a Monday afternoon
STUDY_FAMILIES = ("add-mul", "gate-patterns")
SERVICE_SEED = 2024


class SteppingClock(FixedClock):
    """The study service's clock: fixed until the test moves it, from a Monday afternoon."""

    def __init__(self, now: datetime = START) -> None:
        super().__init__(now)


def study_deck() -> Deck:
    """The shipped lesson-04 deck cut to its first card and two circuit families."""
    shipped = default_deck()
    return dataclasses.replace(shipped, cards=shipped.cards[:1], families=STUDY_FAMILIES)


def make_service(database: Any, clock: SteppingClock, deck: Deck | None = None) -> StudyService:
    return StudyService(
        database,
        deck=deck or study_deck(),
        clock=clock,
        rng=random.Random(SERVICE_SEED),  # noqa: S311 - reproducible problems, not secrets
    )


def make_bot(double: DiscordDouble, guild: FakeGuild, service: StudyService) -> ChainruleBot:
    settings = Settings(token=double.token, database_url="unused://", dev_guild_id=guild.id)
    return create_bot(settings, service, guild_ready_timeout=GUILD_READY_TIMEOUT)


@contextlib.asynccontextmanager
async def chainrule_running(
    double: DiscordDouble, guild: FakeGuild, service: StudyService
) -> AsyncIterator[ChainruleBot]:
    bot = make_bot(double, guild, service)
    async with running(bot, double):
        yield bot


# -- acting and reading the bot's messages ----------------------------------------------------


def showing(*labels: str) -> Callable[[JSON], bool]:
    """A reply whose first buttons are ``labels``, in order."""
    return lambda message: button_labels(message)[: len(labels)] == list(labels)


async def start_review(double: DiscordDouble, user: FakeUser) -> JSON:
    """/review, up to the first card's front."""
    review = await double.slash(user, "review")
    return await double.wait_for_reply(review, showing("Show answer"))


async def grade_first_card(double: DiscordDouble, user: FakeUser, verdict: str) -> JSON:
    """/review, reveal the card and press ``verdict`` ("Knew it" or "Missed it")."""
    front = await start_review(double, user)
    back = await double.wait_for_reply(
        await double.click(user, front, label="Show answer"), showing("Knew it", "Missed it")
    )
    graded = await double.click(user, back, label=verdict)
    return await double.wait_for_reply(graded, showing("Next", "Stop"))


async def served_problem(service: StudyService, user: FakeUser) -> Problem:
    """Rebuild the problem a learner was shown last, from the attempt the service stored.

    (Custom ids carry a random token, not the attempt, so the service is asked.)"""
    exported = await service.export_learner(user.id)
    attempt = max(exported["attempts"], key=lambda a: a["id"])
    family = get_family(attempt["family"])
    assert family.version == attempt["generator_version"]
    return family.build(attempt["seed"], attempt["level"])


def right_answers(problem: Problem) -> dict[str, str]:
    return {q.label: _number(q.expected) for q in problem.quantities}


def answers_with_mistake(problem: Problem, code: str) -> dict[str, str]:
    """What a learner who makes mistake ``code`` (a known chain-rule slip) types in."""
    assert problem.circuit is not None
    [rule, *_] = MISTAKES[code].rules
    values, gradients = problem.circuit.run(rule)
    answers = {}
    for quantity in problem.quantities:
        run = gradients if quantity.kind == "gradient" else values
        answers[quantity.label] = _number(run.get(quantity.node, quantity.expected))
    assert answers != right_answers(problem), f"{code} changes nothing in {problem.key}"
    return answers


def _number(value: object) -> str:
    assert isinstance(value, float | int), f"not a scalar: {value!r}"
    return repr(round(float(value), 6))


def labels_in_form(record: InteractionRecord) -> list[str]:
    modal = record.modal or {}
    found = []
    for row in modal.get("components", []):
        for component in [*row.get("components", []), row.get("component") or {}]:
            if component.get("type") == 4:
                found.append(component.get("label") or row.get("label"))
    return found


def review_rows(exported: Mapping[str, Any]) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(item id, correct, diagnosis codes) of each review, in the order they were made."""
    reviews = sorted(exported["reviews"], key=lambda r: r["id"])
    return [(r["item_id"], r["correct"], tuple(r["codes"] or ())) for r in reviews]
