"""Grading a learner's answers: parse, compare within tolerance, diagnose mistakes.

The parts live beside this module: :mod:`.parsing` reads answers without ever
evaluating them, :mod:`.tolerance` decides what counts as right and
:mod:`.diagnosis` finds the located mistake that explains the whole attempt
(hypotheses from :mod:`quizzes.hypotheses`, the catalogue in :mod:`quizzes.mistakes`).
Front ends use the names re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping

from quizzes.grading.diagnosis import diagnose
from quizzes.grading.parsing import (
    MAX_ANSWER_LENGTH,
    AnswerParseError,
    FieldError,
    Given,
    parse_answers,
    parse_field,
)
from quizzes.grading.results import Diagnosis, Finding, Grade, QuantityResult
from quizzes.grading.tolerance import TOLERANCE_NOTE, is_close, matches, tolerance_note
from quizzes.mistakes import MISTAKES, Mistake
from quizzes.problems.base import Problem

__all__ = [
    "MAX_ANSWER_LENGTH",
    "MISTAKES",
    "TOLERANCE_NOTE",
    "tolerance_note",
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


def grade(problem: Problem, answers: Mapping[str, str]) -> Grade:
    """Grade every quantity of ``problem``; raises AnswerParseError before grading anything."""
    parsed = parse_answers(problem, answers)
    results, findings = diagnose(problem, parsed)
    return Grade(results, findings)
