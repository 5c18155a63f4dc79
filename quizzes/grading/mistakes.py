"""Known backprop mistakes, each reproduced by re-running backprop with a wrong rule.

A wrong gradient is diagnosed by running the problem's circuit backward again with
the mistake's rule swapped in (see :meth:`quizzes.autograd.Value.backward`): if the
learner's number is what that mistake produces, and not the key, the mistake is
named.  Codes are stable: instructor statistics count them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from quizzes.autograd import BackwardRule, Value, chain_rule
from quizzes.grading.parsing import Given
from quizzes.grading.tolerance import is_close, matches
from quizzes.problems.base import Circuit, Matrix, Problem, Quantity


@dataclass(frozen=True)
class Diagnosis:
    code: str
    hint: str


# A gate override: what one mistaken gate sends to its inputs, given its upstream gradient.
GateOverride = BackwardRule


def _mistaken_rule(overrides: Mapping[str, GateOverride]) -> BackwardRule:
    """Backprop that applies ``overrides`` (by gate op) and the correct chain rule elsewhere."""

    def rule(node: Value, upstream: float) -> tuple[float, ...]:
        override = overrides.get(node.op, chain_rule)
        return override(node, upstream)

    return rule


def _local_only(node: Value, upstream: float) -> tuple[float, ...]:
    return node.local_grads  # at every gate, not just one kind


def _own_value(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(child.data * upstream for child in node.inputs)


def _other_value(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(child.data * upstream for child in reversed(node.inputs))


def _to_smaller(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(local * upstream for local in reversed(node.local_grads))


def _split(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(upstream / len(node.inputs) for _ in node.inputs)


def _pass_through(node: Value, upstream: float) -> tuple[float, ...]:
    return tuple(upstream for _ in node.inputs)


def _sigmoid_as_derivative(node: Value, upstream: float) -> tuple[float, ...]:
    return (node.data * upstream,)  # a sigmoid node's value is σ; the right local is σ(1−σ)


MATMUL_ORDER = "matmul-order"


@dataclass(frozen=True)
class Mistake:
    """A known mistake: backprop re-run under each of ``rules`` gives what it produces.

    ``negates_key`` marks the mistake found by comparison rather than by a rule: the
    right magnitude with the wrong sign.  A mistake with neither (matmul-order) is
    checked by its own function.
    """

    code: str
    hint: str
    rules: tuple[BackwardRule, ...] = ()
    negates_key: bool = False
    # the same slip made at ONE gate (chain rule elsewhere): the gate kinds it can
    # happen at (None: any gate) and what that gate then sends back
    at_one_gate: tuple[tuple[frozenset[str] | None, GateOverride], ...] = ()


def _gate_mistake(code: str, hint: str, *overrides: Mapping[str, GateOverride]) -> Mistake:
    """A mistake made at gates of one kind: at every such gate, or at just one of them."""
    return Mistake(
        code,
        hint,
        rules=tuple(_mistaken_rule(o) for o in overrides),
        at_one_gate=tuple(
            (frozenset({op}), override) for o in overrides for op, override in o.items()
        ),
    )


MISTAKES: dict[str, Mistake] = {
    m.code: m
    for m in (
        Mistake(
            "forgot-upstream",
            "Multiply each gate's local gradient by the upstream gradient it receives.",
            (_local_only,),
            at_one_gate=((None, _local_only),),
        ),
        _gate_mistake(
            "mul-swap",
            "A multiply gate swaps its inputs: each input gets the OTHER input's value "
            "times the upstream gradient.",
            {"*": _own_value},
        ),
        Mistake(
            "sign",
            "The size is right but the sign is wrong: recheck the sign of each local gradient.",
            negates_key=True,
        ),
        _gate_mistake(
            "max-routing",
            "A max gate routes the whole upstream gradient to the larger input and 0 to the other.",
            {"max": _to_smaller},
            {"max": _split},
        ),
        _gate_mistake(
            "dead-relu",
            "A ReLU whose input is negative is inactive: no gradient flows back through it.",
            {"relu": _pass_through},
        ),
        _gate_mistake(
            "sigmoid-derivative",
            "The sigmoid's local gradient is σ(1−σ), not σ itself.",
            {"sigmoid": _sigmoid_as_derivative},
        ),
        _gate_mistake(
            "add-scaled",
            "An add gate passes the upstream gradient through unchanged to both inputs.",
            {"+": _other_value},
        ),
        Mistake(  # for the collapsed matrix W of two stacked linear layers (no circuit)
            MATMUL_ORDER,
            "Layers compose right to left: W1 acts on x first, so W = W2·W1, not W1·W2.",
        ),
    )
}


class MistakenGradients:
    """Each mistaken rule's gradients for a circuit, computed once per grading."""

    def __init__(self, circuit: Circuit) -> None:
        self._circuit = circuit
        self._runs: dict[tuple[int, int | None], dict[str, float]] = {}
        self._gates: list[tuple[int, str]] | None = None

    def of(self, rule: BackwardRule, node: str, only_at: int | None = None) -> float | None:
        key = (id(rule), only_at)
        if key not in self._runs:
            self._runs[key] = self._circuit.run(rule, only_at=only_at)[1]
        return self._runs[key].get(node)

    def at_each_gate(
        self, override: GateOverride, ops: frozenset[str] | None, node: str
    ) -> list[float]:
        """``node``'s gradient with ``override`` at one gate of ``ops``, for each such gate."""
        if self._gates is None:
            self._gates = [(row.index, row.op) for row in self._circuit.table() if row.inputs]
        found = []
        for index, op in self._gates:
            if ops is None or op in ops:
                gradient = self.of(override, node, only_at=index)
                if gradient is not None:
                    found.append(gradient)
        return found


def _predictions(mistake: Mistake, quantity: Quantity, runs: MistakenGradients) -> list[float]:
    key = quantity.expected
    found = [-key] if mistake.negates_key and isinstance(key, float | int) else []
    for rule in mistake.rules:
        gradient = runs.of(rule, quantity.node)
        if gradient is not None:
            found.append(gradient)
    for ops, override in mistake.at_one_gate:
        found += runs.at_each_gate(override, ops, quantity.node)
    return found


def diagnose(
    quantity: Quantity, given: Given, runs: MistakenGradients | None
) -> tuple[Diagnosis, ...]:
    """The known mistakes that produce ``given`` for a gradient and not the key."""
    if quantity.kind != "gradient" or not isinstance(given, float) or runs is None:
        return ()
    if not isinstance(quantity.expected, float | int) or not quantity.node:
        return ()
    found = []
    for mistake in MISTAKES.values():
        predictions = _predictions(mistake, quantity, runs)
        if any(
            is_close(given, p) and not is_close(p, float(quantity.expected)) for p in predictions
        ):
            found.append(Diagnosis(mistake.code, mistake.hint))
    return tuple(found)


def diagnose_matmul_order(
    problem: Problem, quantity: Quantity, given: Given
) -> tuple[Diagnosis, ...]:
    givens = dict(problem.givens)
    first, second = givens.get("W1"), givens.get("W2")
    if quantity.name != "W" or not isinstance(first, tuple) or not isinstance(second, tuple):
        return ()
    wrong_order = _matmul(first, second)
    if matches(given, wrong_order) and not matches(wrong_order, quantity.expected):
        return (Diagnosis(MATMUL_ORDER, MISTAKES[MATMUL_ORDER].hint),)
    return ()


def _matmul(left: Matrix, right: Matrix) -> Matrix:
    return tuple(
        tuple(
            sum(a * b for a, b in zip(row, column, strict=True))
            for column in zip(*right, strict=True)
        )
        for row in left
    )
