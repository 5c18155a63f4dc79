"""A scalar reverse-mode autograd engine, micrograd-sized.

Every operation returns a new :class:`Value` that remembers its inputs, the
operation's name and the *local* gradient with respect to each input.  Unlike
micrograd, local gradients are stored as numbers rather than hidden inside a
closure, which is what lets a worked solution print the per-gate table
(value, local gradient, upstream, downstream) and lets the grader re-run
backprop with a mistaken rule swapped in (see :mod:`quizzes.grading`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Number = int | float

# A backward rule turns (node, upstream) into one downstream gradient per input.
# The correct rule is "local x upstream"; grading swaps in mistaken ones.
BackwardRule = Callable[["Value", float], tuple[float, ...]]


def _as_value(other: object, op: str) -> Value:
    if isinstance(other, Value):
        return other
    if isinstance(other, bool) or not isinstance(other, int | float):
        raise TypeError(
            f"unsupported operand for {op}: Value and {type(other).__name__} "
            "(only Value, int and float are allowed)"
        )
    return Value(other)


class Value:
    """A scalar in a computational graph."""

    __slots__ = ("data", "grad", "upstream", "inputs", "op", "local_grads", "label", "operand")

    def __init__(
        self,
        data: Number,
        inputs: tuple[Value, ...] = (),
        op: str = "",
        local_grads: tuple[float, ...] = (),
        label: str = "",
    ) -> None:
        if type(data) is not float:  # every op passes a float: skip the checks then
            if isinstance(data, bool) or not isinstance(data, int | float):
                raise TypeError(f"Value holds an int or float, not {type(data).__name__}")
            data = float(data)
        if len(local_grads) != len(inputs):
            raise ValueError(
                f"{op or 'a node'} has {len(inputs)} inputs but {len(local_grads)} local gradients"
            )
        self.data = data
        self.grad = 0.0
        self.upstream = 0.0  # the gradient this node received from its consumers
        self.inputs = inputs
        self.op = op
        self.local_grads = local_grads
        self.label = label
        self.operand: float | None = None  # constant exponent of a ** node

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:g}, grad={self.grad:g})"

    # ---- core operations -------------------------------------------------
    def __add__(self, other: object) -> Value:
        o = other if type(other) is Value else _as_value(other, "+")
        return Value(self.data + o.data, (self, o), "+", (1.0, 1.0))

    def __mul__(self, other: object) -> Value:
        o = other if type(other) is Value else _as_value(other, "*")
        return Value(self.data * o.data, (self, o), "*", (o.data, self.data))

    def __pow__(self, exponent: object) -> Value:
        if isinstance(exponent, bool) or not isinstance(exponent, int | float):
            raise TypeError(
                f"Value ** {type(exponent).__name__} is unsupported: the exponent must be "
                "a constant int or float"
            )
        if self.data == 0 and exponent < 1:
            raise ValueError(f"0 ** {exponent} has no finite derivative")
        local = exponent * self.data ** (exponent - 1)
        out = Value(self.data**exponent, (self,), "**", (float(local),))
        out.operand = float(exponent)
        return out

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), "exp", (e,))

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log is undefined at {self.data:g}")
        return Value(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def relu(self) -> Value:
        # The gradient at exactly 0 is 0: the unit is treated as inactive.
        active = self.data > 0
        return Value(self.data if active else 0.0, (self,), "relu", (1.0 if active else 0.0,))

    def sigmoid(self) -> Value:
        s = 1.0 / (1.0 + math.exp(-self.data))
        return Value(s, (self,), "sigmoid", (s * (1.0 - s),))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", (1.0 - t * t,))

    def max(self, other: object) -> Value:
        """max(self, other); the whole gradient goes to the larger input."""
        o = _as_value(other, "max")
        first = self.data >= o.data
        return Value(
            self.data if first else o.data, (self, o), "max", (1.0, 0.0) if first else (0.0, 1.0)
        )

    # ---- derived operations ---------------------------------------------
    def __neg__(self) -> Value:
        return Value(-self.data, (self,), "neg", (-1.0,))

    def __sub__(self, other: object) -> Value:
        return self + (-_as_value(other, "-"))

    def __truediv__(self, other: object) -> Value:
        o = _as_value(other, "/")
        if o.data == 0:
            raise ZeroDivisionError("division of a Value by zero")
        return self * o**-1

    def __radd__(self, other: object) -> Value:
        return _as_value(other, "+") + self

    def __rmul__(self, other: object) -> Value:
        return _as_value(other, "*") * self

    def __rsub__(self, other: object) -> Value:
        return _as_value(other, "-") - self

    def __rtruediv__(self, other: object) -> Value:
        return _as_value(other, "/") / self

    # ---- graph traversal -------------------------------------------------
    def topological_order(self) -> list[Value]:
        """Every node this value depends on, inputs before the nodes that use them.

        Iterative depth-first search (post-order), so a 100,000-deep chain does not hit
        Python's recursion limit as micrograd's recursive version does.
        """
        # Values keep object identity for == and hash, so a set of them is a set of ids.
        order: list[Value] = []
        visited = {self}
        stack = [self]
        while stack:
            node = stack[-1]
            # Re-scanning a node's (at most two) inputs when we come back to it is cheaper
            # than keeping an iterator per stack entry; visited inputs are skipped.
            for child in node.inputs:
                if child not in visited:
                    visited.add(child)
                    stack.append(child)
                    break
            else:
                stack.pop()
                order.append(node)
        return order

    def zero_grad(self) -> None:
        """Reset the gradient of this node and of everything it depends on."""
        for node in self.topological_order():
            node.grad = 0.0
            node.upstream = 0.0

    def backward(self, rule: BackwardRule | None = None) -> list[Value]:
        """Fill ``.grad`` of every node in the graph; returns the nodes in topological order.

        The whole graph is zeroed first, so calling backward twice gives the same
        gradients rather than doubling them.  ``rule`` replaces the chain rule
        (local x upstream) with another one; grading uses it to reproduce mistakes.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0  # .upstream is overwritten below for every node
        self.grad = 1.0
        if rule is None or rule is chain_rule:
            _apply_chain_rule(order)
            return order
        for node in reversed(order):
            upstream = node.upstream = node.grad
            if node.inputs:
                downstream = rule(node, upstream)
                for child, gradient in zip(node.inputs, downstream, strict=True):
                    child.grad += gradient
        return order


def _apply_chain_rule(order: list[Value]) -> None:
    """The correct backward pass, inlined: this loop is where backprop spends its time."""
    for node in reversed(order):
        upstream = node.upstream = node.grad
        inputs = node.inputs
        count = len(inputs)
        if count == 2:
            local_grads = node.local_grads
            inputs[0].grad += local_grads[0] * upstream
            inputs[1].grad += local_grads[1] * upstream
        elif count == 1:
            inputs[0].grad += node.local_grads[0] * upstream
        elif count:
            for child, local in zip(inputs, node.local_grads, strict=True):
                child.grad += local * upstream


def chain_rule(node: Value, upstream: float) -> tuple[float, ...]:
    """The correct rule: each input gets its local gradient times the upstream gradient."""
    return tuple(local * upstream for local in node.local_grads)


def vmax(a: Value | Number, b: Value | Number) -> Value:
    """max(a, b) for Values or numbers."""
    return _as_value(a, "max").max(b)


@dataclass(frozen=True)
class GateRow:
    """One line of a worked solution's per-gate table."""

    index: int
    name: str
    op: str  # "" for an input or constant
    inputs: tuple[int, ...]  # indices of this gate's inputs in the same table
    value: float
    local_grads: tuple[float, ...]
    upstream: float
    downstream: tuple[float, ...]
    operand: float | None = None  # the constant exponent of a ** gate


def gate_table(order: Iterable[Value]) -> list[GateRow]:
    """The per-gate table for a graph on which ``backward`` has run (topological order)."""
    rows: list[GateRow] = []
    index: dict[int, int] = {}
    for node in order:
        index[id(node)] = len(rows)
        downstream = tuple(local * node.upstream for local in node.local_grads)
        rows.append(
            GateRow(
                index=len(rows),
                name=node.label,
                op=node.op,
                inputs=tuple(index[id(child)] for child in node.inputs),
                value=node.data,
                local_grads=node.local_grads,
                upstream=node.upstream,
                downstream=downstream,
                operand=node.operand,
            )
        )
    return rows


# ---- replaying the forward pass with other values ---------------------------
def _local_grads(node: Value, inputs: tuple[float, ...], out: float) -> tuple[float, ...]:
    """``node``'s local gradients at these input values and this output value.

    A node whose value was forced (a learner's own forward value) keeps its op's rule,
    applied to that value: a sigmoid that output 0.7 has local gradient 0.7·0.3, and a
    ReLU whose output is not 0 passes gradient (a learner who wrote h = z < 0 treated
    the unit as active).
    """
    op = node.op
    if op == "+":
        return (1.0, 1.0)
    if op == "*":
        return (inputs[1], inputs[0])
    if op == "relu":
        return (1.0 if out != 0 else 0.0,)
    if op == "sigmoid":
        return (out * (1.0 - out),)
    if op == "max":
        return (1.0, 0.0) if inputs[0] >= inputs[1] else (0.0, 1.0)
    if op == "neg":
        return (-1.0,)
    if op == "exp":
        return (out,)
    if op == "tanh":
        return (1.0 - out * out,)
    if op == "log":
        return (1.0 / inputs[0],)
    if op == "**" and node.operand is not None:
        return (node.operand * inputs[0] ** (node.operand - 1),)
    raise ValueError(f"cannot replay a {op or 'leaf'} node")


def _output(node: Value, inputs: tuple[float, ...]) -> float:
    op = node.op
    if op == "+":
        return inputs[0] + inputs[1]
    if op == "*":
        return inputs[0] * inputs[1]
    if op == "relu":
        return inputs[0] if inputs[0] > 0 else 0.0
    if op == "sigmoid":
        return 1.0 / (1.0 + math.exp(-inputs[0]))
    if op == "max":
        return max(inputs)
    if op == "neg":
        return -inputs[0]
    if op == "exp":
        return math.exp(inputs[0])
    if op == "tanh":
        return math.tanh(inputs[0])
    if op == "log":
        return math.log(inputs[0])
    if op == "**" and node.operand is not None:
        return float(inputs[0] ** node.operand)
    raise ValueError(f"cannot replay a {op or 'leaf'} node")


def replay(
    order: list[Value], forced: dict[int, float] | None = None, decimals: int | None = None
) -> None:
    """Recompute every node's value and local gradients, in topological ``order``.

    ``forced`` fixes some nodes' values (by ``id``) and lets everything downstream follow
    from them: the graph a learner computed when their forward pass had those values.
    With ``decimals``, every value and local gradient is rounded as it is computed, as a
    learner working by hand rounds intermediate values.
    """
    forced = forced or {}
    for node in order:
        if not node.inputs:
            data = forced.get(id(node), node.data)
            node.data = data if decimals is None else round(data, decimals)
            continue
        inputs = tuple(child.data for child in node.inputs)
        out = forced.get(id(node))
        if out is None:
            out = _output(node, inputs)
        local = _local_grads(node, inputs, out)
        if decimals is not None:
            out = round(out, decimals)
            local = tuple(round(g, decimals) for g in local)
        node.data, node.local_grads = out, local
