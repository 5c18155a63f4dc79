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
    parse_field,
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
    "Finding",
    "Given",
    "Grade",
    "Mistake",
    "QuantityResult",
    "grade",
    "is_close",
    "matches",
    "parse_answers",
    "parse_field",
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
class Finding:
    """One diagnosed mistake, located: what the learner did, where, and which fields it explains.

    A finding is a hypothesis about the whole attempt that reproduced every field in
    ``fields`` and broke none the learner got right.  ``gate`` is the index into
    ``Problem.gates`` where the slip was made (None: at every gate of a kind, or not
    at a gate).  ``ambiguous_with`` lists other codes that explain the same attempt
    equally well; ``message`` then says so.
    """

    code: str
    gate: int | None
    fields: tuple[str, ...]
    message: str
    ambiguous_with: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "gate": self.gate,
            "fields": list(self.fields),
            "message": self.message,
            "ambiguous_with": list(self.ambiguous_with),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        gate = data.get("gate")
        return cls(
            code=str(data["code"]),
            gate=None if gate is None else int(gate),
            fields=tuple(str(f) for f in data.get("fields", ())),
            message=str(data.get("message", "")),
            ambiguous_with=tuple(str(c) for c in data.get("ambiguous_with", ())),
        )


@dataclass(frozen=True)
class Grade:
    results: tuple[QuantityResult, ...]
    findings: tuple[Finding, ...] = ()

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
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Grade:
        return cls(
            tuple(QuantityResult.from_dict(r) for r in data["results"]),
            tuple(Finding.from_dict(f) for f in data.get("findings", ())),
        )


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
