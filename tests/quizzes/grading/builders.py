"""Problems for the grading tests: hand-built circuits with the CS231n numbers, and helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from quizzes.autograd import Value
from quizzes.problems import get_family
from quizzes.problems.base import (
    Choice,
    Circuit,
    Matrix,
    Misconception,
    Problem,
    Quantity,
    fmt,
)

Build = Callable[[], tuple[Value, Mapping[str, Value]]]


def make_problem(
    quantities: list[Quantity],
    *,
    circuit: Circuit | None = None,
    givens: tuple[tuple[str, float | Matrix], ...] = (),
    choices: tuple[Choice, ...] = (),
    misconceptions: tuple[Misconception, ...] = (),
) -> Problem:
    pages = tuple(tuple(quantities[i : i + 5]) for i in range(0, len(quantities), 5))
    return Problem(
        family="test",
        version=1,
        seed=1,
        level=1,
        title="test problem",
        formula="",
        prompt="",
        givens=givens,
        pages=pages,
        solution="",
        choices=choices,
        misconceptions=misconceptions,
        circuit=circuit,
    )


def circuit_problem(
    build: Build, gradients: tuple[str, ...], values: tuple[str, ...] = ()
) -> Problem:
    """A problem asking the named nodes' values and gradients, keys from the engine."""
    circuit = Circuit(build)
    node_values, node_grads = circuit.run()
    quantities = [Quantity(n, n, node_values[n], "value", n) for n in values]
    quantities += [Quantity(f"d{n}", f"∂f/∂{n}", node_grads[n], "gradient", n) for n in gradients]
    return make_problem(quantities, circuit=circuit)


def gate_patterns() -> Problem:
    """CS231n: f = 2·(x·y + max(z, w)) at x=3, y=−4, z=2, w=−1; gradients −8, 6, 2, 0."""
    return get_family("gate-patterns").build(0, 1)


def sigmoid_neuron() -> Problem:
    """CS231n: f = σ(w0·x0 + w1·x1 + w2), w = [2, −3, −3], x = [−1, −2]; σ(1) ≈ 0.731."""
    return get_family("sigmoid-neuron").build(0, 1)


def two_layer_net() -> Problem:
    """A fixed net (the family draws random ones): s = W2·relu(W1·x + b1) + b2.

    x = (1, 2), W1 = [[1, 1], [2, −3]], b1 = (0, 1), W2 = (2, −1), b2 = 0.5: the hidden
    pre-activations are 3 (active) and −3 (inactive).
    """

    def build() -> tuple[Value, dict[str, Value]]:
        x0, x1, b10, b11 = Value(1), Value(2), Value(0), Value(1)
        h0 = (1 * x0 + 1 * x1 + b10).relu()
        h1 = (2 * x0 + -3 * x1 + b11).relu()
        return 2 * h0 + -1 * h1 + 0.5, {"x0": x0, "x1": x1, "b10": b10, "b11": b11}

    return circuit_problem(build, ("x0", "x1", "b10", "b11"))


def add_mul_worked_example() -> Problem:
    """The lesson's circuit f = (x + y)·z at x = −2, y = 5, z = −4."""
    return get_family("add-mul").build(0, 1)


def key_answers(problem: Problem) -> dict[str, str]:
    """The answer key as a learner would type it."""
    return {q.name: typed(q.expected) for q in problem.quantities}


def typed(value: float | Matrix | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return "[" + ", ".join("[" + ", ".join(fmt(x) for x in row) + "]" for row in value) + "]"
    return fmt(value)


# ---- one-quantity problems ------------------------------------------------
SCALAR = make_problem([Quantity("a", "∂f/∂a", 1.0, "gradient")])
MATRIX = make_problem(
    [Quantity("W", "W", ((1.0, 2.0), (3.0, 4.0)), "matrix", example="[[1, 2], [3, 4]]")]
)
COLUMN = make_problem([Quantity("b", "b", ((5.0,), (6.0,)), "matrix", example="[5, 6]")])
CHOICES = tuple(
    Choice(key, f"option {key}", key == "C", f"why {key}") for key in ("A", "B", "C", "D")
)
CHOICE = make_problem([Quantity("choice", "Your answer", "C", "choice")], choices=CHOICES)


# Two stacked linear layers: the learner gives W = W2·W1.
W1 = ((1.0, 2.0), (0.0, -1.0))
W2 = ((3.0, 1.0), (-2.0, 4.0))
W2_W1 = ((3.0, 5.0), (-2.0, -8.0))
W1_W2 = ((-1.0, 9.0), (2.0, -4.0))
COLLAPSE = make_problem(
    [Quantity("W", "W = W2·W1", W2_W1, "matrix", example="[[1, 2], [3, 4]]")],
    givens=(("W1", W1), ("W2", W2)),
    misconceptions=(Misconception("matmul-order", "W = W2·W1", {"W": W1_W2}),),
)
