"""Oversized content for limit tests: far beyond what the shipped deck and families make."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord

from bot import limits
from quizzes.autograd import GateRow
from quizzes.decks import Card
from quizzes.grading import Diagnosis, Grade, QuantityResult
from quizzes.problems.base import Choice, Problem, Quantity
from quizzes.study import ServedItem, SubmitResult

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
HUGE = 7000  # longer than any single Discord limit


def long_text(prefix: str, size: int = HUGE) -> str:
    return (prefix + " ") * (size // (len(prefix) + 1))


def huge_problem(*, multiple_choice: bool = False) -> Problem:
    matrix = tuple(tuple(float(i * 10 + j) + 0.1234 for j in range(10)) for i in range(10))
    quantities = [
        Quantity(f"q{i}", long_text(f"∂loss/∂W{i}", 300), matrix, "matrix") for i in range(40)
    ]
    gates = tuple(
        GateRow(
            i, f"node_{i}_" + "x" * 20, "*", (i - 1,) if i else (), -1234.5678, (9.87,), 1.5, ()
        )
        for i in range(300)
    )
    choices = tuple(
        Choice(chr(ord("A") + i), long_text("choice", 2000), i == 1, long_text("because", 2000))
        for i in range(20)
    )
    return Problem(
        family="huge",
        version=1,
        seed=1,
        level=5,
        title=long_text("A very long title"),
        formula=long_text("f = x"),
        prompt=long_text("Compute"),
        givens=(),
        pages=tuple(tuple(quantities[p * 5 : p * 5 + 5]) for p in range(8)),
        solution=long_text("Forward then backward"),
        gates=() if multiple_choice else gates,
        choices=choices if multiple_choice else (),
    )


def served(problem: Problem | None = None, card: Card | None = None) -> ServedItem:
    kind = "card" if card is not None else "problem"
    return ServedItem(2**62, "item", kind, card, problem, 5, practice=False)


def submitted(grade_: Grade | None, *, correct: bool = False) -> SubmitResult:
    return SubmitResult(2**62, "item", correct, grade_, 5, 1, NOW, replayed=True, practice=False)


def huge_grade(problem: Problem) -> Grade:
    hints = tuple(Diagnosis(f"code-{i}", long_text("hint", 600)) for i in range(3))
    return Grade(
        tuple(
            QuantityResult(q.name, q.label, q.expected, q.expected, False, hints)
            for q in problem.quantities
        )
    )


HUGE_CARD = Card("c", long_text("front"), long_text("back"), "objective", ("t",), long_text("src"))


def assert_within_limits(embed: discord.Embed) -> None:
    """Every part of ``embed`` within Discord's limits (the double refuses more, too)."""
    data: dict[str, Any] = embed.to_dict()
    assert len(data.get("title", "")) <= limits.EMBED_TITLE
    assert len(data.get("description", "")) <= limits.EMBED_DESCRIPTION
    fields = data.get("fields", [])
    assert len(fields) <= limits.EMBED_FIELDS
    for field in fields:
        assert 1 <= len(field["name"]) <= limits.EMBED_FIELD_NAME
        assert 1 <= len(field["value"]) <= limits.EMBED_FIELD_VALUE
    assert len(data.get("footer", {}).get("text", "")) <= limits.EMBED_FOOTER
    assert len(embed) <= limits.EMBED_TOTAL
