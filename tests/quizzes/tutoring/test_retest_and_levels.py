"""Retests contain the missed feature; the level moves apart from the box, never below it."""

from __future__ import annotations

import random

import pytest

from quizzes.grading import grade
from quizzes.problems import get_family
from quizzes.tutoring.levels import RISE_AFTER, Level, after_answer
from quizzes.tutoring.retest import can_show, lowest_level, retest


def inactive_units(problem) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for row in problem.gates if row.op == "relu" and row.value == 0)


def test_dead_relu_can_show_only_where_a_unit_is_inactive() -> None:
    assert lowest_level("two-layer-net", "dead-relu") == 1  # some level-1 nets have one
    for seed in range(1, 41):
        problem = get_family("two-layer-net").build(seed, 1)
        assert can_show(problem, "dead-relu") == (inactive_units(problem) == 1), seed
    assert can_show(get_family("two-layer-net").build(3, 2), "dead-relu")
    assert lowest_level("add-mul", "max-routing") is None  # add-mul has no max gate


@pytest.mark.parametrize(
    ("family", "code"),
    [
        ("two-layer-net", "dead-relu"),
        ("two-layer-net", "fork-sum"),
        ("gate-patterns", "max-routing"),
        ("add-mul", "mul-swap"),
        ("sigmoid-neuron", "sigmoid-derivative"),
        ("linear-collapse", "matmul-order"),
    ],
)
def test_a_retest_is_fresh_and_the_same_mistake_would_show_on_it(family: str, code: str) -> None:
    rng = random.Random(11)
    seen = set()
    for _ in range(5):
        problem = retest(family, code, 1, rng)
        assert problem is not None and problem.level >= 1
        seen.add(problem.seed)
        assert can_show(problem, code)
        if code == "dead-relu":
            assert inactive_units(problem) == 1  # the feature itself: an inactive unit
    assert len(seen) == 5  # new numbers every time


def test_the_retested_mistake_really_changes_the_graded_answer() -> None:
    # the learner who lets gradient through the inactive unit is graded wrong on the retest
    problem = retest("two-layer-net", "dead-relu", 1, random.Random(3))
    assert problem is not None
    givens = dict(problem.givens)
    w1, w2 = givens["W1"], givens["W2"][0]  # type: ignore[index]
    x = [row[0] for row in givens["x"]]  # type: ignore[union-attr]
    answers = {q.name: repr(q.expected) for q in problem.quantities}
    for q in problem.quantities:  # both units pass their W2 gradient, active or not
        if q.name.startswith("dW1_"):
            answers[q.name] = repr(w2[int(q.name[4])] * x[int(q.name[5])])  # type: ignore[index]
        elif q.name.startswith("db1_"):
            answers[q.name] = repr(w2[int(q.name[4])])  # type: ignore[index]
        elif q.name in ("dx0", "dx1"):
            k = int(q.name[2])
            answers[q.name] = repr(sum(w2[i] * w1[i][k] for i in range(2)))  # type: ignore[index]
    result = grade(problem, answers)
    assert not result.passed and "dead-relu" in result.codes


def test_the_level_rises_after_right_answers_and_falls_after_a_miss() -> None:
    level = Level(2)
    for _ in range(RISE_AFTER - 1):
        level = after_answer("add-mul", level, True)
        assert level.level == 2
    level = after_answer("add-mul", level, True)
    assert level == Level(3, 0)
    assert after_answer("add-mul", level, False, ["mul-swap"]) == Level(2, 0)
    assert after_answer("add-mul", Level(5, 1), True) == Level(5, 0)  # at most the top level
    assert after_answer("add-mul", Level(1), False) == Level(1, 0)


def test_after_a_miss_the_level_stays_where_the_diagnosed_mistake_can_show() -> None:
    # every shipped mistake can show from level 1 (two-layer-net has an inactive unit on
    # some level-1 draws), so the floor is given here: a family whose feature starts at 3
    def from_three(family: str, code: str) -> int | None:
        return 3 if code == "dead-relu" else 1

    assert after_answer("net", Level(3), False, ["dead-relu"], from_three) == Level(3, 0)
    assert after_answer("net", Level(5), False, ["dead-relu"], from_three) == Level(4, 0)
    assert after_answer("net", Level(3), False, ["mul-swap"], from_three) == Level(2, 0)
    assert after_answer("two-layer-net", Level(2), False, ["dead-relu"]) == Level(1, 0)
