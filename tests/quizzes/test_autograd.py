"""The scalar autograd engine: finite differences, the CS231n numbers, deep graphs, the table."""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizzes.autograd import Value, chain_rule, gate_table, vmax

# ---- random expressions against central finite differences ------------------------------
#
# An expression is a tree of tuples: ("var", i), ("const", c), (op, child) or
# (op, left, right).  A subtree object that appears twice becomes ONE node used twice,
# so node reuse is exercised too.  log and division only ever see (child² + 0.5) > 0,
# and evaluation refuses points near relu's and max's kinks.

Tree = tuple[Any, ...]
VARIABLES = 3


class Kink(Exception):
    """The point lies too near a non-differentiable spot or overflows; draw another."""


def _positive(child: Tree) -> Tree:
    return ("add", ("mul", child, child), ("const", 0.5))


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    unary = st.sampled_from(["neg", "exp", "relu", "sigmoid", "tanh"])
    binary = st.sampled_from(["add", "sub", "mul", "max"])
    return st.one_of(
        st.tuples(unary, children),
        st.tuples(binary, children, children),
        children.map(lambda c: ("add", c, c)),  # the same node twice
        st.tuples(st.just("pow"), children, st.sampled_from([2, 3])),
        st.tuples(st.just("pow"), children.map(_positive), st.sampled_from([-1, 0.5, 1.5])),
        children.map(lambda c: ("log", _positive(c))),
        st.tuples(st.just("div"), children, children.map(_positive)),
    )


LEAVES = st.one_of(
    st.tuples(st.just("var"), st.integers(0, VARIABLES - 1)),
    st.tuples(st.just("const"), st.sampled_from([-2.0, -0.5, 1.0, 3.0])),
)
TREES = st.recursive(LEAVES, _extend, max_leaves=12)
POINTS = st.lists(
    st.floats(-3, 3, allow_nan=False, allow_infinity=False), min_size=VARIABLES, max_size=VARIABLES
)


def _float_relu(x: float) -> float:
    if abs(x) < 1e-2:
        raise Kink
    return max(x, 0.0)


def _float_max(a: float, b: float) -> float:
    if abs(a - b) < 1e-2:
        raise Kink
    return max(a, b)


FLOAT_OPS: dict[str, Callable[..., float]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "max": _float_max,
    "neg": operator.neg,
    "exp": math.exp,
    "log": math.log,
    "relu": _float_relu,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "tanh": math.tanh,
}
VALUE_OPS: dict[str, Callable[..., Value]] = {
    **{name: FLOAT_OPS[name] for name in ("add", "sub", "mul", "div", "pow", "neg")},
    "max": vmax,
    "exp": Value.exp,
    "log": Value.log,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
}


def evaluate(
    tree: Tree,
    leaves: Sequence[Any],
    ops: dict[str, Callable[..., Any]],
    constant: Callable[[float], Any] = float,
) -> Any:
    memo: dict[int, Any] = {}

    def walk(node: Tree) -> Any:
        if id(node) in memo:
            return memo[id(node)]
        kind = node[0]
        if kind == "var":
            result = leaves[node[1]]
        elif kind == "const":
            result = constant(node[1])
        elif kind == "pow":
            result = ops["pow"](walk(node[1]), node[2])
        else:
            result = ops[kind](*(walk(child) for child in node[1:]))
        if isinstance(result, float) and abs(result) > 100:
            raise Kink
        memo[id(node)] = result
        return result

    return walk(tree)


@settings(max_examples=300, deadline=None)
@given(tree=TREES, point=POINTS)
def test_gradients_match_central_finite_differences(tree: Tree, point: list[float]) -> None:
    step = 1e-6
    try:
        expected_value = evaluate(tree, point, FLOAT_OPS)
        numeric = []
        for i in range(VARIABLES):
            up = [x + step * (j == i) for j, x in enumerate(point)]
            down = [x - step * (j == i) for j, x in enumerate(point)]
            difference = evaluate(tree, up, FLOAT_OPS) - evaluate(tree, down, FLOAT_OPS)
            numeric.append(difference / (2 * step))
    except Kink:
        assume(False)
    variables = [Value(x) for x in point]
    out = evaluate(tree, variables, VALUE_OPS, constant=Value)
    out.backward()
    assert out.data == pytest.approx(expected_value, rel=1e-12, abs=1e-12)
    for variable, derivative in zip(variables, numeric, strict=True):
        assert variable.grad == pytest.approx(derivative, rel=1e-4, abs=1e-5)
    fast = [v.grad for v in variables]
    out.backward(lambda node, upstream: chain_rule(node, upstream))  # the general loop
    assert [v.grad for v in variables] == fast


# ---- CS231n golden numbers --------------------------------------------------------------


def test_add_mul_circuit_from_the_lesson() -> None:
    x, y, z = Value(-2), Value(5), Value(-4)
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3, -12)
    assert (x.grad, y.grad, z.grad, q.grad) == (-4, -4, 3, -4)


def test_gate_patterns_circuit() -> None:
    x, y, z, w = Value(3), Value(-4), Value(2), Value(-1)
    f = 2 * (x * y + vmax(z, w))
    f.backward()
    assert f.data == -20
    assert (x.grad, y.grad, z.grad, w.grad) == (-8, 6, 2, 0)


@pytest.mark.parametrize("gate", ["sigmoid", "composed"])
def test_sigmoid_neuron(gate: str) -> None:
    w0, w1, w2 = Value(2), Value(-3), Value(-3)
    x0, x1 = Value(-1), Value(-2)
    z = w0 * x0 + w1 * x1 + w2
    f = z.sigmoid() if gate == "sigmoid" else 1 / (1 + (-z).exp())
    f.backward()
    assert f.data == pytest.approx(0.73, abs=0.005)
    assert [w0.grad, w1.grad, w2.grad] == pytest.approx([-0.20, -0.39, 0.20], abs=0.005)
    assert [x0.grad, x1.grad] == pytest.approx([0.39, -0.59], abs=0.005)


# ---- graph mechanics --------------------------------------------------------------------


def test_a_100000_node_chain_needs_no_recursion() -> None:
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y + 1
    limit = sys.getrecursionlimit()
    order = y.backward()
    assert sys.getrecursionlimit() == limit
    assert len(order) == 200_001  # x, then a constant and a sum for each step
    assert order[0] is x and order[-1] is y
    assert x.grad == 1.0
    assert y.data == pytest.approx(100_000.5)


def test_a_reused_node_accumulates() -> None:
    a = Value(3)
    b = a + a
    c = b * b
    c.backward()
    assert a.grad == 8 * 3
    assert b.grad == 2 * b.data


def test_backward_twice_gives_the_same_gradients() -> None:
    x, y = Value(1.5), Value(-2)
    f = (x * y + x).tanh() * x
    f.backward()
    first = (x.grad, y.grad)
    f.backward()
    assert (x.grad, y.grad) == first


def test_backward_zeroes_stale_gradients_left_by_another_graph() -> None:
    x = Value(2)
    (x * 10).backward()
    assert x.grad == 10
    (x * x).backward()
    assert x.grad == 4


def test_zero_grad_clears_the_whole_graph() -> None:
    x, y = Value(2), Value(3)
    f = x * y + x
    f.backward()
    f.zero_grad()
    assert all(node.grad == 0 and node.upstream == 0 for node in f.topological_order())


def test_topological_order_puts_inputs_before_their_users() -> None:
    x, y = Value(2), Value(3)
    shared = x * y
    f = (shared + x) * (shared - y)
    order = f.topological_order()
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is f
    for node in order:
        assert all(position[id(child)] < position[id(node)] for child in node.inputs)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value("3"),  # type: ignore[arg-type]
        lambda: Value(None),  # type: ignore[arg-type]
        lambda: Value(True),
        lambda: Value(1) + "2",
        lambda: "2" + Value(1),
        lambda: Value(1) * None,
        lambda: Value(1) + True,
        lambda: Value(1) - [1],
        lambda: Value(1) / "x",
        lambda: Value(2) ** Value(2),
        lambda: Value(2) ** True,
        lambda: vmax(Value(1), "0"),
        lambda: Value(1).max(None),
    ],
)
def test_unsupported_operands_raise_type_error(make: Callable[[], object]) -> None:
    with pytest.raises(TypeError, match=r"\S"):
        make()


def test_a_node_needs_one_local_gradient_per_input() -> None:
    with pytest.raises(ValueError, match="2 inputs but 1 local"):
        Value(1.0, (Value(1), Value(2)), "+", (1.0,))


def test_a_hand_built_node_with_three_inputs_backpropagates() -> None:
    a, b, c = Value(1), Value(2), Value(3)
    total = Value(6.0, (a, b, c), "sum3", (1.0, 1.0, 1.0))
    (total * 2).backward()
    assert (a.grad, b.grad, c.grad) == (2, 2, 2)


def test_undefined_points_raise_clear_errors() -> None:
    with pytest.raises(ZeroDivisionError):
        Value(1) / 0
    with pytest.raises(ValueError, match="log"):
        Value(0).log()
    with pytest.raises(ValueError, match="derivative"):
        Value(0) ** -1


def test_relu_gradient_at_exactly_zero_is_zero() -> None:
    for start in (0.0, -0.0):
        x = Value(start)
        out = x.relu()
        out.backward()
        assert (out.data, x.grad) == (0.0, 0.0)
    positive = Value(0.25)
    positive.relu().backward()
    assert positive.grad == 1.0


@pytest.mark.parametrize(("a", "b"), [(3.0, 5.0), (5.0, 3.0), (-1.0, -7.0)])
def test_max_routes_the_gradient_to_the_larger_input(a: float, b: float) -> None:
    va, vb = Value(a), Value(b)
    out = vmax(va, vb) * 3
    out.backward()
    assert (va.grad, vb.grad) == ((3.0, 0.0) if a > b else (0.0, 3.0))
    assert vmax(2, va).data == max(2, a)


def test_a_swapped_rule_replaces_the_chain_rule() -> None:
    x, y, z = Value(-2), Value(5), Value(-4)
    f = (x + y) * z

    def local_only(node: Value, upstream: float) -> tuple[float, ...]:
        return node.local_grads

    f.backward(local_only)
    assert (x.grad, y.grad, z.grad) == (1, 1, 3)
    f.backward(chain_rule)
    assert (x.grad, y.grad, z.grad) == (-4, -4, 3)
    with pytest.raises(ValueError):
        f.backward(lambda node, upstream: (upstream,))  # one gradient for two inputs


def test_gate_table_rows_for_the_add_mul_circuit() -> None:
    x, y, z = Value(-2, label="x"), Value(5, label="y"), Value(-4, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    rows = gate_table(f.backward())
    by_name = {row.name: row for row in rows}
    assert [row.index for row in rows] == list(range(5))
    assert set(by_name) == {"x", "y", "z", "q", "f"}

    def inputs(name: str) -> tuple[str, ...]:
        return tuple(rows[i].name for i in by_name[name].inputs)

    q_row, f_row, x_row = by_name["q"], by_name["f"], by_name["x"]
    assert (q_row.op, inputs("q"), q_row.value) == ("+", ("x", "y"), 3)
    assert (q_row.local_grads, q_row.upstream, q_row.downstream) == ((1, 1), -4, (-4, -4))
    assert (f_row.op, inputs("f"), f_row.value) == ("*", ("q", "z"), -12)
    assert (f_row.local_grads, f_row.upstream, f_row.downstream) == ((-4, 3), 1, (-4, 3))
    assert (x_row.op, x_row.inputs, x_row.upstream, x_row.downstream) == ("", (), -4, ())


def test_power_remembers_its_constant_exponent() -> None:
    x = Value(3)
    cube = x**3
    cube.backward()
    assert (cube.op, cube.operand, cube.local_grads, x.grad) == ("**", 3.0, (27.0,), 27.0)
