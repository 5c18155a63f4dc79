"""Grading a learner's answers: parse, compare within tolerance, diagnose mistakes.

The parts live beside this module: :mod:`.parsing` reads answers without ever
evaluating them, :mod:`.tolerance` decides what counts as right and
:mod:`.mistakes` names known backprop mistakes by re-running backprop with a
wrong rule.  Front ends use the names re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizzes.grading.mistakes import (
    MISTAKES,
    Diagnosis,
    Mistake,
    MistakenGradients,
    diagnose,
    diagnose_matmul_order,
)
from quizzes.grading.parsing import (
    MAX_ANSWER_LENGTH,
    AnswerParseError,
    FieldError,
    Given,
    parse_answers,
)
from quizzes.grading.tolerance import TOLERANCE_NOTE, is_close, matches
from quizzes.problems.base import Expected, Problem

__all__ = [
    "MAX_ANSWER_LENGTH",
    "MISTAKES",
    "TOLERANCE_NOTE",
    "AnswerParseError",
    "Diagnosis",
    "FieldError",
    "Given",
    "Grade",
    "Mistake",
    "QuantityResult",
    "grade",
    "is_close",
    "matches",
    "parse_answers",
]


@dataclass(frozen=True)
class QuantityResult:
    name: str
    label: str
    expected: Expected
    given: Given
    correct: bool
    diagnoses: tuple[Diagnosis, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "expected": _to_json(self.expected),
            "given": _to_json(self.given),
            "correct": self.correct,
            "diagnoses": [{"code": d.code, "hint": d.hint} for d in self.diagnoses],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantityResult:
        return cls(
            name=str(data["name"]),
            label=str(data["label"]),
            expected=_from_json(data["expected"]),
            given=_from_json(data["given"]),
            correct=bool(data["correct"]),
            diagnoses=tuple(Diagnosis(str(d["code"]), str(d["hint"])) for d in data["diagnoses"]),
        )


@dataclass(frozen=True)
class Grade:
    results: tuple[QuantityResult, ...]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.correct for r in self.results)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every diagnosis code, each once, in the order the quantities were asked."""
        seen = dict.fromkeys(d.code for r in self.results for d in r.diagnoses)
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; ``passed`` and ``codes`` are included for queries, not read back."""
        return {
            "passed": self.passed,
            "codes": list(self.codes),
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Grade:
        return cls(tuple(QuantityResult.from_dict(r) for r in data["results"]))


def _to_json(value: Given) -> float | str | list[list[float]]:
    if isinstance(value, tuple):
        return [list(row) for row in value]
    return value


def _from_json(value: object) -> Given:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return tuple(tuple(float(x) for x in row) for row in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"not a stored answer value: {value!r}")


def grade(problem: Problem, answers: Mapping[str, str]) -> Grade:
    """Grade every quantity of ``problem``; raises AnswerParseError before grading anything."""
    parsed = parse_answers(problem, answers)
    runs = MistakenGradients(problem.circuit) if problem.circuit is not None else None
    results = []
    for quantity in problem.quantities:
        given = parsed[quantity.name]
        correct = matches(given, quantity.expected)
        diagnoses: tuple[Diagnosis, ...] = ()
        if not correct:
            diagnoses = diagnose(quantity, given, runs) + diagnose_matmul_order(
                problem, quantity, given
            )
        results.append(
            QuantityResult(
                quantity.name, quantity.label, quantity.expected, given, correct, diagnoses
            )
        )
    return Grade(tuple(results))
