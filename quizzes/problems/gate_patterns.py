"""f = c·(x·y + max(z, w)) — the three gate patterns (CS231n optimization-2, where c = 2).

The add gate distributes its upstream gradient, the max gate routes all of it to
the larger input, the mul gate swaps its inputs.  The circuit is built with
``Value.max`` so the grader can replay a mistaken max routing.  The constant c is drawn
(CS231n's 2 only in the worked example), so the gradient the ×c gate sends into the add
and max gates must be worked out, not remembered as "2 or 0": with c = 2 halving an add
gate's gradient and forgetting its upstream give the same numbers.
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

FAMILY = "gate-patterns"
VERSION = 2  # 2: the constant c is drawn; draws that cannot tell mistakes apart are redrawn
TITLE = "Gate patterns: f = c·(x·y + max(z, w))"
FORMULA = "p = x·y,  m = max(z, w),  s = p + m,  f = c·s"
WORKED_EXAMPLE_SEED = 0  # CS231n's numbers: x = 3, y = -4, z = 2, w = -1, c = 2
CONSTANTS = (-4.0, -3.0, -2.0, 2.0, 3.0, 4.0)  # never 0 or ±1: the ×c gate must matter

Givens = tuple[float, float, float, float, float]  # x, y, z, w, c


def _circuit(x: float, y: float, z: float, w: float, c: float) -> Circuit:
    def build() -> tuple[Value, dict[str, Value]]:
        vx, vy = Value(x, label="x"), Value(y, label="y")
        vz, vw = Value(z, label="z"), Value(w, label="w")
        p = vx * vy
        p.label = "p"
        m = vz.max(vw)
        m.label = "m"
        s = p + m
        s.label = "s"
        f = Value(c, label=fmt(c)) * s  # a leaf named by its number: the diagram's "×c" gate
        f.label = "f"
        return f, {"x": vx, "y": vy, "z": vz, "w": vw, "p": p, "m": m, "s": s, "f": f}

    return Circuit(build)


def build(seed: int, level: int) -> Problem:
    level = clamp_level(level)
    if seed == WORKED_EXAMPLE_SEED:
        return _problem(seed, level, (3.0, -4.0, 2.0, -1.0, 2.0))
    return first_distinguishable(_candidates(seed, level))


def _candidates(seed: int, level: int) -> Iterator[Problem]:
    rng = random.Random(seed)
    while True:
        x, y, z, w = (pick_nonzero(rng, level) for _ in range(4))
        c = rng.choice(CONSTANTS)
        if z != w:  # a tie at the max gate makes its routing a convention
            yield _problem(seed, level, (x, y, z, w, c))


def _solution(givens: Givens, values: dict[str, float]) -> str:
    x, y, z, w, c = givens
    p, m, s, f = values["p"], values["m"], values["s"], values["f"]
    winner, loser = ("z", "w") if z > w else ("w", "z")
    k = fmt(c)
    return "\n".join(
        [
            f"Forward: p = x·y = {fmt_factor(x)}·{fmt_factor(y)} = {fmt(p)};"
            f"  m = max({fmt(z)}, {fmt(w)}) = {fmt(m)};"
            f"  s = p + m = {fmt(s)};  f = {fmt_factor(c)}·s = {fmt(f)}.",
            f"Backward: ∂f/∂f = 1, and the ×{fmt_factor(c)} gate gives ∂f/∂s = {k}.",
            f"Add gate distributes: ∂f/∂p = ∂f/∂m = {k}.",
            f"Max gate routes: {winner} was larger, so ∂f/∂{winner} = {k} and ∂f/∂{loser} = 0.",
            f"Mul gate swaps: ∂f/∂x = y·{fmt_factor(c)} = {fmt_factor(y)}·{fmt_factor(c)} = "
            f"{fmt(c * y)},  ∂f/∂y = x·{fmt_factor(c)} = {fmt_factor(x)}·{fmt_factor(c)} = "
            f"{fmt(c * x)}.",
        ]
    )


def _problem(seed: int, level: int, givens: Givens) -> Problem:
    x, y, z, w, c = givens
    circuit = _circuit(x, y, z, w, c)
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
            f"With c = {fmt(c)}, x = {fmt(x)}, y = {fmt(y)}, z = {fmt(z)}, w = {fmt(w)}: "
            "compute f, then backpropagate to ∂f/∂x, ∂f/∂y, ∂f/∂z, ∂f/∂w."
        ),
        givens=(("x", x), ("y", y), ("z", z), ("w", w), ("c", c)),
        pages=pages,
        solution=_solution(givens, values),
        gates=tuple(circuit.table()),
        circuit=circuit,
    )
