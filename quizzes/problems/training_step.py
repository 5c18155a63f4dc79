"""One training step of a neuron: forward, loss, backward, update, and the loss after it.

The lesson's closing loop on the smallest model that has it: a linear neuron
s = w0·x0 + w1·x1 + b with the squared-error (L2) loss of a regression target t,
L = (s − t)² (CS231n neural-networks-2, "Loss functions": regression, L_i = ‖f − y_i‖²),
and one vanilla gradient-descent update w ← w − α·∂L/∂w (CS231n optimization-1,
"Gradient Descent": ``weights += - step_size * weights_grad``).

The learner gives s and L, the gradients ∂L/∂w0, ∂L/∂w1 and ∂L/∂b, the updated
parameters, and the loss L′ after the step.  Since s is linear in the parameters,
the step changes s − t by the factor 1 − 2α·K with K = x0² + x1² + 1, so L′ = L·(1 − 2αK)².
Levels 1–2 draw a learning rate with αK < 1/2 (the loss goes down); from level 3 one with
αK > 1, so the step overshoots and the loss goes *up*, and the learner also gives
L′ − L (its sign says whether the step lowered the loss).

Keys come from the engine: the backward pass of the circuit, and the forward pass run
again with the updated parameters.  Mistakes the family adds to the engine's backprop
ones: stepping along the gradient (w + α·g) and forgetting α (w − g).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from quizzes.autograd import Value
from quizzes.hypotheses import first_distinguishable
from quizzes.problems.base import (
    Circuit,
    FollowThrough,
    Misconception,
    Problem,
    Quantity,
    clamp_level,
    fmt,
    fmt_factor,
)
from quizzes.tolerance import clean

FAMILY = "training-step"
VERSION = 1
TITLE = "One training step: forward, loss, backward, update"
FORMULA = "s = w0·x0 + w1·x1 + b,  L = (s − t)²,  w ← w − α·∂L/∂w"
PARAMETERS = ("w0", "w1", "b")
SMALL_RATES = (0.01, 0.02, 0.05)  # levels 1-2: αK < 1/2, the loss goes down
VALUE_BOUND = 1000.0  # every number the learner meets, as in the other families
LARGE_RATES = (0.1, 0.2, 0.25, 0.5)  # level 3 and up: αK > 1, the step overshoots


@dataclass(frozen=True)
class Neuron:
    x: tuple[float, float]
    w: tuple[float, float]
    b: float
    t: float
    alpha: float

    @property
    def k(self) -> float:
        return self.x[0] ** 2 + self.x[1] ** 2 + 1


def _circuit(n: Neuron) -> Circuit:
    def build() -> tuple[Value, dict[str, Value]]:
        x0, x1 = Value(n.x[0], label="x0"), Value(n.x[1], label="x1")
        w0, w1, b = Value(n.w[0], label="w0"), Value(n.w[1], label="w1"), Value(n.b, label="b")
        t = Value(n.t, label="t")
        s = w0 * x0 + w1 * x1 + b
        s.label = "s"
        d = s - t
        d.label = "s − t"
        loss = d**2
        loss.label = "L"
        named = {"x0": x0, "x1": x1, "w0": w0, "w1": w1, "b": b, "t": t, "s": s, "L": loss}
        return loss, named

    return Circuit(build)


KEY_DECIMALS = 9  # products of two-decimal numbers carry float noise (31.360000000000007)


def _loss(n: Neuron, params: Mapping[str, float]) -> float:
    s = params["w0"] * n.x[0] + params["w1"] * n.x[1] + params["b"]
    return clean(round((s - n.t) ** 2, KEY_DECIMALS))


def _stepped(
    n: Neuron, grads: Mapping[str, float], direction: float = -1.0, rate: float | None = None
) -> dict[str, float]:
    alpha = n.alpha if rate is None else rate
    start = {"w0": n.w[0], "w1": n.w[1], "b": n.b}
    return {
        p: clean(round(start[p] + direction * alpha * grads[p], KEY_DECIMALS)) for p in PARAMETERS
    }


def _draws(seed: int, level: int) -> Iterator[Neuron]:
    rng = random.Random(seed)
    while True:
        small = level <= 2
        span = 3 if level <= 1 else 4
        x = (float(rng.randint(-span, span)), float(rng.randint(-span, span)))
        w = (float(rng.randint(-span, span)), float(rng.randint(-span, span)))
        b, t = float(rng.randint(-span, span)), float(rng.randint(-2 * span, 2 * span))
        alpha = rng.choice(SMALL_RATES if small else LARGE_RATES)
        n = Neuron(x, w, b, t, alpha)
        s = w[0] * x[0] + w[1] * x[1] + b
        if s == t or 0.0 in x:  # no loss to lower, or an input that hides its weight
            continue
        if (small and alpha * n.k >= 0.5) or (not small and alpha * n.k <= 1):
            continue
        growth = (1 - 2 * alpha * n.k) ** 2  # L' = L·growth
        if (s - t) ** 2 * max(1.0, growth) > VALUE_BOUND or abs(2 * (s - t)) * span > VALUE_BOUND:
            continue
        yield n


def _misconceptions(n: Neuron, grads: Mapping[str, float]) -> tuple[Misconception, ...]:
    """Stepping along the gradient, and a step of the whole gradient (α forgotten)."""
    out = []
    for code, where, params in (
        ("step-along-gradient", "the update w ← w − α·∂L/∂w", _stepped(n, grads, +1.0)),
        ("alpha-forgotten", "the update w ← w − α·∂L/∂w", _stepped(n, grads, rate=1.0)),
    ):
        predicted: dict[str, float] = {f"{p}_new": v for p, v in params.items()}
        predicted["L_new"] = _loss(n, params)
        if n.alpha * n.k > 1:
            predicted["dL"] = clean(round(predicted["L_new"] - _loss(n, _start(n)), KEY_DECIMALS))
        out.append(Misconception(code, where, predicted))
    return tuple(out)


def _follow_through(n: Neuron) -> FollowThrough:
    """The step's answers from the learner's own: each update from their gradient, L′ from
    their updated parameters, L′ − L from their two losses."""
    start = _start(n)

    def follow(numbers: Mapping[str, float]) -> dict[str, tuple[float, str]]:
        out: dict[str, tuple[float, str]] = {}
        for p in PARAMETERS:
            if (g := numbers.get(f"d{p}")) is not None:
                new = clean(round(start[p] - n.alpha * g, KEY_DECIMALS))
                out[f"{p}_new"] = (new, f"your ∂L/∂{p} = {fmt(g)}")
        if all(f"{p}_new" in numbers for p in PARAMETERS):
            params = {p: numbers[f"{p}_new"] for p in PARAMETERS}
            out["L_new"] = (_loss(n, params), "your updated w0, w1 and b")
        if "L_new" in numbers and "L" in numbers:
            change = clean(round(numbers["L_new"] - numbers["L"], KEY_DECIMALS))
            out["dL"] = (change, f"your L = {fmt(numbers['L'])} and L′ = {fmt(numbers['L_new'])}")
        return out

    return follow


def _start(n: Neuron) -> dict[str, float]:
    return {"w0": n.w[0], "w1": n.w[1], "b": n.b}


def build(seed: int, level: int) -> Problem:
    """The first draw on which every mistake shows (x0 = w0 would hide a swapped multiply
    gate, for one)."""
    level = clamp_level(level)
    return first_distinguishable(_problem(seed, level, n) for n in _draws(seed, level))


def _problem(seed: int, level: int, n: Neuron) -> Problem:
    circuit = _circuit(n)
    values, grads = circuit.run()
    new = _stepped(n, grads)
    loss_after = _loss(n, new)
    overshoot = n.alpha * n.k > 1
    forward = (
        Quantity("s", "s = w0·x0 + w1·x1 + b", values["s"], "value", "s"),
        Quantity("L", "L = (s − t)²", values["L"], "value", "L"),
    )
    backward = tuple(Quantity(f"d{p}", f"∂L/∂{p}", grads[p], "gradient", p) for p in PARAMETERS)
    step: tuple[Quantity, ...] = (
        *(Quantity(f"{p}_new", f"{p} after the step", new[p], "value") for p in PARAMETERS),
        Quantity("L_new", "L after the step", loss_after, "value"),
    )
    if overshoot:
        change = clean(round(loss_after - values["L"], KEY_DECIMALS))
        step = (*step, Quantity("dL", "L after − L before", change, "value", example="-3"))
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA,
        prompt=_prompt(n, overshoot),
        givens=(
            ("x0", n.x[0]),
            ("x1", n.x[1]),
            ("w0", n.w[0]),
            ("w1", n.w[1]),
            ("b", n.b),
            ("t", n.t),
            ("alpha", n.alpha),
        ),
        pages=(forward, backward, step),
        solution=_solution(n, values, grads, new, loss_after),
        gates=tuple(circuit.table()),
        misconceptions=_misconceptions(n, grads),
        circuit=circuit,
        follow_through=_follow_through(n),
    )


def _prompt(n: Neuron, overshoot: bool) -> str:
    ask = "the loss L′ after the step."
    if overshoot:
        ask = "the loss L′ after the step, and L′ − L: did the step lower the loss?"
    return (
        f"A neuron s = w0·x0 + w1·x1 + b with x = [{fmt(n.x[0])}, {fmt(n.x[1])}], "
        f"w0 = {fmt(n.w[0])}, w1 = {fmt(n.w[1])}, b = {fmt(n.b)}, the squared-error loss "
        f"L = (s − t)² for the target t = {fmt(n.t)}, and the learning rate α = {fmt(n.alpha)}. "
        "Run one training step: s and L forward; ∂L/∂w0, ∂L/∂w1 and ∂L/∂b backward; the "
        f"updated w0, w1 and b (w ← w − α·∂L/∂w); then {ask}"
    )


def _solution(
    n: Neuron,
    values: Mapping[str, float],
    grads: Mapping[str, float],
    new: Mapping[str, float],
    loss_after: float,
) -> str:
    s, loss = values["s"], values["L"]
    d = s - n.t
    lines = [
        f"Forward: s = {fmt_factor(n.w[0])}·{fmt_factor(n.x[0])} + {fmt_factor(n.w[1])}·"
        f"{fmt_factor(n.x[1])} + {fmt_factor(n.b)} = {fmt(s)};  L = ({fmt(s)} − "
        f"{fmt_factor(n.t)})² = {fmt_factor(d)}² = {fmt(loss)}.",
        f"Backward: ∂L/∂L = 1; the square gate gives ∂L/∂s = 2·(s − t) = {fmt(2 * d)}; the add "
        "gates pass it through, and each multiply gate gives its weight the input:",
        f"∂L/∂w0 = {fmt_factor(2 * d)}·{fmt_factor(n.x[0])} = {fmt(grads['w0'])},  ∂L/∂w1 = "
        f"{fmt_factor(2 * d)}·{fmt_factor(n.x[1])} = {fmt(grads['w1'])},  ∂L/∂b = "
        f"{fmt(grads['b'])}.",
        "Step against the gradient, scaled by α:",
    ]
    start = _start(n)
    for p in PARAMETERS:
        lines.append(
            f"{p} ← {fmt(start[p])} − {fmt(n.alpha)}·{fmt_factor(grads[p])} = {fmt(new[p])}"
        )
    lines.append(f"After the step: L′ = {fmt(loss_after)}.")
    factor = 1 - 2 * n.alpha * n.k
    verdict = (
        "lower: the step went down the slope"
        if loss_after < loss
        else "higher: α is so large that the step jumped past the minimum (overshoot)"
    )
    lines.append(
        f"(s − t changes by the factor 1 − 2α(x0² + x1² + 1) = {fmt(factor)}, so L′ = L·"
        f"{fmt_factor(factor)}² = {fmt(loss_after)}: {verdict}.)"
    )
    return "\n".join(lines)
