"""f = 2·(x·y + max(z, w)) — the three gate patterns (CS231n optimization-2).

The add gate distributes its upstream gradient, the max gate routes all of it to
the larger input, the mul gate swaps its inputs.  The circuit is built with
``Value.max`` so the grader can replay a mistaken max routing.
"""

from __future__ import annotations

import random

from quizzes.autograd import Value
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

FAMILY = "gate-patterns"
VERSION = 1
TITLE = "Gate patterns: f = 2·(x·y + max(z, w))"
FORMULA = "p = x·y,  m = max(z, w),  s = p + m,  f = 2·s"
WORKED_EXAMPLE_SEED = 0  # CS231n's numbers: x = 3, y = -4, z = 2, w = -1
SCALE = 2.0


def _circuit(x: float, y: float, z: float, w: float) -> Circuit:
    def build() -> tuple[Value, dict[str, Value]]:
        vx, vy = Value(x, label="x"), Value(y, label="y")
        vz, vw = Value(z, label="z"), Value(w, label="w")
        p = vx * vy
        p.label = "p"
        m = vz.max(vw)
        m.label = "m"
        s = p + m
        s.label = "s"
        f = Value(SCALE, label="2") * s
        f.label = "f"
        return f, {"x": vx, "y": vy, "z": vz, "w": vw, "p": p, "m": m, "s": s, "f": f}

    return Circuit(build)


def _givens(seed: int, level: int) -> tuple[float, float, float, float]:
    if seed == WORKED_EXAMPLE_SEED:
        return 3.0, -4.0, 2.0, -1.0
    rng = random.Random(seed)
    while True:
        x, y, z, w = (pick_nonzero(rng, level) for _ in range(4))
        # z == w would be a tie at the max gate; |x| == |y| would make a swapped
        # mul gate indistinguishable from a right answer or a sign slip.
        if z != w and abs(x) != abs(y):
            return x, y, z, w


def _solution(givens: tuple[float, float, float, float], values: dict[str, float]) -> str:
    x, y, z, w = givens
    p, m, s, f = values["p"], values["m"], values["s"], values["f"]
    winner, loser = ("z", "w") if z > w else ("w", "z")
    return "\n".join(
        [
            f"Forward: p = x·y = {fmt_factor(x)}·{fmt_factor(y)} = {fmt(p)};"
            f"  m = max({fmt(z)}, {fmt(w)}) = {fmt(m)};"
            f"  s = p + m = {fmt(s)};  f = 2·s = {fmt(f)}.",
            "Backward: ∂f/∂f = 1, and the ·2 gate gives ∂f/∂s = 2.",
            "Add gate distributes: ∂f/∂p = ∂f/∂m = 2.",
            f"Max gate routes: {winner} was larger, so ∂f/∂{winner} = 2 and ∂f/∂{loser} = 0.",
            f"Mul gate swaps: ∂f/∂x = y·2 = {fmt_factor(y)}·2 = {fmt(SCALE * y)},"
            f"  ∂f/∂y = x·2 = {fmt_factor(x)}·2 = {fmt(SCALE * x)}.",
        ]
    )


def build(seed: int, level: int) -> Problem:
    level = clamp_level(level)
    givens = _givens(seed, level)
    x, y, z, w = givens
    circuit = _circuit(x, y, z, w)
    values, grads = circuit.run()
    pages = (
        (
            Quantity("f", "f", values["f"], "value", "f"),
            *gradient_quantities(grads, "x", "y", "z", "w"),
        ),
    )
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA,
        prompt=(
            f"With x = {fmt(x)}, y = {fmt(y)}, z = {fmt(z)}, w = {fmt(w)}: compute f, then "
            "backpropagate to ∂f/∂x, ∂f/∂y, ∂f/∂z, ∂f/∂w."
        ),
        givens=(("x", x), ("y", y), ("z", z), ("w", w)),
        pages=pages,
        solution=_solution(givens, values),
        gates=tuple(circuit.table()),
        circuit=circuit,
    )
