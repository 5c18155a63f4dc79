"""f = σ(w0·x0 + w1·x1 + w2) — a 2-D sigmoid neuron (CS231n optimization-2).

Sigmoid keys are irrational whatever the givens, so the givens are chosen to keep
them readable instead: integers at levels 1-2 (one decimal from level 3, each factor
at least 0.5 in size) with the pre-activation z limited to 0 < |z| <= 2.  That
keeps σ(z) away from saturation, so every gradient is at least about 0.05 (a
learner's "0" never passes) and a two-decimal answer is within the grader's
tolerance.  The circuit uses the ``sigmoid`` gate (not exp and division) so the
grader can replay a learner who used σ instead of σ(1 - σ) as the local gradient.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from quizzes.autograd import Value
from quizzes.hypotheses import first_distinguishable
from quizzes.problems.base import (
    Circuit,
    Problem,
    Quantity,
    clamp_level,
    fmt,
    fmt_factor,
    gradient_quantities,
    pick_nonzero,
)

FAMILY = "sigmoid-neuron"
VERSION = 2  # 2: draws that cannot tell their mistakes apart are redrawn
TITLE = "Sigmoid neuron: f = σ(w0·x0 + w1·x1 + w2)"
FORMULA = "z = w0·x0 + w1·x1 + w2,  f = σ(z) = 1 / (1 + e^(−z)),  dσ/dz = σ(z)·(1 − σ(z))"
WORKED_EXAMPLE_SEED = 0  # CS231n's numbers: w = [2, -3, -3], x = [-1, -2]
MAX_PREACTIVATION = 2.0  # σ'(z) >= σ'(2) ≈ 0.105, so no gradient is near 0

Givens = tuple[float, float, float, float, float]  # w0, w1, w2, x0, x1


def _circuit(givens: Givens) -> Circuit:
    w0, w1, w2, x0, x1 = givens

    def build() -> tuple[Value, dict[str, Value]]:
        vw0, vw1, vw2 = Value(w0, label="w0"), Value(w1, label="w1"), Value(w2, label="w2")
        vx0, vx1 = Value(x0, label="x0"), Value(x1, label="x1")
        z = vw0 * vx0 + vw1 * vx1 + vw2
        z.label = "z"
        f = z.sigmoid()
        f.label = "f"
        named = {"w0": vw0, "w1": vw1, "w2": vw2, "x0": vx0, "x1": vx1, "z": z, "f": f}
        return f, named

    return Circuit(build)


def _draws(seed: int, level: int) -> Iterator[Givens]:
    if seed == WORKED_EXAMPLE_SEED:
        yield 2.0, -3.0, -3.0, -1.0, -2.0
        return
    rng = random.Random(seed)
    while True:
        w0, w1, w2, x0, x1 = (pick_nonzero(rng, level, -3, 3) for _ in range(5))
        z = w0 * x0 + w1 * x1 + w2
        # A factor under 0.5 would leave a gradient so near 0 that "0" passed the grader.
        tiny_factor = min(abs(w0), abs(w1), abs(x0), abs(x1)) < 0.5
        if 1e-9 < abs(z) <= MAX_PREACTIVATION + 1e-9 and not tiny_factor:
            yield w0, w1, w2, x0, x1


def _solution(givens: Givens, values: dict[str, float], grads: dict[str, float]) -> str:
    w0, w1, w2, x0, x1 = givens
    z, f = values["z"], values["f"]
    local = f * (1.0 - f)
    return "\n".join(
        [
            f"Forward: z = {fmt_factor(w0)}·{fmt_factor(x0)} + {fmt_factor(w1)}·{fmt_factor(x1)}"
            f" + {fmt_factor(w2)} = {fmt(z)};"
            f"  f = σ({fmt(z)}) = {fmt(f)}.",
            f"Sigmoid gate: local gradient σ(1 − σ) = {fmt(f)}·{fmt(1.0 - f)} = {fmt(local)},"
            f" so ∂f/∂z = {fmt(local)}.",
            "Add gates pass ∂f/∂z on to each product and to the bias: "
            f"∂f/∂w2 = {fmt(grads['w2'])}.",
            "Mul gates swap: each weight's gradient is its input times ∂f/∂z, and back:",
            f"  ∂f/∂w0 = x0·{fmt(local)} = {fmt_factor(x0)}·{fmt(local)} = {fmt(grads['w0'])},"
            f"  ∂f/∂w1 = x1·{fmt(local)} = {fmt_factor(x1)}·{fmt(local)} = {fmt(grads['w1'])},",
            f"  ∂f/∂x0 = w0·{fmt(local)} = {fmt_factor(w0)}·{fmt(local)} = {fmt(grads['x0'])},"
            f"  ∂f/∂x1 = w1·{fmt(local)} = {fmt_factor(w1)}·{fmt(local)} = {fmt(grads['x1'])}.",
        ]
    )


def build(seed: int, level: int) -> Problem:
    """The first draw whose mistakes can be told apart (|w_i| = |x_i| would hide a swapped
    multiply gate behind a right answer or a sign slip, for one)."""
    level = clamp_level(level)
    if seed == WORKED_EXAMPLE_SEED:
        return _problem(seed, level, next(_draws(seed, level)))
    return first_distinguishable(_problem(seed, level, givens) for givens in _draws(seed, level))


def _problem(seed: int, level: int, givens: Givens) -> Problem:
    w0, w1, w2, x0, x1 = givens
    circuit = _circuit(givens)
    values, grads = circuit.run()
    forward = (Quantity("f", "f = σ(z)", values["f"], "value", "f", example="0.73"),)
    backward = gradient_quantities(grads, "w0", "w1", "w2", "x0", "x1", example="-0.39")
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA,
        prompt=(
            f"With w = [{fmt(w0)}, {fmt(w1)}, {fmt(w2)}] and x = [{fmt(x0)}, {fmt(x1)}]: "
            "compute f, then backpropagate to ∂f/∂w0, ∂f/∂w1, ∂f/∂w2, ∂f/∂x0, ∂f/∂x1. "
            "Two decimals are enough in answers; keep three or four in σ(1 − σ)."
        ),
        givens=(("w0", w0), ("w1", w1), ("w2", w2), ("x0", x0), ("x1", x1)),
        pages=(forward, backward),
        solution=_solution(givens, values, grads),
        gates=tuple(circuit.table()),
        circuit=circuit,
    )
