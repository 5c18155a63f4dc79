"""How well the whole-attempt diagnosis names mistakes: simulated learners, measured.

The learners are written here by hand from the lesson's rules, independently of the
grader's rule table: each one makes one mistake, at one place, and answers every other
quantity right.  Random learners answer each gradient with an integer in [-10, 10].

    .venv/bin/python bench/diagnosis.py [problems per family and level, default 400]

Prints per family: exact (the named codes are exactly the injected one), ambiguous
(named as "this — or that", the injected one among them), wrong, nothing, undetected
(the mistaken attempt passes) and spurious (a random wrong attempt gets a code).
Every family with modelled mistakes is covered.
Only slips that change an asked answer are counted (a learner's slip at a quantity
the problem does not ask cannot be seen).
"""

from __future__ import annotations

import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator

import numpy as np

from quizzes.autograd import GateRow
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


def two_layer(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    x = [row[0] for row in g["x"]]  # type: ignore[attr-defined]
    w1, b1, w2 = g["W1"], [row[0] for row in g["b1"]], g["W2"][0]  # type: ignore[index,attr-defined]
    b2 = g["b2"]

    def forward(weights: list[list[float]], relu: bool = True) -> tuple[list[float], list[float]]:
        z = [sum(weights[i][n] * x[n] for n in range(2)) + b1[i] for i in range(2)]
        return z, [max(0.0, zi) if relu else zi for zi in z]

    z, h = forward(w1)

    def backward(dz: list[float], dw_local: Callable[[int, int], float] | None = None) -> Attempt:
        local = dw_local or (lambda i, j: x[j])
        out = {f"dW1_{i}{j}": dz[i] * local(i, j) for i in range(2) for j in range(2)}
        out |= {f"db1_{k}": dz[k] for k in range(2)}
        out |= {f"dx{n}": sum(dz[i] * w1[i][n] for i in range(2)) for n in range(2)}
        return out

    dz = [w2[i] if z[i] > 0 else 0.0 for i in range(2)]
    if any(zi < 0 for zi in z):
        yield "dead-relu", backward(list(w2))  # gradient let through the inactive unit
        for i in range(2):
            if z[i] < 0:  # the ReLU left out of the forward pass at the inactive unit
                hh = [z[k] if k == i else h[k] for k in range(2)]
                yield "relu-forward", {f"h{i}": z[i], "s": w2[0] * hh[0] + w2[1] * hh[1] + b2}
    zt, ht = forward([[w1[0][0], w1[1][0]], [w1[0][1], w1[1][1]]])  # W1 read by columns
    yield "transpose-forward", {"h0": ht[0], "h1": ht[1], "s": w2[0] * ht[0] + w2[1] * ht[1] + b2}
    for n in range(2):  # ∂s/∂x_n through one unit only: the two paths not added
        for kept in range(2):
            yield "fork-sum", {f"dx{n}": dz[kept] * w1[kept][n]}
    yield "mul-swap", backward(dz, lambda i, j: w1[i][j])  # at the W1·x gates: own value
    yield "forgot-upstream", {f"dW1_{i}{j}": x[j] for i in range(2) for j in range(2)}
    yield "sign", {"dx1": -sum(dz[i] * w1[i][1] for i in range(2))}


def collapse(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    w1, b1, w2, b2 = (np.array(g[n]) for n in ("W1", "b1", "W2", "b2"))
    yield "matmul-order", {"W": w1 @ w2}
    yield "w-transposed", {"W": (w2 @ w1).T}
    yield "bias-through", {"b": b1 + b2}


def param_count(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    sizes = [int(g[f"n{k}"]) for k in range(len(g))]
    pairs = list(zip(sizes, sizes[1:], strict=False))
    w, b = sum(a * c for a, c in pairs), sum(sizes[1:])
    yield "biases-forgotten", {"total": w}
    yield "input-biases", {"biases": sum(sizes), "total": w + sum(sizes)}
    yield "weights-multiplied", {"weights": math.prod(sizes), "total": math.prod(sizes) + b}


def training_step(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    x0, x1, w0, w1, b, t, alpha = (g[n] for n in ("x0", "x1", "w0", "w1", "b", "t", "alpha"))
    s = w0 * x0 + w1 * x1 + b
    ds = 2 * (s - t)
    grads = {"w0": ds * x0, "w1": ds * x1, "b": ds}
    start = {"w0": w0, "w1": w1, "b": b}
    overshoot = alpha * (x0 * x0 + x1 * x1 + 1) > 1
    for code, sign, rate in (("step-along-gradient", 1, alpha), ("alpha-forgotten", -1, 1.0)):
        new = {p: start[p] + sign * rate * grads[p] for p in start}
        after = (new["w0"] * x0 + new["w1"] * x1 + new["b"] - t) ** 2
        attempt = {f"{p}_new": v for p, v in new.items()} | {"L_new": after}
        yield code, attempt | ({"dL": after - (s - t) ** 2} if overshoot else {})
    yield "forgot-upstream", {"dw0": x0, "dw1": x1, "db": 1}  # without the 2·(s − t)
    yield "power-rule", {"dw0": ds / 2 * x0, "dw1": ds / 2 * x1, "db": ds / 2}  # s − t, no 2
    yield "mul-swap", {"dw0": ds * w0, "dw1": ds * w1}


def xor_net(g: dict[str, float]) -> Iterator[tuple[str, Attempt]]:
    points, labels = g["X"], [row[0] for row in g["y"]]  # type: ignore[attr-defined]
    v = [row[0] for row in g["v"]]  # type: ignore[attr-defined]
    big_w, c, w, b = g["W"], [row[0] for row in g["c"]], [row[0] for row in g["w"]], g["b"]  # type: ignore[attr-defined]

    def linear(bias: float) -> Attempt:
        s = [v[0] * x0 + v[1] * x1 + bias for x0, x1 in points]  # type: ignore[attr-defined]
        wrong = sum(int(si > 0) != y for si, y in zip(s, labels, strict=True))
        return {f"s{n + 1}": s[n] for n in range(4)} | {
            "s14": s[0] + s[3],
            "s23": s[1] + s[2],
            "errors": wrong,
        }

    def net(relu: bool = True, bias: bool = True, flip: bool = False) -> Attempt:
        out: Attempt = {}
        for n, (x0, x1) in enumerate(points):  # type: ignore[attr-defined]
            z = [big_w[0][i] * x0 + big_w[1][i] * x1 + (c[i] if bias else 0) for i in range(2)]  # type: ignore[index]
            h = [max(0.0, zi) if relu else zi for zi in z]
            f = w[0] * h[0] + (-1 if flip else 1) * w[1] * h[1] + b
            out[f"f{n + 1}" if n < 3 else "f"] = f
            if n == 3:
                out |= {"h0": h[0], "h1": h[1]}
        return out

    yield "bias-forward", linear(0.0)  # s = v·x, d left out
    yield "bias-forward", net(bias=False)  # z = Wᵀx, c left out
    yield "relu-forward", net(relu=False)  # the net is linear: it fails on one point
    flipped = net(flip=True)
    yield "sign-forward", {"f": flipped["f"]}  # at P4, w1·h1 with the wrong sign


def random_circuit(problem: Problem) -> Iterator[tuple[str, Attempt]]:
    """The circuit's shape is drawn at random, so these learners read it from the gate table
    and backpropagate by hand over it, with one rule broken at one place."""
    gates = problem.gates
    values = [row.value for row in gates]
    constant = {r.index for r in gates if not r.inputs and r.name == fmt(r.value)}

    def local(row: GateRow, k: int) -> float:
        a = [values[i] for i in row.inputs]
        if row.op == "*":
            return a[1 - k]
        if row.op == "max":
            return float(a[k] > a[1 - k])
        if row.op == "relu":
            return float(a[0] > 0)
        return 1.0

    def backprop(rule: Callable[[GateRow, int, float], float] | None = None) -> Attempt:
        grads = [0.0] * len(gates)
        grads[-1] = 1.0
        for row in reversed(gates):
            for k, child in enumerate(row.inputs):
                sent = local(row, k) * grads[row.index]
                grads[child] += sent if rule is None else rule(row, k, grads[row.index])
        by_name = {row.name: grads[row.index] for row in gates}
        return {q.name: by_name[q.node] for q in problem.quantities if q.kind == "gradient"}

    def at(gate: GateRow, wrong: Callable[[GateRow, int, float], float]) -> Attempt:
        return backprop(lambda r, k, up: wrong(r, k, up) if r is gate else local(r, k) * up)

    def every(op: str, wrong: Callable[[GateRow, int, float], float]) -> Attempt:
        return backprop(lambda r, k, up: wrong(r, k, up) if r.op == op else local(r, k) * up)

    key = backprop()
    for row in gates:
        if not row.inputs:
            continue
        if row.index != len(gates) - 1:  # at the output the upstream is 1: nothing to forget
            yield "forgot-upstream", at(row, lambda r, k, up: local(r, k))
        if row.op == "*" and not constant & set(row.inputs):
            yield "mul-swap", at(row, lambda r, k, up: values[r.inputs[k]] * up)
        if row.op == "max":
            yield "max-routing", at(row, lambda r, k, up: (1 - local(r, k)) * up)
            yield "max-routing", at(row, lambda r, k, up: up / 2)
        if row.op == "relu" and values[row.inputs[0]] < 0:
            yield "dead-relu", at(row, lambda r, k, up: up)
            yield "relu-forward", {"f": _forward(gates, {row.index: values[row.inputs[0]]})}
        if row.op == "+":
            yield "add-halved", at(row, lambda r, k, up: up / 2)
    yield "add-halved", every("+", lambda r, k, up: up / 2)
    users: dict[int, list[GateRow]] = {}
    for row in gates:
        for child in row.inputs:
            users.setdefault(child, []).append(row)
    for leaf, fed in users.items():
        if len(fed) > 1 and leaf not in constant:
            kept = fed[0]
            yield (
                "fork-sum",
                backprop(
                    lambda r, k, up, leaf=leaf, kept=kept: (
                        0.0 if r.inputs[k] == leaf and r is not kept else local(r, k) * up
                    )
                ),
            )
    for name, value in key.items():
        if value != 0:
            yield "sign", {name: -value}
    for row in gates[:-1]:
        if row.inputs and values[row.index] != 0:
            yield "sign-forward", {"f": _forward(gates, {row.index: -values[row.index]})}


def _forward(gates: tuple[GateRow, ...], forced: dict[int, float]) -> float:
    """f with some gates' values forced (a learner's slip there), the rest recomputed."""
    values: list[float] = []
    ops: dict[str, Callable[[list[float]], float]] = {
        "+": lambda a: a[0] + a[1],
        "*": lambda a: a[0] * a[1],
        "max": max,
        "relu": lambda a: max(0.0, a[0]),
    }
    for row in gates:
        value = ops[row.op]([values[i] for i in row.inputs]) if row.inputs else row.value
        values.append(forced.get(row.index, value))
    return values[-1]


# families whose circuit is drawn at random: their learners read the problem, not the givens
PROBLEM_LEARNERS: dict[str, Callable[[Problem], Iterator[tuple[str, Attempt]]]] = {
    "random-circuit": random_circuit,
}

LEARNERS: dict[str, Learners] = {
    "add-mul": add_mul,
    "gate-patterns": gate_patterns,
    "sigmoid-neuron": sigmoid,
    "linear-collapse": collapse,
    "two-layer-net": two_layer,
    "param-count": param_count,
    "training-step": training_step,
    "xor-net": xor_net,
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


def main(per_level: int, only: list[str]) -> None:
    rng = random.Random(20261203)
    total: Counter[str] = Counter()
    print(
        f"{'family':16} {'attempts':>8} {'exact':>7} {'ambig.':>7} {'wrong':>7} "
        f"{'nothing':>7} {'undet.':>7} {'spurious':>9}"
    )
    for family in [*LEARNERS, *PROBLEM_LEARNERS]:
        if only and family not in only:
            continue
        counts: Counter[str] = Counter()
        for level in (1, 2, 3):
            for _ in range(per_level):
                problem = get_family(family).generate(rng, level)
                givens = {n: v for n, v in problem.givens}
                right = key(problem)
                made = (
                    PROBLEM_LEARNERS[family](problem)
                    if family in PROBLEM_LEARNERS
                    else LEARNERS[family](givens)  # type: ignore[arg-type]
                )
                for code, attempt in made:
                    typed_attempt = {n: typed(v) for n, v in attempt.items() if n in right}
                    if all(
                        math.isclose(float(typed_attempt[n]), float(right[n]), abs_tol=1e-9)
                        for n in typed_attempt
                        if ";" not in right[n]
                    ) and not any(";" in right[n] for n in typed_attempt):
                        continue  # this slip changes nothing the problem asks
                    result = grade(problem, right | typed_attempt)
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
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400, sys.argv[2:])
