"""s = W2·max(0, W1·x + b1) + b2 — a two-layer net: 2 inputs, 2 hidden ReLU units, 1 score.

At level 1 both hidden units are active on most draws, one is inactive on a quarter.
From level 2 exactly one is inactive, so the ReLU's gating decides the answer: the
gradients through the inactive unit are 0, and a learner who lets gradient through it
(the 'dead-relu' mistake) gets ∂s/∂x wrong.  From level 2 the problem also asks
∂s/∂W2[j], which is h_j: the multiply gate's other input.  The circuit uses the
``relu`` gate so the grader can replay that.  No pre-activation is ever exactly 0,
where the ReLU's gradient is a convention.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from quizzes.autograd import Value
from quizzes.hypotheses import first_distinguishable
from quizzes.problems.base import (
    Circuit,
    Matrix,
    Misconception,
    Problem,
    Quantity,
    clamp_level,
    fmt,
    fmt_factor,
    pick_nonzero,
)

FAMILY = "two-layer-net"
VERSION = 3  # 2: draws that cannot tell their mistakes apart are redrawn; 3: ∂s/∂W2[j]
# from level 2, and an inactive unit on some level-1 draws
TITLE = "Two-layer net: s = W2·max(0, W1·x + b1) + b2"
FORMULA = "z = W1·x + b1,  h = max(0, z),  s = W2·h + b2"
VALUE_BOUND = 1000.0


@dataclass(frozen=True)
class Network:
    x: tuple[float, float]
    w1: tuple[tuple[float, float], tuple[float, float]]
    b1: tuple[float, float]
    w2: tuple[float, float]
    b2: float

    def preactivations(self) -> tuple[float, float]:
        return (
            self.w1[0][0] * self.x[0] + self.w1[0][1] * self.x[1] + self.b1[0],
            self.w1[1][0] * self.x[0] + self.w1[1][1] * self.x[1] + self.b1[1],
        )


@dataclass(frozen=True)
class Asked:
    """Which gradients the problem asks: ∂s/∂W1[row][col], ∂s/∂b1[bias_unit] and, when
    ``w2_unit`` is not None, ∂s/∂W2[w2_unit]."""

    row: int
    col: int
    bias_unit: int
    w2_unit: int | None = None


def _w1_name(i: int, j: int) -> str:
    return f"W1[{i}][{j}]"


def _circuit(net: Network) -> Circuit:
    def build() -> tuple[Value, dict[str, Value]]:
        named: dict[str, Value] = {}

        def leaf(name: str, data: float) -> Value:
            named[name] = Value(data, label=name)
            return named[name]

        x = [leaf(f"x{k}", net.x[k]) for k in range(2)]
        hidden = []
        for i in range(2):
            products = leaf(_w1_name(i, 0), net.w1[i][0]) * x[0]
            products = products + leaf(_w1_name(i, 1), net.w1[i][1]) * x[1]
            z = products + leaf(f"b1[{i}]", net.b1[i])
            h = z.relu()
            z.label, h.label = f"z{i}", f"h{i}"
            named[z.label], named[h.label] = z, h
            hidden.append(h)
        weighted = leaf("W2[0]", net.w2[0]) * hidden[0] + leaf("W2[1]", net.w2[1]) * hidden[1]
        score = weighted + leaf("b2", net.b2)
        score.label = "s"
        named["s"] = score
        return score, named

    return Circuit(build)


def _draw_network(rng: random.Random, level: int) -> Network:
    def draw() -> float:
        return pick_nonzero(rng, level, -3, 3)

    return Network(
        x=(draw(), draw()),
        w1=((draw(), draw()), (draw(), draw())),
        b1=(draw(), draw()),
        w2=(draw(), draw()),
        b2=draw(),
    )


LEVEL_1_INACTIVE = 0.25  # the share of level-1 draws with an inactive unit


def _acceptable(net: Network, asked: Asked, inactive_units: int) -> bool:
    z = net.preactivations()
    if any(abs(zi) < 1e-9 for zi in z):  # a zero pre-activation makes the gating a convention
        return False
    if sum(zi < 0 for zi in z) != inactive_units:
        return False
    upstream = [net.w2[i] if z[i] > 0 else 0.0 for i in range(2)]
    dx = [sum(upstream[i] * net.w1[i][k] for i in range(2)) for k in range(2)]
    if any(abs(d) < 1e-9 for d in dx):  # both units cancelling would make 0 a right answer
        return False
    score = sum(net.w2[i] * max(0.0, z[i]) for i in range(2)) + net.b2
    return max(abs(score), *(abs(zi) for zi in z)) <= VALUE_BOUND


def _draws(seed: int, level: int) -> Iterator[tuple[Network, Asked]]:
    rng = random.Random(seed)
    inactive = 1 if level >= 2 or rng.random() < LEVEL_1_INACTIVE else 0  # decided per seed
    while True:
        net = _draw_network(rng, level)
        row, col = rng.randrange(2), rng.randrange(2)
        w2_unit = rng.randrange(2) if level >= 2 else None
        asked = Asked(row=row, col=col, bias_unit=1 - row, w2_unit=w2_unit)
        if _acceptable(net, asked, inactive):
            yield net, asked


def _transposed(net: Network) -> Network:
    (a, b), (c, d) = net.w1
    return Network(x=net.x, w1=((a, c), (b, d)), b1=net.b1, w2=net.w2, b2=net.b2)


def _misconceptions(net: Network) -> tuple[Misconception, ...]:
    """W1·x with W1 transposed: column i of W1 taken as unit i's weights."""
    values, _ = _circuit(_transposed(net)).run()
    predicted = {name: values[name] for name in ("h0", "h1", "s")}
    return (Misconception("transpose-forward", "z = W1·x + b1", predicted),)


def _quantities(
    asked: Asked, values: dict[str, float], grads: dict[str, float]
) -> tuple[tuple[Quantity, ...], tuple[Quantity, ...]]:
    i, j, k = asked.row, asked.col, asked.bias_unit
    forward = (
        Quantity("h0", "h0 = max(0, z0)", values["h0"], "value", "h0"),
        Quantity("h1", "h1 = max(0, z1)", values["h1"], "value", "h1"),
        Quantity("s", "s", values["s"], "value", "s"),
    )
    w1 = _w1_name(i, j)
    backward: tuple[Quantity, ...] = (
        Quantity(f"dW1_{i}{j}", f"∂s/∂{w1}", grads[w1], "gradient", w1),
        Quantity(f"db1_{k}", f"∂s/∂b1[{k}]", grads[f"b1[{k}]"], "gradient", f"b1[{k}]"),
        Quantity("dx0", "∂s/∂x0", grads["x0"], "gradient", "x0"),
        Quantity("dx1", "∂s/∂x1", grads["x1"], "gradient", "x1"),
    )
    if asked.w2_unit is not None:
        u = asked.w2_unit
        w2 = Quantity(f"dW2_{u}", f"∂s/∂W2[{u}]", grads[f"W2[{u}]"], "gradient", f"W2[{u}]")
        backward = (w2, *backward)
    return forward, backward


def _forward_lines(net: Network, values: dict[str, float]) -> list[str]:
    lines = []
    for i in range(2):
        z, h = values[f"z{i}"], values[f"h{i}"]
        lines.append(
            f"z{i} = {fmt_factor(net.w1[i][0])}·{fmt_factor(net.x[0])} + "
            f"{fmt_factor(net.w1[i][1])}·{fmt_factor(net.x[1])} + {fmt_factor(net.b1[i])}"
            f" = {fmt(z)},  h{i} = max(0, {fmt(z)}) = {fmt(h)}" + ("" if z > 0 else "  (inactive)")
        )
    lines.append(
        f"s = {fmt_factor(net.w2[0])}·{fmt_factor(values['h0'])} + "
        f"{fmt_factor(net.w2[1])}·{fmt_factor(values['h1'])} + {fmt_factor(net.b2)}"
        f" = {fmt(values['s'])}"
    )
    return lines


def _solution(net: Network, asked: Asked, values: dict[str, float], grads: dict[str, float]) -> str:
    dz = [grads[f"z{i}"] for i in range(2)]
    lines = ["Forward:", *_forward_lines(net, values), "Backward: ∂s/∂s = 1."]
    for i in range(2):
        gate = "passes it (active)" if values[f"z{i}"] > 0 else "blocks it (inactive)"
        lines.append(
            f"∂s/∂h{i} = W2[{i}] = {fmt(net.w2[i])}; the ReLU {gate}: ∂s/∂z{i} = {fmt(dz[i])}."
        )
    i, j, k = asked.row, asked.col, asked.bias_unit
    if asked.w2_unit is not None:
        u = asked.w2_unit
        lines.append(f"Mul gate swaps: ∂s/∂W2[{u}] = h{u}·(∂s/∂s = 1) = {fmt(grads[f'W2[{u}]'])}.")
    lines.append(
        f"Mul gate swaps: ∂s/∂{_w1_name(i, j)} = ∂s/∂z{i}·x{j} = {fmt_factor(dz[i])}·"
        f"{fmt_factor(net.x[j])} = {fmt(grads[_w1_name(i, j)])}."
    )
    lines.append(f"Add gate passes through: ∂s/∂b1[{k}] = ∂s/∂z{k} = {fmt(dz[k])}.")
    for n in range(2):
        lines.append(
            f"x{n} feeds both units, so the gradients add: ∂s/∂x{n} = ∂s/∂z0·W1[0][{n}] + "
            f"∂s/∂z1·W1[1][{n}] = {fmt_factor(dz[0])}·{fmt_factor(net.w1[0][n])} + "
            f"{fmt_factor(dz[1])}·{fmt_factor(net.w1[1][n])} = {fmt(grads[f'x{n}'])}."
        )
    return "\n".join(lines)


def _givens(net: Network) -> tuple[tuple[str, float | Matrix], ...]:
    return (
        ("x", ((net.x[0],), (net.x[1],))),
        ("W1", net.w1),
        ("b1", ((net.b1[0],), (net.b1[1],))),
        ("W2", (net.w2,)),
        ("b2", net.b2),
    )


def _prompt(net: Network, asked: Asked) -> str:
    def vector(v: tuple[float, ...]) -> str:
        return "[" + ", ".join(fmt(a) for a in v) + "]"

    i, j, k = asked.row, asked.col, asked.bias_unit
    w2 = "" if asked.w2_unit is None else f"∂s/∂W2[{asked.w2_unit}], "
    return (
        f"With x = {vector(net.x)}, W1 = [{vector(net.w1[0])}, {vector(net.w1[1])}], "
        f"b1 = {vector(net.b1)}, W2 = {vector(net.w2)}, b2 = {fmt(net.b2)} "
        "(indices start at 0; W1[i] is hidden unit i's row): compute h0, h1 and s, then "
        f"{w2}∂s/∂{_w1_name(i, j)}, ∂s/∂b1[{k}], ∂s/∂x0 and ∂s/∂x1."
    )


def build(seed: int, level: int) -> Problem:
    """The first draw whose mistakes can be told apart (|W1[i][j]| = |x_j| would hide a
    swapped multiply gate behind a right answer or a sign slip, for one)."""
    level = clamp_level(level)
    draws = _draws(seed, level)
    return first_distinguishable(_problem(seed, level, net, asked) for net, asked in draws)


def _problem(seed: int, level: int, net: Network, asked: Asked) -> Problem:
    circuit = _circuit(net)
    values, grads = circuit.run()
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA,
        prompt=_prompt(net, asked),
        givens=_givens(net),
        pages=_quantities(asked, values, grads),
        solution=_solution(net, asked, values, grads),
        gates=tuple(circuit.table()),
        misconceptions=_misconceptions(net),
        circuit=circuit,
    )
