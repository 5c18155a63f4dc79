"""How well the whole-attempt diagnosis names mistakes: simulated learners, measured.

The learners are written here by hand from the lesson's rules, independently of the
grader's rule table: each one makes one mistake, at one place, and answers every other
quantity right.  Random learners answer each gradient with an integer in [-10, 10].

    .venv/bin/python bench/diagnosis.py [problems per family and level, default 400]

Prints per family: exact (the named codes are exactly the injected one), ambiguous
(named as "this — or that", the injected one among them), wrong, nothing, undetected
(the mistaken attempt passes) and spurious (a random wrong attempt gets a code).
Covered so far: add-mul, gate-patterns, sigmoid-neuron, linear-collapse.
"""

from __future__ import annotations

import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator

import numpy as np

from quizzes.grading import grade
from quizzes.problems import get_family
from quizzes.problems.base import Problem, fmt

Attempt = dict[str, float]
Learners = Callable[[dict[str, float]], Iterator[tuple[str, Attempt]]]


def add_mul(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    x, y, z = g["x"], g["y"], g["z"]
    q = x + y
    yield "forgot-upstream", {"dx": 1, "dy": 1}
    yield "mul-swap", {"dx": q, "dy": q, "dz": z}
    yield "add-scaled", {"dx": y * z, "dy": x * z}
    yield "add-halved", {"dx": z / 2, "dy": z / 2}
    yield "sign", {"dz": -q}
    yield "sign", {"dx": -z, "dy": -z}  # the minus of ∂f/∂q = z dropped
    yield "sign-forward", {"q": -q, "f": -q * z}


def gate_patterns(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    x, y, z, w, c = g["x"], g["y"], g["z"], g["w"], g["c"]
    big, small = ("dz", "dw") if z > w else ("dw", "dz")
    yield "max-routing", {big: 0, small: c}
    yield "max-routing", {big: c / 2, small: c / 2}
    yield "forgot-upstream", {big: 1}  # at the max gate
    yield "forgot-upstream", {"dx": y, "dy": x}  # at the x·y gate
    yield "mul-swap", {"dx": c * x, "dy": c * y}
    yield "add-halved", {"dx": c * y / 2, "dy": c * x / 2, big: c / 2}
    yield "sign", {"dy": -c * x}


def sigmoid(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    w0, w1, w2, x0, x1 = (g[n] for n in ("w0", "w1", "w2", "x0", "x1"))
    s = 1 / (1 + math.exp(-(w0 * x0 + w1 * x1 + w2)))
    d = s * (1 - s)
    yield (
        "sigmoid-derivative",
        {"dw0": x0 * s, "dw1": x1 * s, "dw2": s, "dx0": w0 * s, "dx1": w1 * s},
    )
    yield "forgot-upstream", {"dw0": x0, "dw1": x1, "dw2": 1, "dx0": w0, "dx1": w1}
    yield "mul-swap", {"dw0": w0 * d, "dx0": x0 * d}
    yield "sign", {"dx1": -w1 * d}


def collapse(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    w1, b1, w2, b2 = (np.array(g[n]) for n in ("W1", "b1", "W2", "b2"))
    yield "matmul-order", {"W": w1 @ w2}
    yield "w-transposed", {"W": (w2 @ w1).T}
    yield "bias-through", {"b": b1 + b2}


LEARNERS: dict[str, Learners] = {
    "add-mul": add_mul,
    "gate-patterns": gate_patterns,
    "sigmoid-neuron": sigmoid,
    "linear-collapse": collapse,
}


def typed(value: object) -> str:
    if isinstance(value, np.ndarray):
        return "; ".join(" ".join(repr(float(v)) for v in row) for row in value)
    return repr(float(value))  # type: ignore[arg-type]


def key(problem: Problem) -> dict[str, str]:
    out = {}
    for q in problem.quantities:
        e = q.expected
        out[q.name] = typed(np.array(e)) if isinstance(e, tuple) else fmt(float(e))  # type: ignore[arg-type]
    return out


def main(per_level: int) -> None:
    rng = random.Random(20261203)
    total: Counter[str] = Counter()
    print(
        f"{'family':16} {'attempts':>8} {'exact':>7} {'ambig.':>7} {'wrong':>7} "
        f"{'nothing':>7} {'undet.':>7} {'spurious':>9}"
    )
    for family, learners in LEARNERS.items():
        counts: Counter[str] = Counter()
        for level in (1, 2, 3):
            for _ in range(per_level):
                problem = get_family(family).generate(rng, level)
                givens = {n: v for n, v in problem.givens}
                for code, attempt in learners(givens):  # type: ignore[arg-type]
                    result = grade(
                        problem, key(problem) | {n: typed(v) for n, v in attempt.items()}
                    )
                    counts["attempts"] += 1
                    named = list(
                        dict.fromkeys(
                            c for f in result.findings for c in (f.code, *f.ambiguous_with)
                        )
                    )
                    if result.passed:
                        counts["undetected"] += 1
                    elif named == [code]:
                        counts["exact"] += 1
                    elif code in named and any(f.ambiguous_with for f in result.findings):
                        counts["ambiguous"] += 1
                    elif named:
                        counts["wrong"] += 1
                    else:
                        counts["nothing"] += 1
                grads = [q for q in problem.quantities if q.kind == "gradient"]
                if grads:
                    noise = {q.name: str(rng.randint(-10, 10)) for q in grads}
                    result = grade(problem, key(problem) | noise)
                    if not result.passed:
                        counts["random"] += 1
                        counts["spurious"] += bool(result.codes)
        total.update(counts)
        report(family, counts)
    report("overall", total)


def report(name: str, c: Counter[str]) -> None:
    n = max(c["attempts"], 1)
    r = max(c["random"], 1)
    print(
        f"{name:16} {c['attempts']:>8} {100 * c['exact'] / n:>6.1f}% "
        f"{100 * c['ambiguous'] / n:>6.1f}% "
        f"{100 * c['wrong'] / n:>6.1f}% {100 * c['nothing'] / n:>6.1f}% {c['undetected']:>7} "
        f"{100 * c['spurious'] / r:>8.1f}%"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
