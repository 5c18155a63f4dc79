"""Why a linear classifier cannot: the four XOR points, and the ReLU net that can.

The lesson's headline — a net with one hidden layer can do what a linear classifier
cannot — on the smallest example there is.  The learner first evaluates a given linear
score s = v·x + d on the four points P1..P4 and adds the scores in pairs: for every
linear s, s(P1) + s(P4) = s(P2) + s(P3) (plain arithmetic: both are v1·(a + 1) +
v2·(a + 1) + 2d for the points (a, a), (a, 1), (1, a), (1, 1)).  XOR wants P2 and P3
above 0 and P1 and P4 at or below it, so the pair P2, P3 would add up to more than the
pair P1, P4: a contradiction, so every linear s misclassifies at least one point, and the
learner counts how many this s misclassifies.  Then the learner runs the two-unit ReLU
net forward and sees it separate the points.

The net is the construction of Goodfellow, Bengio & Courville, *Deep Learning*, MIT Press
2016, §6.1 "Example: Learning XOR": h = max{0, Wᵀx + c}, f = wᵀh + b with
W = [[1, 1], [1, 1]], c = [0, −1], w = [1, −2], b = 0, which on (0, 0), (0, 1), (1, 0),
(1, 1) gives h = (0, 0), (1, 0), (1, 0), (2, 1) and f = 0, 1, 1, 0.  Level 1 is exactly
that net.  The fresh variants are plain arithmetic on it:

* scaled weights (level 2 and up): W and c scaled by k > 0, w by m > 0.  The ReLU is
  positively homogeneous, max(0, k·z) = k·max(0, z), so h scales by k and f by k·m:
  the same classes.
* the XNOR labelling (level 2 and up): w negated and b = k·m (k·m·2 on ±1 inputs), so
  f becomes k·m·(1 − XOR) (times 2 on ±1 inputs).
* ±1 inputs (level 3 and up): the points (−1, −1), (−1, 1), (1, −1), (1, 1), i.e.
  x = 2x′ − 1 for the 0/1 points x′.  Substituting x′ = (x + 1)/2 into the construction
  and scaling by 2 gives W = [[1, 1], [1, 1]], c = [2, 0], f = 2·XOR.

A point is in class 1 when its score is above 0.  Keys come from the engine: every score
is a forward pass of quizzes.autograd, each point through its own circuit.  The problem's
circuit (its gate table and diagram) is the net on P4 = (1, 1), the one point where no
pre-activation is 0 (elsewhere the ReLU's gradient would be a convention) and where the
second unit's −2 cancels the first: the net's AND correction.  The family asks no
gradients.  Mistakes it names besides the engine's forward sign slips: the ReLU left out
(the net is then linear, and it fails on the point both units ignore) and a bias left out
of the linear score or of the hidden layer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from quizzes.autograd import Value
from quizzes.hypotheses import first_distinguishable
from quizzes.problems.base import (
    Circuit,
    Misconception,
    Problem,
    Quantity,
    clamp_level,
    fmt,
    fmt_factor,
    pick_nonzero,
)
from quizzes.tolerance import clean

FAMILY = "xor-net"
VERSION = 1
TITLE = "Why a linear classifier cannot: XOR"
FORMULA = "s = v·x + d;  h = max(0, Wᵀx + c),  f = wᵀh + b"
SOURCE = (
    "Goodfellow, Bengio & Courville, Deep Learning (MIT Press 2016), §6.1 Example: Learning XOR"
)
KEY_DECIMALS = 9
POINTS = ("P1", "P2", "P3", "P4")
SCALES_2 = (2.0, 3.0)
SCALES_3 = (0.5, 2.0, 3.0)
OUTPUT_SCALES_2 = (1.0, 2.0)
OUTPUT_SCALES_3 = (1.0, 2.0, 3.0)
Point = tuple[float, float]


@dataclass(frozen=True)
class Net:
    """h = max(0, Wᵀx + c), f = wᵀh + b (W symmetric, so Wᵀ = W)."""

    w_hidden: tuple[tuple[float, float], tuple[float, float]]
    c: tuple[float, float]
    w: tuple[float, float]
    b: float


@dataclass(frozen=True)
class Setup:
    low: float  # the inputs are low and 1: 0 (the book's points) or -1
    xnor: bool  # class 1 where the inputs agree, not where they differ
    k: float  # hidden-layer scale
    m: float  # output scale
    v: tuple[float, float]  # the linear score s = v·x + d
    d: float

    @property
    def points(self) -> tuple[Point, ...]:
        a = self.low
        return ((a, a), (a, 1.0), (1.0, a), (1.0, 1.0))

    @property
    def labels(self) -> tuple[int, ...]:
        xor = (0, 1, 1, 0)
        return tuple(1 - y for y in xor) if self.xnor else xor

    @property
    def net(self) -> Net:
        k, m = self.k, self.m
        c = (0.0, -1.0) if self.low == 0 else (2.0, 0.0)
        height = 1.0 if self.low == 0 else 2.0  # f on a class-1 point before scaling
        sign = -1.0 if self.xnor else 1.0
        return Net(
            w_hidden=((k, k), (k, k)),
            c=(clean(k * c[0]), clean(k * c[1])),
            w=(sign * m, -2.0 * sign * m),
            b=clean(k * m * height) if self.xnor else 0.0,
        )


def _net_circuit(net: Net, x: Point, *, relu: bool = True, with_c: bool = True) -> Circuit:
    """The net on one input x, in the engine: z_i = W[0][i]·x0 + W[1][i]·x1 + c[i]."""

    def build() -> tuple[Value, dict[str, Value]]:
        named: dict[str, Value] = {}

        def leaf(name: str, data: float) -> Value:
            named[name] = Value(data, label=name)
            return named[name]

        xs = [leaf(f"x{j}", x[j]) for j in range(2)]
        hidden = []
        for i in range(2):
            z = leaf(f"W[0][{i}]", net.w_hidden[0][i]) * xs[0]
            z = z + leaf(f"W[1][{i}]", net.w_hidden[1][i]) * xs[1]
            z = z + leaf(f"c{i}", net.c[i] if with_c else 0.0)
            h = z.relu() if relu else z
            z.label = f"z{i}"
            named[z.label] = z
            if relu:
                h.label = f"h{i}"
            named[f"h{i}"] = h
            hidden.append(h)
        f = leaf("w0", net.w[0]) * hidden[0] + leaf("w1", net.w[1]) * hidden[1]
        f = f + leaf("b", net.b)
        f.label = "f"
        named["f"] = f
        return f, named

    return Circuit(build)


def _scores(setup: Setup, *, with_d: bool = True) -> tuple[float, ...]:
    """s = v·x + d on the four points, each a forward pass of the engine."""
    out = []
    for x in setup.points:
        s = Value(setup.v[0]) * Value(x[0]) + Value(setup.v[1]) * Value(x[1])
        if with_d:
            s = s + Value(setup.d)
        out.append(clean(round(s.data, KEY_DECIMALS)))
    return tuple(out)


def _net_values(setup: Setup, **mistake: bool) -> list[dict[str, float]]:
    return [_net_circuit(setup.net, x, **mistake).run()[0] for x in setup.points]


def _misclassified(setup: Setup, scores: Sequence[float]) -> int:
    return sum(int(s > 0) != y for s, y in zip(scores, setup.labels, strict=True))


def _linear_answers(setup: Setup, scores: Sequence[float]) -> dict[str, float]:
    out: dict[str, float] = {f"s{n + 1}": scores[n] for n in range(4)}
    out["s14"] = clean(round(scores[0] + scores[3], KEY_DECIMALS))
    out["s23"] = clean(round(scores[1] + scores[2], KEY_DECIMALS))
    out["errors"] = _misclassified(setup, scores)
    return out


def _net_answers(values: Sequence[dict[str, float]]) -> dict[str, float]:
    last = values[3]
    out = {"h0": last["h0"], "h1": last["h1"], "f": last["f"]}
    out |= {f"f{n + 1}": values[n]["f"] for n in range(3)}
    return out


def _draws(seed: int, level: int) -> Iterator[Setup]:
    rng = random.Random(seed)
    while True:
        if level <= 1:
            k, m, xnor, low = 1.0, 1.0, False, 0.0
        elif level == 2:
            k, m = rng.choice(SCALES_2), rng.choice(OUTPUT_SCALES_2)
            xnor, low = rng.random() < 0.5, 0.0
        else:
            k, m = rng.choice(SCALES_3), rng.choice(OUTPUT_SCALES_3)
            xnor, low = rng.random() < 0.5, rng.choice((0.0, -1.0))
        v = (pick_nonzero(rng, level, -3, 3), pick_nonzero(rng, level, -3, 3))
        setup = Setup(low, xnor, k, m, v, pick_nonzero(rng, level, -3, 3))
        if any(abs(s) < 1e-9 for s in _scores(setup)):  # a score of 0 sits on the boundary
            continue
        yield setup


def _misconceptions(setup: Setup) -> tuple[Misconception, ...]:
    """The ReLU left out (the net is then linear), and a bias left out: d of the linear
    score, or c of the hidden layer.  Every prediction is the engine's forward pass."""
    no_d = _linear_answers(setup, _scores(setup, with_d=False))
    return (
        Misconception("bias-forward", "the linear score s = v·x + d", no_d),
        Misconception(
            "relu-forward", "h = max(0, Wᵀx + c)", _net_answers(_net_values(setup, relu=False))
        ),
        Misconception(
            "bias-forward",
            "the hidden layer Wᵀx + c",
            _net_answers(_net_values(setup, with_c=False)),
        ),
    )


def build(seed: int, level: int) -> Problem:
    """The first draw on which every mistake shows (d = 0 would hide a left-out bias)."""
    level = clamp_level(level)
    return first_distinguishable(_problem(seed, level, s) for s in _draws(seed, level))


def _point(x: Point) -> str:
    return f"({fmt(x[0])}, {fmt(x[1])})"


def _problem(seed: int, level: int, setup: Setup) -> Problem:
    scores = _scores(setup)
    linear = _linear_answers(setup, scores)
    values = _net_values(setup)
    net = _net_answers(values)
    p = setup.points
    pages = (
        tuple(
            Quantity(f"s{n + 1}", f"s at P{n + 1} = {_point(p[n])}", linear[f"s{n + 1}"], "value")
            for n in range(4)
        ),
        (
            Quantity("s14", "s(P1) + s(P4)", linear["s14"], "value"),
            Quantity("s23", "s(P2) + s(P3)", linear["s23"], "value"),
            Quantity(
                "errors", "points this s misclassifies", linear["errors"], "value", example="2"
            ),
        ),
        (
            Quantity("h0", "h0 at P4 = (1, 1)", net["h0"], "value", "h0"),
            Quantity("h1", "h1 at P4 = (1, 1)", net["h1"], "value", "h1"),
            Quantity("f", "f at P4 = (1, 1)", net["f"], "value", "f"),
        ),
        tuple(
            Quantity(f"f{n + 1}", f"f at P{n + 1} = {_point(p[n])}", net[f"f{n + 1}"], "value")
            for n in range(3)
        ),
    )
    circuit = _net_circuit(setup.net, p[3])
    n = setup.net
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA,
        prompt=_prompt(setup),
        givens=(
            ("X", tuple(p)),
            ("y", tuple((float(y),) for y in setup.labels)),
            ("v", ((setup.v[0],), (setup.v[1],))),
            ("d", setup.d),
            ("W", n.w_hidden),
            ("c", ((n.c[0],), (n.c[1],))),
            ("w", ((n.w[0],), (n.w[1],))),
            ("b", n.b),
        ),
        pages=pages,
        solution=_solution(setup, scores, linear, values),
        gates=tuple(circuit.table()),
        misconceptions=_misconceptions(setup),
        circuit=circuit,
    )


def _vector(v: Sequence[float]) -> str:
    return "[" + ", ".join(fmt(a) for a in v) + "]"


def _labelling(setup: Setup) -> str:
    ones = [name for name, y in zip(POINTS, setup.labels, strict=True) if y]
    zeros = [name for name, y in zip(POINTS, setup.labels, strict=True) if not y]
    rule = "the inputs agree (XNOR)" if setup.xnor else "the inputs differ (XOR)"
    return (
        f"class 1 where {rule}: {' and '.join(ones)} in class 1, {' and '.join(zeros)} in class 0"
    )


def _prompt(setup: Setup) -> str:
    p, n = setup.points, setup.net
    where = ", ".join(f"{name} = {_point(x)}" for name, x in zip(POINTS, p, strict=True))
    return (
        f"The four points {where}, {_labelling(setup)}; a score above 0 means class 1. "
        f"(1) The linear score s = v·x + d with v = {_vector(setup.v)}, d = {fmt(setup.d)}: "
        "give s at each point, the sums s(P1) + s(P4) and s(P2) + s(P3), and how many of the "
        "four points this s puts in the wrong class. "
        f"(2) The ReLU net h = max(0, Wᵀx + c), f = wᵀh + b with W = "
        f"[{_vector(n.w_hidden[0])}, {_vector(n.w_hidden[1])}], c = {_vector(n.c)}, "
        f"w = {_vector(n.w)}, b = {fmt(n.b)}: give h0, h1 and f at P4, then f at P1, P2 and P3."
    )


def _solution(
    setup: Setup,
    scores: Sequence[float],
    linear: dict[str, float],
    values: Sequence[dict[str, float]],
) -> str:
    p, n, v, d = setup.points, setup.net, setup.v, setup.d
    lines = ["The linear score s = v·x + d:"]
    for k, x in enumerate(p):
        lines.append(
            f"s(P{k + 1}) = {fmt_factor(v[0])}·{fmt_factor(x[0])} + {fmt_factor(v[1])}·"
            f"{fmt_factor(x[1])} + {fmt_factor(d)} = {fmt(scores[k])}"
        )
    lines.append(
        f"s(P1) + s(P4) = {fmt(linear['s14'])} and s(P2) + s(P3) = {fmt(linear['s23'])}: equal, "
        "and for every v and d, because both pairs hold the same inputs — each sum is "
        f"v1·({fmt(setup.low)} + 1) + v2·({fmt(setup.low)} + 1) + 2d."
    )
    high, low = ("P1 and P4", "P2 and P3") if setup.xnor else ("P2 and P3", "P1 and P4")
    lines.append(
        f"Getting every point right needs s > 0 at {high} and s ≤ 0 at {low}; adding them, the "
        f"{high} sum would exceed the {low} sum — but the two sums are always equal. So no linear "
        "score classifies all four points: at least one is misclassified, whatever v and d."
    )
    wrong = [
        name for name, s, y in zip(POINTS, scores, setup.labels, strict=True) if int(s > 0) != y
    ]
    lines.append(f"This s misclassifies {len(wrong)}: {', '.join(wrong)}.")
    lines.append(
        f"The ReLU net ({SOURCE}; W = [[1, 1], [1, 1]], c = [0, -1], w = [1, -2] in the book):"
    )
    for k, x in enumerate(p):
        vals = values[k]
        lines.append(
            f"P{k + 1} = {_point(x)}: z = Wᵀx + c = ({fmt(vals['z0'])}, {fmt(vals['z1'])}), "
            f"h = ({fmt(vals['h0'])}, {fmt(vals['h1'])}), f = {fmt_factor(n.w[0])}·"
            f"{fmt_factor(vals['h0'])} + {fmt_factor(n.w[1])}·{fmt_factor(vals['h1'])} + "
            f"{fmt_factor(n.b)} = {fmt(vals['f'])}"
        )
    lines.append(
        "f is above 0 exactly on the class-1 points: the net gets all four right. The ReLU "
        "maps P2 and P3 to the same h, where a linear f can tell them from P1 and P4; "
        "without it the net would be linear, and the sums above would defeat it too."
    )
    if setup.low != 0:
        lines.append(
            "(On ±1 inputs x = 2x′ − 1: putting x′ = (x + 1)/2 into the book's net and scaling "
            "by 2 gives c = [2, 0] and f = 2 on the class-1 points.)"
        )
    if setup.xnor:
        lines.append(
            f"(XNOR: w is the XOR net's w negated and b = {fmt(n.b)}, so f = b − (the XOR net's "
            "f): above 0 exactly where the XOR net's f is 0.)"
        )
    if setup.k != 1 or setup.m != 1:
        base = "the book's net" if setup.low == 0 else "the ±1 net"
        lines.append(
            f"(W and c are {base}'s scaled by {fmt(setup.k)}, w by {fmt(setup.m)}: since "
            "max(0, k·z) = k·max(0, z) for k > 0, h scales by the first and f by both, so the "
            "classes stay the same.)"
        )
    return "\n".join(lines)
