"""Diagnosis: each known mistake is named from the answer it produces, never a right one."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.autograd import Value
from quizzes.grading import (
    MISTAKES,
    grade,
    is_close,
)
from quizzes.problems import get_family
from quizzes.problems.base import Problem
from tests.quizzes.grading.builders import (
    COLLAPSE,
    W1_W2,
    W2_W1,
    add_mul_worked_example,
    circuit_problem,
    gate_patterns,
    key_answers,
    sigmoid_neuron,
    two_layer_net,
)

# Each row: a problem, one wrong gradient as the mistake produces it (worked out by
# hand, not by the grader's rules), and the code that must be named.
GOLDEN_MISTAKES = [
    # add-mul at x=-2, y=5, z=-4: q = 3, key dx = dy = -4, dz = 3.
    (add_mul_worked_example, "dx", "1", "forgot-upstream"),  # add's local 1, no upstream z
    (add_mul_worked_example, "dx", "3", "mul-swap"),  # q got its own value 3
    (add_mul_worked_example, "dz", "-4", "mul-swap"),  # z got its own value
    (add_mul_worked_example, "dx", "4", "sign"),
    (add_mul_worked_example, "dx", "-20", "add-scaled"),  # y·(-4)
    (add_mul_worked_example, "dy", "8", "add-scaled"),  # x·(-4)
    # gate-patterns at x=3, y=-4, z=2, w=-1: key dx=-8, dy=6, dz=2, dw=0.
    (gate_patterns, "dw", "2", "max-routing"),  # routed to the smaller input
    (gate_patterns, "dz", "0", "max-routing"),
    (gate_patterns, "dz", "1", "max-routing"),  # split half and half
    (gate_patterns, "dw", "1", "max-routing"),
    (gate_patterns, "dx", "-4", "forgot-upstream"),  # y without the upstream 2
    (gate_patterns, "dy", "-6", "sign"),
    # the slip at one gate only (the ·2 gate done right): x·y gives x its own value
    (gate_patterns, "dx", "6", "mul-swap"),  # x·2, not y·2
    (gate_patterns, "dy", "-8", "mul-swap"),  # y·2, not x·2
    # sigmoid-neuron: σ(1) = 0.7311, σ' = 0.1966; key dw0 = -0.197, dx0 = 0.393.
    (sigmoid_neuron, "dw0", "-0.73", "sigmoid-derivative"),  # x0·σ
    (sigmoid_neuron, "dx0", "1.46", "sigmoid-derivative"),  # w0·σ
    (sigmoid_neuron, "dw2", "0.73", "sigmoid-derivative"),
    (sigmoid_neuron, "dw0", "-1", "forgot-upstream"),  # x0 alone
    # two-layer net, hidden unit 1 inactive: key dx1 = 2, db11 = 0.
    (two_layer_net, "dx1", "5", "dead-relu"),  # 2·1 + (-1)·(-3) through the dead unit
    (two_layer_net, "db11", "-1", "dead-relu"),
]


@pytest.mark.parametrize(("make", "name", "answer", "code"), GOLDEN_MISTAKES)
def test_each_mistake_is_named_from_the_answer_it_produces(
    make: Callable[[], Problem], name: str, answer: str, code: str
) -> None:
    problem = make()
    answers = key_answers(problem) | {name: answer}
    result = grade(problem, answers)
    assert not result.passed
    (wrong,) = [r for r in result.results if not r.correct]
    assert wrong.name == name
    assert code in [d.code for d in wrong.diagnoses]
    assert code in result.codes
    assert MISTAKES[code].hint in [d.hint for d in wrong.diagnoses]


def test_the_golden_cases_cover_every_circuit_mistake() -> None:
    circuit_codes = {code for code in MISTAKES if code != "matmul-order"}
    assert {code for *_, code in GOLDEN_MISTAKES} == circuit_codes


@pytest.mark.parametrize(
    "make", [add_mul_worked_example, gate_patterns, sigmoid_neuron, two_layer_net]
)
def test_a_right_answer_is_never_diagnosed(make: Callable[[], Problem]) -> None:
    result = grade(make(), key_answers(make()))
    assert result.passed and result.codes == ()
    assert all(r.diagnoses == () for r in result.results)


def test_a_mistake_counts_only_where_it_changes_the_answer() -> None:
    # f = c·(a·b): forgetting the upstream c gives ∂f/∂a = b = 1.009, within tolerance of the
    # key c·b = 1.  The answer 1.018 is wrong, and close to 1.009, yet no mistake explains it.
    def build() -> tuple[Value, dict[str, Value]]:
        a, b = Value(5), Value(1.009)
        return (1 / 1.009) * (a * b), {"a": a}

    problem = circuit_problem(build, ("a",))
    result = grade(problem, {"da": "1.018"})
    assert not result.passed and result.codes == ()


def test_an_unexplained_wrong_answer_has_no_diagnosis() -> None:
    problem = add_mul_worked_example()
    result = grade(problem, key_answers(problem) | {"dx": "17"})
    assert not result.passed and result.codes == ()


def test_only_gradients_are_diagnosed() -> None:
    problem = add_mul_worked_example()
    result = grade(problem, key_answers(problem) | {"f": "12"})  # sign of a forward value
    assert not result.passed and result.codes == ()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(1, 10_000), level=st.integers(1, 5))
def test_fresh_add_mul_problems_diagnose_every_mistake_they_can_show(seed: int, level: int) -> None:
    problem = get_family("add-mul").build(seed, level)
    z = dict(problem.givens)["z"]
    x, y, q = dict(problem.givens)["x"], dict(problem.givens)["y"], problem.quantities[0].expected
    assert isinstance(q, float)
    predictions = {"mul-swap": q, "add-scaled": y * z, "forgot-upstream": 1.0, "sign": -z}
    for code, dx in predictions.items():
        if is_close(dx, z):
            continue  # on these numbers the mistake gives the right answer
        result = grade(problem, key_answers(problem) | {"dx": repr(dx)})
        assert code in result.codes, (code, x, y, z)


# ---- matrices: stacked linear layers -----------------------------------------
def test_matrix_product_in_the_wrong_order_is_named() -> None:
    assert grade(COLLAPSE, {"W": "3 5; -2 -8"}).passed
    wrong = grade(COLLAPSE, {"W": "[[-1, 9], [2, -4]]"})
    assert not wrong.passed and wrong.codes == ("matmul-order",)
    assert wrong.results[0].expected == W2_W1 and wrong.results[0].given == W1_W2


# ---- the real families on fresh numbers ----------------------------------------
# Each mistake's answer is worked out from the problem's givens with the lesson's
# formulas, independently of the grader's mistaken backward rules.
FRESH = settings(max_examples=40, deadline=None)
SEEDS = st.integers(1, 2**31 - 2)


def named_if_distinct(problem: Problem, name: str, answer: float, code: str) -> None:
    key = next(q.expected for q in problem.quantities if q.name == name)
    assert isinstance(key, float)
    if is_close(answer, key):
        return  # on these numbers the mistake happens to give the right answer
    result = grade(problem, key_answers(problem) | {name: repr(answer)})
    assert code in result.codes, (problem.key, name, answer)


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_max_routing_on_fresh_gate_patterns(seed: int, level: int) -> None:
    problem = get_family("gate-patterns").build(seed, level)
    givens = dict(problem.givens)
    z, w = givens["z"], givens["w"]
    smaller = "dw" if w < z else "dz"
    named_if_distinct(problem, smaller, 2.0, "max-routing")  # all of 2·1 to the smaller
    named_if_distinct(problem, smaller, 1.0, "max-routing")  # half of it


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_sigmoid_derivative_on_fresh_neurons(seed: int, level: int) -> None:
    problem = get_family("sigmoid-neuron").build(seed, level)
    givens = dict(problem.givens)
    w0, w1, w2, x0, x1 = (float(givens[n]) for n in ("w0", "w1", "w2", "x0", "x1"))
    sigma = 1 / (1 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    for name, other_factor in (("dw0", x0), ("dx1", w1), ("dw2", 1.0)):
        named_if_distinct(problem, name, other_factor * sigma, "sigmoid-derivative")


@FRESH
@given(seed=SEEDS, level=st.integers(2, 5))
def test_dead_relu_on_fresh_two_layer_nets(seed: int, level: int) -> None:
    problem = get_family("two-layer-net").build(seed, level)
    givens = dict(problem.givens)
    w1, w2 = givens["W1"], givens["W2"]
    assert isinstance(w1, tuple) and isinstance(w2, tuple)
    for k in (0, 1):  # both units pass gradient, active or not
        through_both = sum(w2[0][i] * w1[i][k] for i in (0, 1))
        named_if_distinct(problem, f"dx{k}", through_both, "dead-relu")


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_matmul_order_on_fresh_linear_collapse(seed: int, level: int) -> None:
    problem = get_family("linear-collapse").build(seed, level)
    givens = dict(problem.givens)
    w1, w2 = np.array(givens["W1"]), np.array(givens["W2"])
    if np.allclose(w1 @ w2, w2 @ w1, atol=0.01):
        return  # these layers commute: the order cannot be wrong
    wrong = "; ".join(" ".join(repr(float(x)) for x in row) for row in w1 @ w2)
    result = grade(problem, key_answers(problem) | {"W": wrong})
    assert not result.passed and "matmul-order" in result.codes


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_a_wrong_reason_for_relu_is_wrong_without_a_code(seed: int, level: int) -> None:
    problem = get_family("relu-role").build(seed, level)
    wrong = next(c.key for c in problem.choices if not c.correct)
    result = grade(problem, {"choice": wrong.lower()})
    assert not result.passed and result.codes == ()
