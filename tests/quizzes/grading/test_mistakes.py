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
    Grade,
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

# Each row: a problem, a whole attempt as a learner who makes the mistake gives it (worked
# out by hand from the lesson's rules, not by the grader's), and the code that must be
# named, alone.  Answers not listed are the key.
GOLDEN_MISTAKES = [
    # add-mul at x=-2, y=5, z=-4: q = 3, f = -12, key dx = dy = -4, dz = 3.
    (add_mul_worked_example, {"dx": "1", "dy": "1"}, "forgot-upstream"),  # add's local 1
    (add_mul_worked_example, {"dx": "3", "dy": "3", "dz": "-4"}, "mul-swap"),  # own values
    (add_mul_worked_example, {"dx": "4"}, "sign"),
    (add_mul_worked_example, {"dx": "-20", "dy": "8"}, "add-scaled"),  # y·z and x·z
    (add_mul_worked_example, {"dx": "-2", "dy": "-2"}, "add-halved"),  # z/2 each
    (add_mul_worked_example, {"q": "-3", "f": "12"}, "sign-forward"),  # -(x + y)
    # gate-patterns, CS231n's numbers, c = 2: f = -20, key dx=-8, dy=6, dz=2, dw=0.
    (gate_patterns, {"dz": "0", "dw": "2"}, "max-routing"),  # routed to the smaller input
    (gate_patterns, {"dz": "1", "dw": "1"}, "max-routing"),  # split half and half
    (gate_patterns, {"dz": "1"}, "forgot-upstream"),  # the max gate's local 1, no upstream 2
    (gate_patterns, {"dy": "-6"}, "sign"),
    (gate_patterns, {"dx": "6", "dy": "-8"}, "mul-swap"),  # x·2 and y·2 at the x·y gate
    # sigmoid-neuron: σ(1) = 0.7311, σ' = 0.1966; every gradient takes σ' from the sigmoid.
    (
        sigmoid_neuron,
        {"dw0": "-0.73", "dw1": "-1.46", "dw2": "0.73", "dx0": "1.46", "dx1": "-2.19"},
        "sigmoid-derivative",  # x0·σ, x1·σ, σ, w0·σ, w1·σ
    ),
    (
        sigmoid_neuron,
        {"dw0": "-1", "dw1": "-2", "dw2": "1", "dx0": "2", "dx1": "-3"},
        "forgot-upstream",  # each gate's local gradient alone, at every gate
    ),
    # two-layer net, unit 1 inactive (z1 = -3): key dx0 = 2, dx1 = 2, db10 = 2, db11 = 0.
    (two_layer_net, {"dx0": "0", "dx1": "5", "db11": "-1"}, "dead-relu"),  # W2[1] = -1 let through
    (two_layer_net, {"dx0": "0"}, "fork-sum"),  # x0 feeds both units: only unit 1's path
]


def _finding_codes(result: Grade) -> list[str]:
    return [code for f in result.findings for code in (f.code, *f.ambiguous_with)]


@pytest.mark.parametrize(("make", "attempt", "code"), GOLDEN_MISTAKES)
def test_each_mistake_is_named_from_the_whole_attempt_it_produces(
    make: Callable[[], Problem], attempt: dict[str, str], code: str
) -> None:
    problem = make()
    result = grade(problem, key_answers(problem) | attempt)
    assert not result.passed
    assert [r.name for r in result.results if not r.correct] == list(attempt)
    assert _finding_codes(result) == [code], [f.message for f in result.findings]
    (finding,) = result.findings
    assert finding.fields == tuple(attempt) and not finding.partial
    assert MISTAKES[code].hint in finding.message
    # one hint per mistake: the message is under each field it explains, said once
    assert result.codes == (code,)


def test_the_golden_cases_cover_every_circuit_mistake() -> None:
    family_only = {
        "matmul-order",
        "w-transposed",
        "bias-through",
        "relu-forward",
        "transpose-forward",
        "biases-forgotten",  # param-count's: tests/quizzes/test_param_count.py
        "input-biases",
        "weights-multiplied",
        "step-along-gradient",  # training-step's: tests/quizzes/test_training_step.py
        "alpha-forgotten",
        "power-rule",  # training-step's square gate, said with add-halved: same numbers
        "bias-forward",  # xor-net's: tests/quizzes/test_xor_net.py
    }
    circuit_codes = {code for code in MISTAKES if code not in family_only}
    assert {code for *_, code in GOLDEN_MISTAKES} == circuit_codes


def test_a_slip_is_located_at_its_gate_and_the_message_says_what_and_where() -> None:
    problem = add_mul_worked_example()
    result = grade(problem, key_answers(problem) | {"dx": "1", "dy": "1"})
    (finding,) = result.findings
    assert finding.gate is not None and problem.gates[finding.gate].op == "+"
    assert "∂f/∂x = 1 and ∂f/∂y = 1" in finding.message
    assert "the add gate q = x + y" in finding.message
    assert "upstream gradient is -4" in finding.message
    stored = Grade.from_dict(result.to_dict())
    assert stored.findings == result.findings and stored.codes == ("forgot-upstream",)


def test_forgetting_the_upstream_at_the_max_gate_is_not_also_called_max_routing() -> None:
    # the CS231n item: dz = 1, dw = 0 is the max gate's local gradient without the upstream 2
    problem = gate_patterns()
    result = grade(problem, key_answers(problem) | {"dz": "1"})
    assert result.codes == ("forgot-upstream",)


def test_two_mistakes_that_predict_the_same_attempt_are_named_together_honestly() -> None:
    # with c = 2, forgetting the upstream 2 at the add gate and halving it give the same numbers
    problem = gate_patterns()
    result = grade(problem, key_answers(problem) | {"dx": "-4", "dy": "3", "dz": "1"})
    (finding,) = result.findings
    assert {finding.code, *finding.ambiguous_with} == {"forgot-upstream", "add-halved"}
    assert " — or if you " in finding.message


def test_two_independent_slips_in_different_answers_are_each_named() -> None:
    problem = add_mul_worked_example()
    result = grade(problem, key_answers(problem) | {"dx": "1", "dy": "1", "dz": "-3"})
    assert sorted(result.codes) == ["forgot-upstream", "sign"]
    assert [f.fields for f in result.findings] == [("dx", "dy"), ("dz",)]


def test_a_backward_pass_right_for_the_learners_own_forward_values_is_credited() -> None:
    problem = add_mul_worked_example()  # key q = 3; this learner computed q = 2, f = -8
    result = grade(problem, {"q": "2", "f": "-8", "dx": "-4", "dy": "-4", "dz": "2"})
    by_name = {r.name: r for r in result.results}
    assert not result.passed
    assert by_name["dz"].credit == "carried" and not by_name["dz"].correct
    assert "right for your q = 2" in by_name["dz"].note
    assert result.codes == ()  # no backward mistake is charged


def test_a_backward_mistake_is_found_on_the_learners_own_forward_values() -> None:
    problem = sigmoid_neuron()  # a learner who took σ = 0.8: σ' = 0.16 on their graph
    own = {"f": "0.8", "dw0": "-1", "dw1": "-2", "dw2": "1", "dx0": "2", "dx1": "-3"}
    result = grade(problem, own)
    assert "forgot-upstream" in result.codes
    carried = {
        "f": "0.8",
        "dw0": "-0.16",
        "dw1": "-0.32",
        "dw2": "0.16",
        "dx0": "0.32",
        "dx1": "-0.48",
    }
    result = grade(problem, carried)
    assert [r.credit for r in result.results][1:] == ["carried"] * 5
    assert result.codes == ()


def test_rounding_intermediate_values_to_two_decimals_is_accepted_with_a_note() -> None:
    problem = sigmoid_neuron()  # σ' = 0.1966 rounded to 0.2, as CS231n writes it
    rounded = {"f": "0.73", "dw0": "-0.2", "dw1": "-0.4", "dw2": "0.2", "dx0": "0.4", "dx1": "-0.6"}
    result = grade(problem, rounded)
    assert result.passed
    dx1 = next(r for r in result.results if r.name == "dx1")
    assert dx1.credit == "rounded" and "rounded to two decimals" in dx1.note
    # the same answer without the rounding story is still wrong
    assert not grade(problem, rounded | {"dx1": "-0.66"}).passed


@pytest.mark.parametrize(
    "make", [add_mul_worked_example, gate_patterns, sigmoid_neuron, two_layer_net]
)
def test_a_right_answer_is_never_diagnosed(make: Callable[[], Problem]) -> None:
    result = grade(make(), key_answers(make()))
    assert result.passed and result.codes == ()
    assert all(r.diagnoses == () for r in result.results)


def test_one_mistake_in_two_answers_is_one_finding_with_one_hint() -> None:
    problem = add_mul_worked_example()  # key dx = -4, dz = 3: both signs flipped
    result = grade(problem, key_answers(problem) | {"dx": "4", "dz": "-3"})
    (finding,) = result.findings
    assert finding.code == "sign" and finding.fields == ("dx", "dz")
    assert finding.message.count(MISTAKES["sign"].hint) == 1
    assert "in ∂f/∂x, and in ∂f/∂z" in finding.message


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


def test_a_forward_sign_slip_is_named_as_a_forward_mistake() -> None:
    problem = add_mul_worked_example()
    result = grade(problem, key_answers(problem) | {"f": "12"})  # q·z with the sign lost
    assert result.codes == ("sign-forward",)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(1, 10_000), level=st.integers(1, 5))
def test_fresh_add_mul_problems_name_every_mistake_alone(seed: int, level: int) -> None:
    problem = get_family("add-mul").build(seed, level)
    x, y, z = (float(v) for _, v in problem.givens)
    q = x + y
    attempts = {
        "mul-swap": {"dx": q, "dy": q, "dz": z},
        "add-scaled": {"dx": y * z, "dy": x * z},
        "forgot-upstream": {"dx": 1.0, "dy": 1.0},
        "add-halved": {"dx": z / 2, "dy": z / 2},
        "sign": {"dz": -q},
    }
    for code, attempt in attempts.items():
        result = grade(problem, key_answers(problem) | {n: repr(v) for n, v in attempt.items()})
        assert result.codes == (code,), (code, x, y, z, [f.message for f in result.findings])


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


def named(problem: Problem, attempt: dict[str, float], code: str) -> Grade:
    """The whole attempt (unlisted answers right) is diagnosed as ``code``, possibly among
    an honest "this — or that" on a draw where two mistakes look alike."""
    result = grade(problem, key_answers(problem) | {n: repr(v) for n, v in attempt.items()})
    assert not result.passed and code in result.codes, (problem.key, attempt)
    return result


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_max_routing_on_fresh_gate_patterns(seed: int, level: int) -> None:
    problem = get_family("gate-patterns").build(seed, level)
    givens = dict(problem.givens)
    z, w, c = (float(givens[n]) for n in ("z", "w", "c"))
    larger, smaller = ("dz", "dw") if z > w else ("dw", "dz")
    named(problem, {larger: 0.0, smaller: c}, "max-routing")  # all of c to the smaller
    named(problem, {larger: c / 2, smaller: c / 2}, "max-routing")  # half of it each


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_sigmoid_derivative_on_fresh_neurons(seed: int, level: int) -> None:
    problem = get_family("sigmoid-neuron").build(seed, level)
    givens = dict(problem.givens)
    w0, w1, w2, x0, x1 = (float(givens[n]) for n in ("w0", "w1", "w2", "x0", "x1"))
    sigma = 1 / (1 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    attempt = {
        "dw0": x0 * sigma,
        "dw1": x1 * sigma,
        "dw2": sigma,
        "dx0": w0 * sigma,
        "dx1": w1 * sigma,
    }
    named(problem, attempt, "sigmoid-derivative")


def _net(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    givens = dict(problem.givens)
    x, w1, b1, w2 = (np.array(givens[n], dtype=float) for n in ("x", "W1", "b1", "W2"))
    return x, w1, b1, w2, float(givens["b2"])  # type: ignore[arg-type]


@FRESH
@given(seed=SEEDS, level=st.integers(2, 5))
def test_dead_relu_on_fresh_two_layer_nets(seed: int, level: int) -> None:
    problem = get_family("two-layer-net").build(seed, level)
    x, w1, _, w2, _ = _net(problem)
    through_both = w2[0]  # both units pass their W2 gradient, active or not
    attempt: dict[str, float] = {}
    for q in problem.quantities:
        if q.name.startswith("dW1_"):
            i, j = int(q.name[4]), int(q.name[5])
            attempt[q.name] = float(through_both[i] * x[j][0])
        elif q.name.startswith("db1_"):
            attempt[q.name] = float(through_both[int(q.name[4])])
        elif q.name in ("dx0", "dx1"):
            k = int(q.name[2])
            attempt[q.name] = float(sum(through_both[i] * w1[i][k] for i in (0, 1)))
    attempt = {n: v for n, v in attempt.items() if not _is_key(problem, n, v)}
    named(problem, attempt, "dead-relu")


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_a_slip_in_one_weight_gradient_is_named_at_its_own_gate(seed: int, level: int) -> None:
    # ∂s/∂W1[i][j] = ∂s/∂z_i·x_j; a learner who drops ∂s/∂z_i writes x_j, one who swaps the
    # multiply gate writes ∂s/∂z_i·W1[i][j] — and still adds up ∂s/∂x right at the fork
    problem = get_family("two-layer-net").build(seed, level)
    x, w1, b1, w2, _ = _net(problem)
    z = (w1 @ x + b1).ravel()
    (q,) = (q for q in problem.quantities if q.name.startswith("dW1_"))
    i, j = int(q.name[4]), int(q.name[5])
    dz = float(w2[0][i]) if z[i] > 0 else 0.0
    for code, answer in (("forgot-upstream", x[j][0]), ("mul-swap", dz * w1[i][j])):
        if _is_key(problem, q.name, float(answer)):
            continue
        result = named(problem, {q.name: float(answer)}, code)
        (finding,) = result.findings
        if finding.code == code:
            assert finding.scope == "answer" and f"for {q.label} at " in finding.message


@FRESH
@given(seed=SEEDS, level=st.integers(2, 5))
def test_relu_left_out_and_transposed_w1_on_fresh_two_layer_nets(seed: int, level: int) -> None:
    problem = get_family("two-layer-net").build(seed, level)
    x, w1, b1, w2, b2 = _net(problem)
    for weights, code in ((w1, "relu-forward"), (w1.T, "transpose-forward")):
        z = (weights @ x + b1).ravel()
        h = z if code == "relu-forward" else np.maximum(z, 0)
        s = (w2 @ h + b2).item()
        attempt = {"h0": float(h[0]), "h1": float(h[1]), "s": s}
        attempt = {n: v for n, v in attempt.items() if not _is_key(problem, n, v)}
        result = grade(problem, key_answers(problem) | {n: repr(v) for n, v in attempt.items()})
        assert code in result.codes, (problem.key, code)


def _is_key(problem: Problem, name: str, value: float) -> bool:
    key = next(q.expected for q in problem.quantities if q.name == name)
    assert isinstance(key, float)
    return is_close(value, key)


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_bias_through_and_transposed_w_on_fresh_linear_collapse(seed: int, level: int) -> None:
    problem = get_family("linear-collapse").build(seed, level)
    givens = dict(problem.givens)
    w1, b1, w2, b2 = (np.array(givens[n]) for n in ("W1", "b1", "W2", "b2"))

    def typed_matrix(m: np.ndarray) -> str:
        return "; ".join(" ".join(repr(float(v)) for v in row) for row in m)

    result = grade(problem, key_answers(problem) | {"b": typed_matrix(b1 + b2)})
    assert result.codes == ("bias-through",)
    result = grade(problem, key_answers(problem) | {"W": typed_matrix((w2 @ w1).T)})
    assert result.codes == ("w-transposed",)


@FRESH
@given(seed=SEEDS, level=st.integers(1, 5))
def test_matmul_order_on_fresh_linear_collapse(seed: int, level: int) -> None:
    problem = get_family("linear-collapse").build(seed, level)
    givens = dict(problem.givens)
    w1, w2 = np.array(givens["W1"]), np.array(givens["W2"])
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
