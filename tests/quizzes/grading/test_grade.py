"""Grades: pass/fail, parse-before-grade, JSON round trip, and every registered family."""

from __future__ import annotations

import json
import random

import pytest

from quizzes.grading import (
    AnswerParseError,
    Diagnosis,
    Grade,
    QuantityResult,
    grade,
    parse_answers,
)
from quizzes.problems import FAMILIES
from tests.quizzes.grading.builders import (
    CHOICE,
    COLLAPSE,
    add_mul_worked_example,
    key_answers,
)


def test_grade_round_trips_through_json() -> None:
    problem = add_mul_worked_example()
    graded = [
        grade(problem, key_answers(problem) | {"dx": "1", "dy": "8"}),
        grade(COLLAPSE, {"W": "-1 9; 2 -4"}),
        grade(CHOICE, {"choice": "b"}),
    ]
    for result in graded:
        stored = json.loads(json.dumps(result.to_dict()))
        assert Grade.from_dict(stored) == result
        assert stored["passed"] is result.passed and stored["codes"] == list(result.codes)


def test_grade_passes_only_when_every_quantity_is_right() -> None:
    right = QuantityResult("a", "a", 1.0, 1.0, True)
    wrong = QuantityResult("b", "b", 1.0, 2.0, False, (Diagnosis("sign", "hint"),))
    assert Grade((right,)).passed
    assert not Grade((right, wrong)).passed
    assert not Grade(()).passed
    assert Grade((wrong, wrong)).codes == ("sign",)


def test_grade_parses_everything_before_grading_anything() -> None:
    problem = add_mul_worked_example()
    with pytest.raises(AnswerParseError) as caught:
        grade(problem, key_answers(problem) | {"dz": "three"})
    assert [e.name for e in caught.value.errors] == ["dz"]


# ---- every registered family ---------------------------------------------------
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_key_passes_and_its_examples_parse(family: str) -> None:
    rng = random.Random(4)
    for level in range(1, 6):
        for _ in range(10):
            problem = FAMILIES[family].generate(rng, level)
            assert grade(problem, key_answers(problem)).passed, problem.key
            examples = {q.name: q.example for q in problem.quantities}
            parse_answers(problem, examples)
