"""A random circuit: every draw meets its constraints and rebuilds from its seed, its keys are
backprop worked here by hand over the gate table (and agree with finite differences), its
picture is readable, and each modelled mistake, made by hand, is named."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quizzes.autograd import GateRow
from quizzes.circuit_view import display_gates, is_constant
from quizzes.diagram import draw_circuit
from quizzes.grading import grade
from quizzes.hypotheses import check
from quizzes.problems import get_family, rebuild
from quizzes.problems.base import Problem, fmt
from quizzes.problems.random_circuits import FAMILY, VERSION
from quizzes.tutoring.walk import plan
from tests.bot.test_diagram import crossings, overlaps
from tests.quizzes.grading.builders import key_answers
from tests.sweeps import seeds

pytestmark = pytest.mark.no_database  # the generator alone: once, not once per database

SEEDS = seeds(1000, 400)
GATES = {1: (4, 4), 2: (5, 6), 3: (6, 7)}
INPUTS = {1: {"x", "y", "z"}, 2: {"x", "y", "z"}, 3: {"x", "y", "z", "w"}}
# a gate's mistaken backward rule: (row, input position, upstream, values) -> what it sends
Rule = Callable[[GateRow, int, float, list[float]], float]


def build(seed: int, level: int) -> Problem:
    return get_family(FAMILY).build(seed, level)


def local(row: GateRow, position: int, values: list[float]) -> float:
    """The gate's local gradient for one input, from the lesson's rules."""
    inputs = [values[i] for i in row.inputs]
    if row.op == "+":
        return 1.0
    if row.op == "*":
        return inputs[1 - position]
    if row.op == "max":
        return 1.0 if inputs[position] > inputs[1 - position] else 0.0
    assert row.op == "relu", row.op
    return 1.0 if inputs[0] > 0 else 0.0


def right(row: GateRow, position: int, upstream: float, values: list[float]) -> float:
    return local(row, position, values) * upstream


def backprop(problem: Problem, rule_at: Callable[[GateRow], Rule] = lambda row: right) -> dict:  # type: ignore[type-arg]
    """Every node's gradient by name, backward over the gate table with ``rule_at(gate)``."""
    gates = problem.gates
    values = [row.value for row in gates]
    grads = [0.0] * len(gates)
    grads[-1] = 1.0
    for row in reversed(gates):
        for k, child in enumerate(row.inputs):
            grads[child] += rule_at(row)(row, k, grads[row.index], values)
    return {row.name: grads[row.index] for row in gates}


def forward(problem: Problem, givens: dict[str, float]) -> float:
    values: list[float] = []
    for row in problem.gates:
        inputs = [values[i] for i in row.inputs]
        if not row.inputs:
            values.append(givens.get(row.name, row.value))
        elif row.op == "+":
            values.append(inputs[0] + inputs[1])
        elif row.op == "*":
            values.append(inputs[0] * inputs[1])
        elif row.op == "max":
            values.append(max(inputs))
        else:
            values.append(max(0.0, inputs[0]))
    return values[-1]


def attempt(problem: Problem, grads: dict, f: float | None = None) -> dict[str, str]:  # type: ignore[type-arg]
    answers = key_answers(problem)
    for q in problem.quantities:
        if q.kind == "gradient":
            answers[q.name] = repr(grads[q.node])
    if f is not None:
        answers["f"] = repr(f)
    return answers


def uses(problem: Problem) -> dict[str, list[tuple[GateRow, int]]]:
    out: dict[str, list[tuple[GateRow, int]]] = {}
    for row in problem.gates:
        for k, child in enumerate(row.inputs):
            out.setdefault(problem.gates[child].name, []).append((row, k))
    return out


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_draw_meets_its_constraints_and_rebuilds_from_its_seed(level: int) -> None:
    for seed in SEEDS:
        problem = build(seed, level)
        assert problem == rebuild(FAMILY, VERSION, seed, level)
        shown = display_gates(problem.gates)
        gates = [row for row in shown if row.inputs]
        assert GATES[level][0] <= len(gates) <= GATES[level][1], problem.key
        assert {row.op for row in gates} <= {"+", "*", "max", "relu"} | {
            row.op for row in gates if row.op.startswith("×")
        }
        assert len({row.op for row in gates}) >= 3
        leaves = {row.name: row for row in problem.gates if not row.inputs and not is_constant(row)}
        assert set(leaves) == INPUTS[level] == {n for n, _ in problem.givens}
        assert all(v == int(v) and v != 0 for v in (row.value for row in leaves.values()))
        fed = uses(problem)
        assert any(len(fed[name]) >= 2 for name in leaves), problem.key  # a fork at an input
        assert all(len(fed.get(row.name, [])) <= 1 for row in problem.gates if row.inputs)
        for row in problem.gates:
            inputs = [problem.gates[i].value for i in row.inputs]
            assert not (row.op == "max" and inputs[0] == inputs[1]), problem.key
            assert not (row.op == "relu" and inputs[0] == 0), problem.key
        grads = backprop(problem)
        for q in problem.quantities:
            expected = forward(problem, {}) if q.name == "f" else grads[q.node]
            assert q.expected == pytest.approx(expected), (problem.key, q.name)
        asked = {q.node for q in problem.quantities if q.kind == "gradient"}
        assert asked - set(leaves) == set() if level == 1 else len(asked - set(leaves)) == 1
        assert grade(problem, key_answers(problem)).passed
        found = check(problem)
        assert found.hard == () and found.soft == (), (problem.key, found)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_keys_agree_with_finite_differences(level: int) -> None:
    for seed in range(1, 101):
        problem = build(seed, level)
        givens = dict(problem.givens)
        for q in problem.quantities:
            if q.kind == "gradient" and q.node in givens:
                h = 1e-4
                up = forward(problem, givens | {q.node: givens[q.node] + h})
                down = forward(problem, givens | {q.node: givens[q.node] - h})
                assert (up - down) / (2 * h) == pytest.approx(q.expected, abs=1e-6)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_picture_is_readable(level: int) -> None:
    for seed in range(1, 101):
        problem = build(seed, level)
        drawing = draw_circuit(problem.gates, problem.formula)
        assert overlaps(drawing) == [] and crossings(drawing) == [], problem.key
        width, height = drawing.size
        assert width <= 640 and height <= 400, (problem.key, drawing.size)


def test_a_ReLU_is_inactive_on_some_draws_and_every_kind_of_gate_appears() -> None:
    problems = [build(seed, level) for level in (1, 2, 3) for seed in range(1, 201)]
    inactive = [
        p
        for p in problems
        if any(r.op == "relu" and p.gates[r.inputs[0]].value < 0 for r in p.gates)
    ]
    assert 0.2 < len(inactive) / len(problems) < 0.45
    ops = {row.op for p in problems for row in display_gates(p.gates)}
    assert {"+", "*", "max", "relu"} <= ops and any(op.startswith("×") for op in ops)


def named_codes(problem: Problem, answers: dict[str, str]) -> tuple[str, ...]:
    result = grade(problem, answers)
    assert not result.passed, problem.key
    return result.codes


def draws(level: int, count: int = 40) -> list[Problem]:
    return [build(seed, level) for seed in range(500, 500 + count)]


@pytest.mark.parametrize("level", [1, 2, 3])
def test_forks_not_added_are_named(level: int) -> None:
    for problem in draws(level):
        for name, fed in uses(problem).items():
            if len(fed) < 2 or name not in dict(problem.givens):
                continue
            grads = backprop(problem)
            kept = fed[0][0]

            def one_path(
                row: GateRow, kept: GateRow = kept, name: str = name, problem: Problem = problem
            ) -> Rule:
                def rule(r: GateRow, k: int, up: float, values: list[float]) -> float:
                    child = problem.gates[r.inputs[k]].name
                    return 0.0 if child == name and r is not kept else right(r, k, up, values)

                return rule

            wrong = backprop(problem, one_path)
            if wrong[name] != grads[name]:
                assert named_codes(problem, attempt(problem, wrong)) == ("fork-sum",), problem.key


def at_every(op: str, rule: Rule) -> Callable[[GateRow], Rule]:
    return lambda row: rule if row.op == op else right


def own(row: GateRow, k: int, up: float, values: list[float]) -> float:
    return values[row.inputs[k]] * up


def to_smaller(row: GateRow, k: int, up: float, values: list[float]) -> float:
    return (1.0 - local(row, k, values)) * up


def through(row: GateRow, k: int, up: float, values: list[float]) -> float:
    return up


def halved(row: GateRow, k: int, up: float, values: list[float]) -> float:
    return up / 2


SLIPS = [
    ("max-routing", "max", to_smaller),  # the smaller input gets it all
    ("dead-relu", "relu", through),  # gradient let through an inactive ReLU
    ("add-halved", "+", halved),
]


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize(("code", "op", "rule"), SLIPS)
def test_a_gate_rule_broken_at_every_gate_of_its_kind_is_named(
    level: int, code: str, op: str, rule: Rule
) -> None:
    named = 0
    for problem in draws(level):
        wrong = backprop(problem, at_every(op, rule))
        if all(wrong[q.node] == q.expected for q in problem.quantities if q.kind == "gradient"):
            continue  # no such gate, or one the slip cannot reach
        assert code in named_codes(problem, attempt(problem, wrong)), problem.key
        named += 1
    assert named >= 5


@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_swapped_multiply_gate_and_a_forgotten_upstream_are_named_at_their_gate(
    level: int,
) -> None:
    for problem in draws(level):
        for gate in problem.gates:
            if gate.op != "*" or any(is_constant(problem.gates[i]) for i in gate.inputs):
                continue
            for code, rule in (
                ("mul-swap", own),
                ("forgot-upstream", lambda r, k, up, values: local(r, k, values)),
            ):
                wrong = backprop(
                    problem, lambda row, g=gate, rule=rule: rule if row is g else right
                )
                asked = [q for q in problem.quantities if q.kind == "gradient"]
                if all(wrong[q.node] == q.expected for q in asked):
                    continue
                assert code in named_codes(problem, attempt(problem, wrong)), problem.key


@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_ReLU_left_out_of_the_forward_pass_is_named(level: int) -> None:
    named = 0
    for problem in draws(level, 80):
        gates = problem.gates
        relus = [r for r in gates if r.op == "relu" and gates[r.inputs[0]].value < 0]
        if len(relus) != 1:
            continue
        f = forward_without_relu(problem, relus[0].index)
        if f != problem.quantities[0].expected:
            assert named_codes(problem, key_answers(problem) | {"f": repr(f)}) == (
                "relu-forward",
            ), problem.key
            named += 1
    assert named >= 3


def forward_without_relu(problem: Problem, index: int) -> float:
    """f with the ReLU at gate ``index`` passing its negative input unchanged."""
    values: list[float] = []
    for row in problem.gates:
        inputs = [values[i] for i in row.inputs]
        if not row.inputs:
            values.append(row.value)
        elif row.op == "+":
            values.append(inputs[0] + inputs[1])
        elif row.op == "*":
            values.append(inputs[0] * inputs[1])
        elif row.op == "max":
            values.append(max(inputs))
        else:
            values.append(inputs[0] if row.index == index else max(0.0, inputs[0]))
    return values[-1]


def test_a_walk_through_a_forked_input_goes_path_by_path_then_sums() -> None:
    walked = 0
    for seed in range(1, 60):
        problem = build(seed, 2)
        for name, fed in uses(problem).items():
            key = next((q for q in problem.quantities if q.node == name), None)
            if key is None or len(fed) < 2 or key.expected == 0:
                continue
            walk = plan(problem, grade(problem, key_answers(problem) | {key.name: "0"}))
            assert walk is not None, problem.key
            kinds = [s.kind for s in walk.steps]
            assert kinds == ["upstream", "local", "downstream"] * len(fed) + ["sum"]
            downstream = [s.expected for s in walk.steps if s.kind == "downstream"]
            assert walk.steps[-1].expected == pytest.approx(sum(downstream))
            assert walk.steps[-1].expected == pytest.approx(key.expected)
            walked += 1
    assert walked >= 20


def test_the_prompt_and_solution_say_where_it_forks() -> None:
    problem = build(3, 2)
    forked = [n for n, fed in uses(problem).items() if len(fed) >= 2 and n in dict(problem.givens)]
    assert forked and all(f"{n} feeds" in problem.prompt for n in forked)
    assert all(f"{n} feeds" in problem.solution for n in forked)
    for q in problem.quantities:
        if q.kind == "gradient" and q.node in dict(problem.givens):
            assert f"∂f/∂{q.node} = {fmt(q.expected)}" in problem.solution  # type: ignore[arg-type]
