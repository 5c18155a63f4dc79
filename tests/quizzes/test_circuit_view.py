"""The gate table as a learner reads it: a constant factor is a "×c" gate, every node named."""

from __future__ import annotations

import pytest

from quizzes.circuit_view import describe_gate, display_gates
from quizzes.diagram_layout import gate_symbol
from quizzes.presentation import gate_table_text
from quizzes.problems import FAMILIES, get_family


def test_the_constant_factor_is_a_times_two_gate_not_an_input_with_a_gradient() -> None:
    problem = get_family("gate-patterns").build(0, 1)  # CS231n: f = 2·s at s = -10
    shown = display_gates(problem.gates)
    assert "2" not in [row.name for row in shown]  # the constant is no node of its own
    [scale] = [row for row in shown if row.op == "×2"]
    assert (scale.name, scale.value, scale.local_grads, scale.downstream) == ("f", -20, (2,), (2,))
    assert [shown[i].name for i in scale.inputs] == ["s"]
    table = gate_table_text(problem.gates)
    assert "2 = 2 → " not in table and "×2" in table


@pytest.mark.parametrize("family_id", sorted(f for f in FAMILIES if f != "relu-role"))
def test_every_node_has_a_name_a_learner_can_follow(family_id: str) -> None:
    problem = get_family(family_id).build(3, 3)
    if not problem.gates:
        pytest.skip("no circuit")
    shown = display_gates(problem.gates)
    assert all(row.name and not row.name.startswith("#") for row in shown)
    assert "#" not in gate_table_text(problem.gates)


def test_the_two_layer_net_table_stays_readable() -> None:
    problem = get_family("two-layer-net").build(0, 2)
    table = gate_table_text(problem.gates)
    gate_rows = table.split("inputs (value → gradient):")[0].strip().splitlines()[1:]
    assert len(gate_rows) <= 14 < len(problem.gates)  # inputs are listed apart, 4 a line
    assert "W1[0][0]·x0" in table and "h0" in table
    assert max(len(line) for line in table.splitlines()) <= 80


def test_a_square_and_a_negation_are_written_as_a_learner_writes_them() -> None:
    problem = get_family("training-step").build(3, 1)  # L = (s − t)², s − t = s + (−t)
    described = [describe_gate(problem.gates, row.index) for row in problem.gates if row.op]
    assert "the square gate L = (s − t)²" in described
    assert "the negation −t" in described
    assert "the add gate s − t = s + (−t)" in described
    assert not any("**" in text or "neg(" in text for text in described)
    [square] = [row for row in problem.gates if row.op == "**"]
    assert (square.operand, gate_symbol(square.op, square.operand)) == (2.0, "x²")
