"""Two stacked linear layers collapse into one: W2(W1·x + b1) + b2 = W·x + b.

The learner gives W = W2·W1 and b = W2·b1 + b2: at level 1 with those rules shown, from
level 2 found by multiplying out (the labels and the formula line no longer say them).
Keys come from numpy; the worked solution shows the algebra and checks it on a random x.
There is no circuit: grading compares matrices, and names the matmul-order mistake (W1·W2)
by itself.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from quizzes.hypotheses import first_distinguishable
from quizzes.problems.base import (
    Matrix,
    Misconception,
    Problem,
    Quantity,
    clamp_level,
    fmt_column,
    fmt_matrix,
    pick_nonzero,
)

FAMILY = "linear-collapse"
VERSION = 3  # 2: draws where a modelled mistake would look right are redrawn; 3: level 2+
# asks for W and b without their formulas (the multiplying out is the exercise)
TITLE = "Stacked linear layers collapse: W2(W1·x + b1) + b2 = W·x + b"
FORMULA = "W = W2·W1,  b = W2·b1 + b2"  # level 1: the rule is given, the numbers drilled
DERIVE = "s = W2·(W1·x + b1) + b2: multiply it out"  # from level 2: the rule is found
# Products and sums of one-decimal numbers carry float noise (0.1·0.2 = 0.020000000000000004);
# rounding far below the grading tolerance keeps keys and the solution clean.
KEY_DECIMALS = 9
MATMUL_ORDER = "matmul-order"

Array = npt.NDArray[np.float64]


def _matrix(array: Array) -> Matrix:
    return tuple(tuple(round(float(a), KEY_DECIMALS) + 0.0 for a in row) for row in array)


def _draw(rng: random.Random, level: int, rows: int, columns: int) -> Array:
    return np.array(
        [[pick_nonzero(rng, level, -4, 4) for _ in range(columns)] for _ in range(rows)]
    )


def _draws(seed: int, level: int) -> Iterator[tuple[Array, Array, Array, Array, Array]]:
    """W1, b1, W2, b2 and a check input x, with W1, W2 that do not commute."""
    rng = random.Random(seed)
    while True:
        w1, w2 = _draw(rng, level, 2, 2), _draw(rng, level, 2, 2)
        b1, b2 = _draw(rng, level, 2, 1), _draw(rng, level, 2, 1)
        x = np.array([[pick_nonzero(rng, 1)] for _ in range(2)])
        yield w1, b1, w2, b2, x


def _misconceptions(w1: Array, b1: Array, w2: Array, b2: Array) -> tuple[Misconception, ...]:
    """The wrong order W1·W2, the transpose of W2·W1, and b1 + b2 (b1 not through W2)."""
    return (
        Misconception(MATMUL_ORDER, "W = W2·W1", {"W": _matrix(w1 @ w2)}),
        Misconception("w-transposed", "W = W2·W1", {"W": _matrix((w2 @ w1).T)}),
        Misconception("bias-through", "b = W2·b1 + b2", {"b": _matrix(b1 + b2)}),
    )


def _column(array: Array | Matrix) -> str:
    return fmt_column(array)


def _solution(w1: Array, b1: Array, w2: Array, b2: Array, x: Array) -> str:
    w, b = w2 @ w1, w2 @ b1 + b2
    two_layers = w2 @ (w1 @ x + b1) + b2
    one_layer = w @ x + b
    return "\n".join(
        [
            "Multiply out: W2(W1·x + b1) + b2 = (W2·W1)·x + (W2·b1 + b2) = W·x + b.",
            f"W = W2·W1 = {fmt_matrix(w2)}·{fmt_matrix(w1)} = {fmt_matrix(_matrix(w))}"
            "  (row i of W2 times column j of W1).",
            f"b = W2·b1 + b2 = {fmt_matrix(w2)}·{_column(b1)} + {_column(b2)}"
            f" = {_column(_matrix(w2 @ b1))} + {_column(b2)} = {_column(_matrix(b))}.",
            f"Check on x = {_column(x)}: the two layers give {_column(_matrix(two_layers))}, "
            f"and W·x + b gives {_column(_matrix(one_layer))}.",
            "So without a non-linearity between them, two linear layers are one linear layer.",
        ]
    )


def build(seed: int, level: int) -> Problem:
    """The first draw where each mistake shows: W1·W2 = W2·W1 (layers that commute), a
    symmetric W2·W1 or W2·b1 = b1 would each make a mistake come out right."""
    level = clamp_level(level)
    draws = _draws(seed, level)
    return first_distinguishable(_problem(seed, level, *layers) for layers in draws)


def _problem(
    seed: int, level: int, w1: Array, b1: Array, w2: Array, b2: Array, x: Array
) -> Problem:
    given = level == 1
    pages = (
        (
            Quantity(
                "W",
                "W = W2·W1" if given else "W",
                _matrix(w2 @ w1),
                "matrix",
                "W",
                example="[[1, 2], [3, 4]]",
            ),
            Quantity(
                "b",
                "b = W2·b1 + b2" if given else "b",
                _matrix(w2 @ b1 + b2),
                "matrix",
                "b",
                example="[5, 6]",
            ),
        ),
    )
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA if given else DERIVE,
        prompt=(
            f"Two linear layers: h = W1·x + b1 with W1 = {fmt_matrix(w1)}, b1 = {_column(b1)}, "
            f"then s = W2·h + b2 with W2 = {fmt_matrix(w2)}, b2 = {_column(b2)}. "
            "Collapse them into one layer s = W·x + b: give W and b."
        ),
        givens=(("W1", _matrix(w1)), ("b1", _matrix(b1)), ("W2", _matrix(w2)), ("b2", _matrix(b2))),
        pages=pages,
        solution=_solution(w1, b1, w2, b2, x),
        misconceptions=_misconceptions(w1, b1, w2, b2),
    )
