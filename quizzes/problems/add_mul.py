"""f(x, y, z) = (x + y) · z — the lesson's worked circuit (CS231n optimization-2)."""

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

FAMILY = "add-mul"
VERSION = 2  # 2: draws that cannot tell their mistakes apart are redrawn
TITLE = "Add then multiply: f = (x + y)·z"
FORMULA = "q = x + y,  f = q · z"
WORKED_EXAMPLE_SEED = 0  # the lesson's numbers: x = -2, y = 5, z = -4


def _circuit(x: float, y: float, z: float) -> Circuit:
    def build() -> tuple[Value, dict[str, Value]]:
        vx, vy, vz = Value(x, label="x"), Value(y, label="y"), Value(z, label="z")
        q = vx + vy
        q.label = "q"
        f = q * vz
        f.label = "f"
        return f, {"x": vx, "y": vy, "z": vz, "q": q, "f": f}

    return Circuit(build)


def build(seed: int, level: int) -> Problem:
    level = clamp_level(level)
    if seed == WORKED_EXAMPLE_SEED:
        return _problem(seed, level, -2.0, 5.0, -4.0)
    return first_distinguishable(_candidates(seed, level))  # z = 1 or q = z hide a mistake


def _candidates(seed: int, level: int) -> Iterator[Problem]:
    rng = random.Random(seed)
    while True:
        x, y, z = (pick_nonzero(rng, level) for _ in range(3))
        if x + y != 0:  # q = 0 would make every x/y gradient 0 whatever the rule
            yield _problem(seed, level, x, y, z)


def _problem(seed: int, level: int, x: float, y: float, z: float) -> Problem:
    circuit = _circuit(x, y, z)
    values, grads = circuit.run()
    pages = (
        (
            Quantity("q", "q = x + y", values["q"], "value", "q"),
            Quantity("f", "f = q · z", values["f"], "value", "f"),
            *gradient_quantities(grads, "x", "y", "z"),
        ),
    )
    q, f = values["q"], values["f"]
    solution = "\n".join(
        [
            f"Forward: q = x + y = {fmt(x)} + {fmt_factor(y)} = {fmt(q)};"
            f"  f = q·z = {fmt_factor(q)}·{fmt_factor(z)} = {fmt(f)}.",
            "Backward: ∂f/∂f = 1.",
            f"Mul gate swaps its inputs: ∂f/∂z = q = {fmt(q)},  ∂f/∂q = z = {fmt(z)}.",
            f"Add gate passes the upstream gradient through: ∂f/∂x = ∂f/∂y = 1 × {fmt_factor(z)}"
            f" = {fmt(grads['x'])}.",
        ]
    )
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA,
        prompt=(
            f"With x = {fmt(x)}, y = {fmt(y)}, z = {fmt(z)}: run the circuit forward "
            "(q, f), then backward (∂f/∂x, ∂f/∂y, ∂f/∂z)."
        ),
        givens=(("x", x), ("y", y), ("z", z)),
        pages=pages,
        solution=solution,
        gates=tuple(circuit.table()),
        circuit=circuit,
    )
