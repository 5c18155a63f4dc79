"""The walk through a missed gate: where it starts, what each step expects, how it answers."""

from __future__ import annotations

import random

import pytest

from quizzes.grading import AnswerParseError, grade
from quizzes.problems import get_family
from quizzes.problems.base import Problem
from quizzes.tutoring.walk import LABEL_LIMIT, MAX_TRIES, Walk, plan
from tests.quizzes.grading.builders import add_mul_worked_example, key_answers


def graded(problem: Problem, attempt: dict[str, str]):  # type: ignore[no-untyped-def]
    return grade(problem, key_answers(problem) | attempt)


def test_a_forgotten_upstream_at_the_add_gate_is_walked_there() -> None:
    # x = -2, y = 5, z = -4: q = 3, ∂f/∂q = z = -4; the learner wrote ∂f/∂x = ∂f/∂y = 1
    problem = add_mul_worked_example()
    walk_plan = plan(problem, graded(problem, {"dx": "1", "dy": "1"}))
    assert walk_plan is not None
    assert walk_plan.code == "forgot-upstream"
    assert walk_plan.gate_text == "the add gate q = x + y"
    assert [(s.kind, s.expected) for s in walk_plan.steps] == [
        ("upstream", -4.0),
        ("local", 1.0),
        ("downstream", -4.0),
    ]
    assert walk_plan.answer == -4.0 and walk_plan.summary.startswith("add gate")


def test_a_swapped_multiply_gate_is_walked_at_the_multiply_gate() -> None:
    problem = add_mul_worked_example()  # ∂f/∂z = q = 3
    walk_plan = plan(problem, graded(problem, {"dx": "3", "dy": "3", "dz": "-4"}))
    assert walk_plan is not None and walk_plan.code == "mul-swap"
    assert walk_plan.gate_text == "the multiply gate f = q·z"
    assert [s.expected for s in walk_plan.steps] == [1.0, 3.0, 3.0]


def test_the_square_gates_missing_2_is_walked_at_the_square_gate() -> None:
    problem = get_family("training-step").build(11, 1)
    g = {name: float(value) for name, value in problem.givens}  # type: ignore[arg-type]
    d = g["w0"] * g["x0"] + g["w1"] * g["x1"] + g["b"] - g["t"]
    slip = {"dw0": repr(d * g["x0"]), "dw1": repr(d * g["x1"]), "db": repr(d)}
    walk_plan = plan(problem, graded(problem, slip))
    assert walk_plan is not None and walk_plan.code == "power-rule"
    assert walk_plan.gate_text == "the square gate L = (s − t)²"
    assert walk_plan.label == "∂L/∂(s − t)"
    assert [(s.kind, s.expected) for s in walk_plan.steps] == [
        ("upstream", 1.0),
        ("local", 2 * d),
        ("downstream", 2 * d),
    ]
    assert "2u" in walk_plan.steps[1].hint and walk_plan.summary.startswith("square gate")


def test_a_fork_is_walked_path_by_path_then_summed() -> None:
    problem = get_family("two-layer-net").build(5, 2)
    dx0 = next(q for q in problem.quantities if q.name == "dx0")
    walk_plan = plan(problem, graded(problem, {"dx0": "0"}))
    assert walk_plan is not None and walk_plan.code == "fork-sum"
    kinds = [s.kind for s in walk_plan.steps]
    assert kinds == ["upstream", "local", "downstream"] * 2 + ["sum"]
    downstream = [s.expected for s in walk_plan.steps if s.kind == "downstream"]
    assert walk_plan.steps[-1].expected == pytest.approx(sum(downstream))
    assert walk_plan.steps[-1].expected == pytest.approx(dx0.expected)


@pytest.mark.parametrize(
    "family", ["add-mul", "gate-patterns", "sigmoid-neuron", "two-layer-net", "random-circuit"]
)
def test_every_step_is_the_engines_number_and_fits_a_form_label(family: str) -> None:
    rng = random.Random(7)
    for _ in range(20):
        problem = get_family(family).generate(rng, rng.randint(1, 3))
        for q in problem.quantities:
            if q.kind != "gradient":
                continue
            wrong = float(q.expected) + 7  # type: ignore[arg-type]
            walk_plan = plan(problem, graded(problem, {q.name: repr(wrong)}))
            assert walk_plan is not None
            assert walk_plan.steps[-1].expected == pytest.approx(walk_plan.answer)
            for step in walk_plan.steps:
                assert len(step.label) <= LABEL_LIMIT
                if step.kind == "downstream":
                    continue
            # each gate's downstream is its local gradient times its upstream
            for up, local, down in zip(
                walk_plan.steps[0::3], walk_plan.steps[1::3], walk_plan.steps[2::3], strict=False
            ):
                if down.kind == "downstream":
                    assert down.expected == pytest.approx(up.expected * local.expected)


def test_a_right_step_moves_on_a_wrong_one_hints_and_two_misses_show_it() -> None:
    problem = add_mul_worked_example()
    walk = Walk(plan(problem, graded(problem, {"dx": "1", "dy": "1"})))  # type: ignore[arg-type]
    first = walk.answer(problem, "1")  # the upstream is -4, not 1
    assert not first.right and not first.shown and "output gate only" in first.text
    assert walk.position == 0
    second = walk.answer(problem, "1")
    assert second.shown and "It is -4" in second.text and walk.position == 1
    assert walk.answer(problem, "1").right  # the local gradient
    last = walk.answer(problem, "-4")
    assert last.right and last.finished and "So ∂f/∂" in last.text and "Rule" in last.text
    assert [r["right"] for r in walk.record] == [False, True, True]
    assert MAX_TRIES == 2


def test_an_unreadable_step_answer_is_refused_and_changes_nothing() -> None:
    problem = add_mul_worked_example()
    walk = Walk(plan(problem, graded(problem, {"dx": "1", "dy": "1"})))  # type: ignore[arg-type]
    with pytest.raises(AnswerParseError):
        walk.answer(problem, "minus four")
    assert (walk.position, walk.tries, walk.record) == (0, 0, [])


def test_no_walk_when_only_forward_answers_are_wrong() -> None:
    problem = add_mul_worked_example()
    assert plan(problem, graded(problem, {"q": "4"})) is None
