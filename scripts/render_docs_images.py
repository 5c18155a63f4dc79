"""Render the README's two pictures with chainrule's own code.

    .venv/bin/python scripts/render_docs_images.py [--out docs/images]

``circuit.png`` is the add-mul circuit with the lesson's numbers (seed 0: x = -2,
y = 5, z = -4), drawn by ``quizzes.diagram.render_circuit`` as the bot and
``chainrule try`` draw it.  ``class-stats.png`` is the instructor ``/stats``
chart (``quizzes.instructor.charts.class_chart_png``) of a simulated class: 12 learners
study through the real ``StudyService`` on a throwaway SQLite database for ten
days, giving right answers computed by the engine or the wrong ones a known
mistake produces (the engine re-run with that mistaken chain rule), so the
chart's mistake codes are the grader's real diagnoses.  Seeds are fixed: the
same code draws the same pictures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quizzes.diagram import render_circuit
from quizzes.instructor.charts import class_chart_png
from quizzes.mistakes import MISTAKES
from quizzes.problems import get_family
from quizzes.problems.base import Expected, Problem, Quantity, fmt
from quizzes.storage.db import Database
from quizzes.study import ClassStats, NothingDue, StudyService

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "images"
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # a Monday morning, UTC
DAYS = 10
LEARNERS = 12
GUILD_ID = 4  # lesson 4's class
ITEMS_PER_SITTING = 20
# each simulated learner's habitual slip on gradients; "sign" is the fallback
HABITS = ("forgot-upstream", "mul-swap", "add-scaled", "max-routing", "sigmoid-derivative")


class SimulatedClock:
    """The study service's clock: moves only when the simulation moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def render_add_mul_circuit() -> bytes:
    problem = get_family("add-mul").build(0, 1)  # seed 0: the lesson's worked example
    return render_circuit(problem.gates, problem.title)


def _answer_text(expected: Expected) -> str:
    if isinstance(expected, tuple):  # a matrix: rows separated by ';'
        return "; ".join(" ".join(fmt(x) for x in row) for row in expected)
    return expected if isinstance(expected, str) else fmt(expected)


def right_answers(problem: Problem) -> dict[str, str]:
    return {q.name: _answer_text(q.expected) for q in problem.quantities}


def _mistaken_gradient(problem: Problem, quantity: Quantity, habit: str) -> float | None:
    """What ``habit`` makes of this gradient, if it makes it wrong; else None."""
    expected = quantity.expected
    if quantity.kind != "gradient" or not isinstance(expected, float) or problem.circuit is None:
        return None
    for rule in MISTAKES[habit].rules:
        value = problem.circuit.run(rule)[1].get(quantity.node)
        if value is not None and abs(value - expected) > 1e-6:
            return value
    return -expected if expected != 0 else None  # the right size, the wrong sign


def wrong_answers(problem: Problem, habit: str) -> dict[str, str]:
    """A readable wrong answer: the learner's habitual slip where it shows, else a near miss."""
    answers = right_answers(problem)
    if problem.is_multiple_choice:
        return {
            q.name: next(c.key for c in problem.choices if not c.correct)
            for q in problem.quantities
        }
    slipped = {q.name: _mistaken_gradient(problem, q, habit) for q in problem.quantities}
    wrong = {name: fmt(value) for name, value in slipped.items() if value is not None}
    if not wrong:  # no gradient to slip on (the matrix exercise): miss the first one by one
        first = problem.quantities[0]
        wrong = {first.name: _answer_text(_plus_one(first.expected))}
    return answers | wrong


def _plus_one(expected: Expected) -> Expected:
    if isinstance(expected, tuple):
        return tuple(tuple(x + 1 for x in row) for row in expected)
    return expected if isinstance(expected, str) else expected + 1


async def sit(
    service: StudyService, clock: SimulatedClock, learner: int, chance: random.Random, skill: float
) -> None:
    """One sitting: answer what is due (and today's new items), one every 40 seconds."""
    session = await service.start_session(learner, guild_id=GUILD_ID)
    habit = HABITS[learner % len(HABITS)]
    for _ in range(ITEMS_PER_SITTING):
        item = await service.next_item(learner, guild_id=GUILD_ID, session=session)
        if isinstance(item, NothingDue):
            return
        clock.now += timedelta(seconds=40)
        knows = chance.random() < (skill if item.card is not None else skill - 0.2)
        if item.problem is None:
            answers = {"recall": "knew" if knows else "missed"}
        elif knows:
            answers = right_answers(item.problem)
        else:
            answers = wrong_answers(item.problem, habit)
        result = await service.submit(learner, item.attempt_id, answers)
        session.record(result.item_id, result.correct)


async def simulate_class(database_url: str) -> ClassStats:
    """Ten days of a class of twelve; three learners drop out and fall overdue."""
    database = Database(database_url)
    database.upgrade_to_head()
    clock = SimulatedClock(START)
    service = StudyService(database, clock=clock, rng=random.Random(4))  # noqa: S311 - a simulation
    chance = random.Random(231)  # noqa: S311 - a simulation
    skills = {1000 + n: chance.uniform(0.6, 0.95) for n in range(LEARNERS)}
    try:
        for day in range(DAYS):
            for hour, (learner, skill) in enumerate(skills.items()):
                dropped_out = learner % 4 == 3 and day >= 4
                if dropped_out or chance.random() < 0.15:  # a missed day now and then
                    continue
                clock.now = START + timedelta(days=day, hours=hour)
                await sit(service, clock, learner, chance, skill)
        return await service.class_stats(GUILD_ID, START)
    finally:
        await service.close()


def render_class_stats() -> bytes:
    with tempfile.TemporaryDirectory(prefix="chainrule-docs-") as directory:
        stats = asyncio.run(simulate_class(f"sqlite:///{Path(directory) / 'class.db'}"))
    return class_chart_png(stats)


def main(out: Path | None = None) -> list[Path]:
    """Write circuit.png and class-stats.png into ``out`` (default: --out, else docs/images)."""
    if out is None:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
        out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    pictures = {"circuit.png": render_add_mul_circuit(), "class-stats.png": render_class_stats()}
    written = []
    for name, png in pictures.items():
        path = out / name
        path.write_bytes(png)
        print(f"wrote {path} ({len(png):,} bytes)")
        written.append(path)
    return written


if __name__ == "__main__":
    main()
