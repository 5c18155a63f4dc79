"""Skills: which skills a quantity exercises (from the engine's graph), and the BKT update."""

from __future__ import annotations

import pytest

from quizzes.problems import get_family
from quizzes.skills import PARAMETERS, SKILLS, quantity_skills, trace, update
from tests.quizzes.grading.builders import add_mul_worked_example


def test_a_gradients_skills_follow_its_path_through_the_circuit() -> None:
    skills = quantity_skills(add_mul_worked_example())  # f = (x + y)·z
    assert skills["q"] == ("forward",) and skills["f"] == ("forward",)
    assert skills["dz"] == ("mul",)  # z feeds the output gate only: no chain, no fork
    assert skills["dx"] == ("add", "mul", "chain")  # through the add gate, then the mul gate


def test_a_two_layer_nets_input_gradient_needs_the_fork_and_the_relu() -> None:
    problem = get_family("two-layer-net").build(3, 2)
    skills = quantity_skills(problem)
    assert {"add", "mul", "relu", "chain", "fork"} <= set(skills["dx0"])
    bias = next(q.name for q in problem.quantities if q.name.startswith("db1"))
    assert "fork" not in skills[bias]


def test_gate_patterns_exercise_the_max_gate_and_collapse_the_composition_order() -> None:
    assert "max" in quantity_skills(get_family("gate-patterns").build(3, 1))["dz"]
    collapse = quantity_skills(get_family("linear-collapse").build(3, 1))
    assert set(collapse.values()) == {("matmul-order",)}


def test_knowledge_tracing_rises_with_right_answers_and_falls_with_wrong_ones() -> None:
    p = PARAMETERS
    start = p.known_at_start
    assert update(start, True) > start
    assert update(start, False) < update(start, True)
    # the textbook posterior: P(L | right) = P(L)(1 - slip) / (P(L)(1 - slip) + (1 - P(L)) guess)
    seen = start * (1 - p.slip) / (start * (1 - p.slip) + (1 - start) * p.guess)
    assert update(start, True) == pytest.approx(seen + (1 - seen) * p.learn)
    mastered = trace([("mul", True)] * 6)
    assert mastered["mul"].verdict == "solid" and mastered["mul"].opportunities == 6
    shaky = trace([("max", False)] * 3)
    assert shaky["max"].verdict == "shaky" and shaky["max"].right == 0
    assert list(trace([("fork", True), ("add", True)])) == ["add", "fork"]  # lesson order
    assert set(SKILLS) >= {"add", "mul", "max", "relu", "sigmoid", "chain", "fork", "forward"}
