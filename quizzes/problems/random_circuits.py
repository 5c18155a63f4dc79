"""A random circuit: 4–7 gates (add, multiply, max, ReLU, a constant scale) over x, y, z (and w
from level 3), with at least one input feeding two gates (issue 12 §1.3).

The interleaved practice of the circuit families: every draw is a new shape, so a learner
cannot answer from the memory of a fixed one (CS231n optimization-2: the gate patterns, and
gradients adding where a value feeds several gates).  Only inputs fork: the layout
(:mod:`quizzes.diagram_layout`) gives every use of an input its own lane, so forked inputs
draw cleanly, while a forked intermediate would cross wires.  Inputs are small integers, so
every number can be worked by hand; no max gate sees a tie and no ReLU an input of 0, where
the routing is a convention.

A draw is served only when its picture is readable (no two texts overlapping, no text on a
gate, no crossing wires, measured with the fonts it is drawn in) and every modelled mistake
gives an attempt apart from the key and from every other mistake
(:func:`quizzes.hypotheses.distinguishable`); otherwise the seed's own generator draws again,
so a seed always rebuilds the same problem.  Keys come from the engine.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from quizzes.autograd import Value
from quizzes.hypotheses import distinguishable
from quizzes.problems.base import (
    Circuit,
    Problem,
    Quantity,
    clamp_level,
    fmt,
    fmt_factor,
    gradient_quantities,
)

FAMILY = "random-circuit"
VERSION = 1
TITLE = "A random circuit"
GATE_COUNTS = {1: (4, 4), 2: (5, 6), 3: (6, 7)}  # (fewest, most) gates; 3 for every level above
INPUT_LIMITS = {1: 4, 2: 5, 3: 6}  # inputs are nonzero integers in [-limit, limit]
VALUE_BOUND = {1: 40.0, 2: 60.0, 3: 80.0}  # every value and gradient on the wires, by hand
GATE_NAMES = ("p", "q", "r", "s", "t", "u")  # intermediate nodes in the engine's order
CONSTANTS = (-3.0, -2.0, 2.0, 3.0)  # never 0 or ±1: the ×c gate must matter
BINARY = ("+", "*", "max")
UNARY = ("relu", "scale")
MAX_EXTRA_USES = 2  # inputs used beyond once each: one or two forks keep the picture calm
MIN_KINDS = {1: 3, 2: 4, 3: 4}  # gate kinds in one circuit, by level
MAX_SAME = 2  # gates of one kind: the point is the mix
MAX_DRAWS = 20_000
COUNTS = {2: "two", 3: "three"}
# of the draws with a ReLU, those with one inactive (left to chance, 1 in 20): the dead ReLU
# and the ReLU left out of the forward pass must be met often enough to be practised
INACTIVE_SHARE = 0.3
MAX_WIDTH = 640  # pixels: a phone shows a Discord image ~400 px wide, so text stays ≥ 7 px
VALUE_DRAWS = 8  # inputs tried on one shape before another shape is drawn


@dataclass(frozen=True)
class Node:
    """One node of the expression tree: an input (op ""), or a gate over ``children``."""

    op: str  # "", "+", "*", "max", "relu" or "scale"
    children: tuple[Node, ...] = ()
    name: str = ""  # the input's name, or the gate's ("f" for the output)
    constant: float = 0.0  # a scale gate's factor

    def gates(self) -> list[Node]:
        """The gates below and including this node, children first (the engine's order)."""
        if not self.op:
            return []
        return [g for child in self.children for g in child.gates()] + [self]

    def leaves(self) -> list[Node]:
        if not self.op:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


# ---- drawing a shape -----------------------------------------------------------
def _kinds(rng: random.Random, level: int, inputs: int, relu: bool) -> list[str] | None:
    """The gates' kinds: as many binary gates as every input used once and one to three
    forks need, a mix of kinds (at least MIN_KINDS, at most MAX_SAME of one), a ReLU if
    ``relu``."""
    fewest, most = GATE_COUNTS[min(level, 3)]
    gates = rng.randint(fewest, most)
    binary = rng.randint(inputs, inputs + MAX_EXTRA_USES - 1)
    if binary > gates:
        return None
    kinds = [rng.choice(BINARY) for _ in range(binary)]
    kinds += [rng.choice(UNARY) for _ in range(gates - binary)]
    if relu and "relu" not in kinds:
        return None
    if len(set(kinds)) < MIN_KINDS[min(level, 3)] or max(map(kinds.count, kinds)) > MAX_SAME:
        return None
    return kinds


def _grow(rng: random.Random, kinds: list[str]) -> Node | None:
    """A random tree of gates of these ``kinds`` whose leaves are still unnamed: each gate,
    in a random order, takes random subtrees of those made so far (leaves at first)."""
    order = rng.sample(kinds, len(kinds))
    pool = [Node("") for _ in range(1 + sum(op in BINARY for op in order))]
    for op in order:
        children = tuple(
            pool.pop(rng.randrange(len(pool))) for _ in range(2 if op in BINARY else 1)
        )
        if op in UNARY and children[0].op == op:
            return None  # no relu(relu(.)), no c·(c'·.)
        pool.append(Node(op, children, constant=rng.choice(CONSTANTS) if op == "scale" else 0.0))
    return pool[0]


def _named(tree: Node, inputs: Sequence[str]) -> Node:
    """The tree with its leaves given input names and its gates given node names."""
    names = iter([*GATE_NAMES[: len(tree.gates()) - 1], "f"])
    leaves = iter(inputs)

    def name(node: Node) -> Node:
        if not node.op:
            return Node("", name=next(leaves))
        children = tuple(name(child) for child in node.children)
        constant = node.constant if node.op == "scale" else 0.0
        return Node(node.op, children, next(names), constant)

    return name(tree)


def _shape(rng: random.Random, level: int, inputs: Sequence[str], relu: bool) -> Node | None:
    kinds = _kinds(rng, level, len(inputs), relu)
    tree = _grow(rng, kinds) if kinds else None
    if tree is None:
        return None
    extra = len(tree.leaves()) - len(inputs)  # every input used, at least one twice (a fork)
    uses = [*inputs, *(rng.choice(inputs) for _ in range(extra))]
    rng.shuffle(uses)
    named = _named(tree, uses)
    for gate in named.gates():  # x + x is not a fork worth drawing: two different gates
        if len(gate.children) == 2 and all(not c.op for c in gate.children):
            if gate.children[0].name == gate.children[1].name:
                return None
    return named


# ---- the circuit ---------------------------------------------------------------
def _circuit(tree: Node, values: dict[str, float]) -> Circuit:
    def build() -> tuple[Value, dict[str, Value]]:
        named = {name: Value(v, label=name) for name, v in values.items()}

        def make(node: Node) -> Value:
            if not node.op:
                return named[node.name]
            kids = [make(child) for child in node.children]
            if node.op == "+":
                out = kids[0] + kids[1]
            elif node.op == "*":
                out = kids[0] * kids[1]
            elif node.op == "max":
                out = kids[0].max(kids[1])
            elif node.op == "relu":
                out = kids[0].relu()
            else:  # a leaf named by its number: the diagram's "×c" gate
                out = Value(node.constant, label=fmt(node.constant)) * kids[0]
            out.label = node.name
            named[node.name] = out
            return out

        return make(tree), named

    return Circuit(build)


def _fair_forward(tree: Node, givens: dict[str, float], level: int, inactive: bool) -> bool:
    """No tie at a max gate, no ReLU input of 0, no other gate value 0, every value small,
    and a ReLU inactive if ``inactive`` (else none): worked out before any graph is built,
    since most draws fail here."""
    bound = VALUE_BOUND[min(level, 3)]
    values = dict(givens)
    relus = []
    for gate in tree.gates():
        a = values[gate.children[0].name]
        b = values[gate.children[1].name] if len(gate.children) == 2 else 0.0
        if gate.op == "max" and a == b:
            return False
        if gate.op == "relu":
            relus.append(a > 0)
        out = FORWARD[gate.op](a, b, gate.constant)
        if (a if gate.op == "relu" else out) == 0 or abs(out) > bound:
            return False
        values[gate.name] = out
    return inactive != all(relus)  # all([]): a draw without a ReLU has none inactive


FORWARD = {
    "+": lambda a, b, c: a + b,
    "*": lambda a, b, c: a * b,
    "max": lambda a, b, c: max(a, b),
    "relu": lambda a, b, c: max(a, 0.0),
    "scale": lambda a, b, c: c * a,
}


def _fair(tree: Node, values: dict[str, float], grads: dict[str, float], level: int) -> bool:
    """Every gradient small, at least two inputs' gradients not 0, and a fork where every
    path carries gradient."""
    if any(abs(g) > VALUE_BOUND[min(level, 3)] for g in grads.values()):
        return False
    inputs = {leaf.name for leaf in tree.leaves()}
    if sum(grads[name] != 0 for name in inputs) < 2:
        return False
    # a fork whose every path carries gradient: there, counting one path only shows
    return any(
        all(sent != 0 for sent in _paths(tree, fork, values, grads)) for fork in _forks(tree)
    )


def _paths(tree: Node, leaf: str, values: dict[str, float], grads: dict[str, float]) -> list[float]:
    """What each gate that ``leaf`` feeds sends back to it: local gradient × upstream."""
    return [
        _local(gate, k, values) * grads[gate.name]
        for gate in tree.gates()
        for k, child in enumerate(gate.children)
        if child.name == leaf
    ]


def _local(gate: Node, position: int, values: dict[str, float]) -> float:
    inputs = [values[child.name] for child in gate.children]
    if gate.op == "+":
        return 1.0
    if gate.op == "*":
        return inputs[1 - position]
    if gate.op == "max":
        return 1.0 if inputs[position] > inputs[1 - position] else 0.0
    if gate.op == "relu":
        return 1.0 if inputs[0] > 0 else 0.0
    return gate.constant


# ---- the problem ---------------------------------------------------------------
def build(seed: int, level: int) -> Problem:
    level = clamp_level(level)
    for problem in _candidates(seed, level):
        if readable(problem) and distinguishable(problem):
            return problem
    raise ValueError(f"{FAMILY}: no readable, distinguishable draw for seed {seed}")


def _candidates(seed: int, level: int) -> Iterator[Problem]:
    rng = random.Random(seed)
    inputs = ("x", "y", "z", "w") if level >= 3 else ("x", "y", "z")
    limit = INPUT_LIMITS[min(level, 3)]
    wants_inactive = rng.random() < INACTIVE_SHARE  # once: redraws must not dilute it
    numbers = [float(v) for v in range(-limit, limit + 1) if v]
    for _ in range(MAX_DRAWS):
        tree = _shape(rng, level, inputs, relu=wants_inactive)
        for _ in range(VALUE_DRAWS if tree is not None else 0):
            givens = {name: rng.choice(numbers) for name in inputs}
            if tree is None or not _fair_forward(tree, givens, level, wants_inactive):
                continue
            circuit = _circuit(tree, givens)
            values, grads = circuit.run()
            if not _fair(tree, values, grads, level):
                continue
            asked = _intermediate(rng, tree, grads) if level >= 2 else None
            if level < 2 or asked is not None:
                yield _problem(seed, level, tree, givens, circuit, asked)


def _intermediate(rng: random.Random, tree: Node, grads: dict[str, float]) -> str | None:
    """An intermediate node whose gradient to ask: not 0, and (where the circuit has one)
    not an input of the output gate, whose gradient is read off the output gate alone."""
    inner = [g for g in tree.gates()[:-1] if grads[g.name] != 0]
    deeper = [g for g in inner if g not in tree.children]
    choices = deeper or inner
    return rng.choice(choices).name if choices else None


def _problem(
    seed: int,
    level: int,
    tree: Node,
    givens: dict[str, float],
    circuit: Circuit,
    asked: str | None,
) -> Problem:
    values, grads = circuit.run()
    inputs = tuple(givens)
    first = (Quantity("f", "f", values["f"], "value", "f"), *gradient_quantities(grads, *inputs))
    extra = gradient_quantities(grads, asked) if asked else ()
    pages = (first + extra,) if len(first) + len(extra) <= 5 else (first, extra)
    forks = _forks(tree)
    ask = ", ".join(f"∂f/∂{name}" for name in (*inputs, *([asked] if asked else [])))
    names = [leaf.name for leaf in tree.leaves()]
    feeds = " and ".join(f"{n} feeds {COUNTS[names.count(n)]} gates" for n in forks)
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=formula(tree),
        prompt=(
            f"With {', '.join(f'{n} = {fmt(v)}' for n, v in givens.items())}: run the circuit "
            f"forward to f, then backpropagate to {ask} ({feeds}: its gradients add)."
        ),
        givens=tuple(givens.items()),
        pages=pages,
        solution=_solution(tree, circuit),
        gates=tuple(circuit.table()),
        circuit=circuit,
    )


def _forks(tree: Node) -> list[str]:
    names = [leaf.name for leaf in tree.leaves()]
    return sorted({n for n in names if names.count(n) > 1}, key=names.index)


def _written(gate: Node) -> str:
    parts = [child.name for child in gate.children]
    if gate.op == "+":
        return f"{parts[0]} + {parts[1]}"
    if gate.op == "*":
        return f"{parts[0]}·{parts[1]}"
    if gate.op == "max":
        return f"max({parts[0]}, {parts[1]})"
    if gate.op == "relu":
        return f"max(0, {parts[0]})"
    return f"{fmt_factor(gate.constant)}·{parts[0]}"


def formula(tree: Node) -> str:
    """The circuit gate by gate, in the engine's order: "p = x·y,  q = max(p, z),  f = 2·q"."""
    return ",  ".join(f"{gate.name} = {_written(gate)}" for gate in tree.gates())


def readable(problem: Problem) -> bool:
    """Whether the problem's diagram, as the front ends draw it (its formula as the title),
    is at most MAX_WIDTH wide and has no overlapping texts, no text on a gate and no
    crossing wires."""
    # Pillow (the fonts that measure the texts) only when a random circuit is drawn: the
    # other families, and the command line's start, do without it
    from quizzes.diagram import layout_of
    from quizzes.diagram_checks import crossing_wires, overlapping_texts

    layout = layout_of(problem.gates, problem.formula)
    if layout.size[0] > MAX_WIDTH:
        return False
    return not overlapping_texts(layout) and not crossing_wires(layout)


# ---- the worked solution -------------------------------------------------------
def _solution(tree: Node, circuit: Circuit) -> str:
    out, named = circuit.build()
    out.backward()
    values = {name: node.data for name, node in named.items()}
    grads = {name: node.grad for name, node in named.items()}
    lines = ["Forward, gate by gate:"]
    for gate in tree.gates():
        numbers = _written_with(gate, named)
        lines.append(f"  {gate.name} = {_written(gate)} = {numbers} = {fmt(named[gate.name].data)}")
    lines.append("Backward, from the output: ∂f/∂f = 1.")
    for gate in reversed(tree.gates()):
        lines.append("  " + _backward_line(gate, named))
    names = [leaf.name for leaf in tree.leaves()]
    for fork in _forks(tree):
        sent = _paths(tree, fork, values, grads)
        terms = " + ".join(fmt_factor(s) if n else fmt(s) for n, s in enumerate(sent))
        lines.append(
            f"{fork} feeds {COUNTS[names.count(fork)]} gates, so its gradients add: "
            f"∂f/∂{fork} = {terms} = {fmt(named[fork].grad)}."
        )
    inputs = [n for n in ("x", "y", "z", "w") if n in names]
    lines.append("So " + ",  ".join(f"∂f/∂{n} = {fmt(named[n].grad)}" for n in inputs) + ".")
    return "\n".join(lines)


def _written_with(gate: Node, named: Mapping[str, Value]) -> str:
    parts = [fmt(named[child.name].data) for child in gate.children]
    if gate.op == "+":
        return f"{parts[0]} + {fmt_factor(named[gate.children[1].name].data)}"
    if gate.op == "*":
        return "·".join(fmt_factor(named[c.name].data) for c in gate.children)
    if gate.op == "max":
        return f"max({parts[0]}, {parts[1]})"
    if gate.op == "relu":
        return f"max(0, {parts[0]})"
    return f"{fmt_factor(gate.constant)}·{fmt_factor(named[gate.children[0].name].data)}"


def _sent(gate: Node, position: int, named: Mapping[str, Value]) -> float:
    """What ``gate`` sends back to its input at ``position``: local × upstream."""
    node = named[gate.name]
    k = position + (1 if gate.op == "scale" else 0)  # a scale gate's first input is c
    return node.local_grads[k] * node.grad


def _backward_line(gate: Node, named: Mapping[str, Value]) -> str:
    up = named[gate.name].grad
    kids = [child.name for child in gate.children]
    sent = [fmt(_sent(gate, k, named)) for k in range(len(kids))]
    here = f"∂f/∂{gate.name} = {fmt(up)}"
    if gate.op == "+":
        return f"add gate {gate.name}: {here} passes through unchanged to {kids[0]} and {kids[1]}."
    if gate.op == "*":
        a, b = (fmt_factor(named[k].data) for k in kids)
        return (
            f"mul gate {gate.name} swaps its inputs: {kids[0]} gets {b}·{fmt_factor(up)} = "
            f"{sent[0]},  {kids[1]} gets {a}·{fmt_factor(up)} = {sent[1]}."
        )
    if gate.op == "max":
        first = named[kids[0]].data > named[kids[1]].data
        win, lose = (kids[0], kids[1]) if first else (kids[1], kids[0])
        return f"max gate {gate.name}: {win} was larger, so it gets all {fmt(up)} and {lose} 0."
    if gate.op == "relu":
        if named[kids[0]].data > 0:
            return f"ReLU {gate.name}: {kids[0]} > 0, so it passes {fmt(up)} to {kids[0]}."
        return f"ReLU {gate.name}: {kids[0]} < 0 (inactive), so {kids[0]} gets 0."
    c = fmt_factor(gate.constant)
    return (
        f"scale gate {gate.name} = {c}·{kids[0]}: {kids[0]} gets {c}·{fmt_factor(up)} = {sent[0]}."
    )
