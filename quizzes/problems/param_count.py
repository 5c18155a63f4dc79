"""Counting a fully-connected network's learnable parameters, from its layer sizes.

CS231n neural-networks-1, "Sizing neural networks": the network [3, 4, 2] has
[3 x 4] + [4 x 2] = 20 weights and 4 + 2 = 6 biases, 26 learnable parameters, and
[3, 4, 4, 1] has 32 weights and 9 biases, 41.  Every layer after the input has a
weight per connection from the layer before and a bias per neuron; the inputs have
neither.  Level 1 draws one hidden layer, level 2 two, level 3 and up the CIFAR-10
classifier of the notes' "Quick intro" (x of 3072 numbers, 10 class scores) with a
hidden layer of a drawn size (two from level 4).

Counts are exact: the keys are integers, which the grader matches exactly (a count
off by the 10 biases of the output layer is wrong, however large the network).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence

from quizzes.hypotheses import first_distinguishable
from quizzes.problems.base import Misconception, Problem, Quantity, clamp_level

FAMILY = "param-count"
VERSION = 1
TITLE = "Counting learnable parameters"
FORMULA = "weights = Σ n_in·n_out over the layers,  biases = Σ n_out,  total = weights + biases"
CIFAR_INPUT, CIFAR_CLASSES = 3072, 10  # 32×32×3 pixels, 10 classes (neural-networks-1)
HIDDEN_SIZES = (50, 64, 100, 128, 200, 256, 500)
SKILL = "sizing"


def _sizes(rng: random.Random, level: int) -> tuple[int, ...]:
    if level <= 1:
        return (rng.randint(2, 6), rng.randint(2, 8), rng.randint(1, 4))
    if level == 2:
        return (rng.randint(2, 6), rng.randint(2, 8), rng.randint(2, 8), rng.randint(1, 4))
    hidden = rng.sample(HIDDEN_SIZES, 1 if level == 3 else 2)
    return (CIFAR_INPUT, *sorted(hidden, reverse=True), CIFAR_CLASSES)


def _draws(seed: int, level: int) -> Iterator[tuple[int, ...]]:
    rng = random.Random(seed)
    while True:
        yield _sizes(rng, level)


def weights(sizes: Sequence[int]) -> int:
    return sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))


def biases(sizes: Sequence[int]) -> int:
    return sum(sizes[1:])


def _misconceptions(sizes: tuple[int, ...]) -> tuple[Misconception, ...]:
    w, b = weights(sizes), biases(sizes)
    every_layer = sum(sizes)  # a bias for the inputs too
    product = math.prod(sizes)  # all sizes multiplied, not layer by layer
    return (
        Misconception("biases-forgotten", "the total", {"total": w}),
        Misconception("biases-forgotten", "the count", {"biases": 0, "total": w}),
        Misconception(
            "input-biases", "the bias count", {"biases": every_layer, "total": w + every_layer}
        ),
        Misconception(
            "weights-multiplied", "the weight count", {"weights": product, "total": product + b}
        ),
    )


def _solution(sizes: tuple[int, ...]) -> str:
    layers = list(zip(sizes, sizes[1:], strict=False))
    shapes = " + ".join(f"[{a} x {b}]" for a, b in layers)
    products = " + ".join(f"{a * b}" for a, b in layers)
    w, b = weights(sizes), biases(sizes)
    lines = [
        f"The input layer ({sizes[0]} numbers) has no weights or biases of its own.",
        f"Weights: one per connection between adjacent layers: {shapes} = {products} = {w}.",
        f"Biases: one per neuron after the input: {' + '.join(f'{n}' for n in sizes[1:])} = {b}.",
        f"Learnable parameters: {w} + {b} = {w + b}.",
    ]
    return "\n".join(lines)


def _prompt(sizes: tuple[int, ...]) -> str:
    described = ", ".join(f"{n}" for n in sizes)
    hidden = len(sizes) - 2
    return (
        f"A fully-connected network with layer sizes [{described}]: {sizes[0]} inputs, "
        f"{hidden} hidden layer{'s' if hidden > 1 else ''}, {sizes[-1]} output"
        f"{'s' if sizes[-1] > 1 else ''}, and a bias for every neuron. How many weights, "
        "how many biases, and how many learnable parameters in all? (Exact counts, digits only.)"
    )


def build(seed: int, level: int) -> Problem:
    """The first draw on which every counting mistake gives another number (in [2, 4, 2]
    multiplying all sizes gives the right 16 weights, for one)."""
    level = clamp_level(level)
    return first_distinguishable(_problem(seed, level, sizes) for sizes in _draws(seed, level))


def _problem(seed: int, level: int, sizes: tuple[int, ...]) -> Problem:
    w, b = weights(sizes), biases(sizes)
    page = (
        Quantity("weights", "weights", w, "value", example="20", skill=SKILL),
        Quantity("biases", "biases", b, "value", example="6", skill=SKILL),
        Quantity("total", "learnable parameters", w + b, "value", example="26", skill=SKILL),
    )
    return Problem(
        family=FAMILY,
        version=VERSION,
        seed=seed,
        level=level,
        title=TITLE,
        formula=FORMULA,
        prompt=_prompt(sizes),
        givens=tuple((f"n{k}", float(n)) for k, n in enumerate(sizes)),
        pages=(page,),
        solution=_solution(sizes),
        misconceptions=_misconceptions(sizes),
    )
