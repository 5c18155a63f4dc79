"""Print the quiz engine's throughput and our autograd's speed against micrograd's.

Run with ``.venv/bin/python bench/engine.py`` (``--quick`` for a short run).  Figures only:
nothing here asserts a time, since timings depend on the machine and its load.

(a) problems generated and graded per second, for every family;
(b) our engine vs the ``micrograd`` package (PyPI, a bench-only dependency) building and
    back-propagating identical random expression graphs, as a ratio (ours / micrograd;
    <= 1.0 means ours is no slower);
(c) a 100,000-op chain: ours back-propagates it, micrograd's recursive sort cannot.
"""

from __future__ import annotations

import argparse
import gc
import operator
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizzes.autograd import Value  # noqa: E402
from quizzes.grading import grade  # noqa: E402
from quizzes.problems import FAMILIES  # noqa: E402
from quizzes.problems.base import Expected, Problem  # noqa: E402

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # the bench extra is not installed
    MicroValue = None

# One op of a random graph: (op name, index of first operand, index of second or a constant).
Op = tuple[str, int, float]
Program = tuple[list[float], list[Op]]  # the leaves' values, then the ops


def answer_text(expected: Expected) -> str:
    """The key written as a learner would type it."""
    if isinstance(expected, str):
        return expected
    if isinstance(expected, float | int):  # an int is a count (param-count)
        return repr(expected)
    return "[" + ", ".join("[" + ", ".join(map(repr, row)) + "]" for row in expected) + "]"


def key_answers(problem: Problem) -> dict[str, str]:
    return {q.name: answer_text(q.expected) for q in problem.quantities}


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeats`` runs, in seconds: the least disturbed by other load."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def bench_families(count: int) -> None:
    print(f"(a) problems generated and graded per second ({count} each, keys as answers)")
    for family in FAMILIES.values():
        rng = random.Random(1)
        start = time.perf_counter()
        problems = [family.generate(rng, level=1 + i % 5) for i in range(count)]
        generated = time.perf_counter() - start
        start = time.perf_counter()
        failures = sum(not grade(p, key_answers(p)).passed for p in problems)
        graded = time.perf_counter() - start
        note = f"  ({failures} keys FAILED their own grader)" if failures else ""
        print(
            f"    {family.id:<16} generate {count / generated:>9,.0f}/s"
            f"   grade {count / graded:>9,.0f}/s{note}"
        )


# Ops both engines support, applied alike to our Value and micrograd's.
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "mul": operator.mul,
    "sub": operator.sub,
    "div": operator.truediv,
    "pow": lambda x, _: x**2,
    "relu": lambda x, _: x.relu(),
    "neg": lambda x, _: -x,
    "addc": operator.add,
    "mulc": operator.mul,
}
BINARY_OPS = frozenset({"add", "mul", "sub", "div"})
ALL_OPS = tuple(OPS)
# Ops that make exactly one node in both engines (micrograd builds - and / from extra nodes).
ONE_NODE_OPS = ("add", "mul", "relu")


def _well_defined(op: str, x: float, y: float) -> bool:
    """Keep away from division by ~0, overflow and relu's kink."""
    return not (
        (op == "div" and abs(y) < 0.1) or (op == "pow" and abs(x) > 30) or (op == "relu" and x == 0)
    )


def random_program(
    rng: random.Random, size: int, leaves: int, ops: Sequence[str] = ALL_OPS
) -> Program:
    """A random expression graph with bounded values.

    Values are tracked while drawing, so no op overflows; operands are drawn mostly
    from recent nodes, which makes the graph deep as well as wide.
    """
    values = [rng.uniform(0.5, 2.0) for _ in range(leaves)]
    program: list[Op] = []
    while len(program) < size:
        a = max(0, len(values) - 1 - int(rng.expovariate(1 / 20)))
        b = rng.randrange(len(values))
        op = rng.choice(ops)
        arg = float(b) if op in BINARY_OPS else rng.choice((0.5, 1.5, 2.0, -0.75))
        operand = values[b] if op in BINARY_OPS else arg
        if not _well_defined(op, values[a], operand):
            continue
        value = OPS[op](Value(values[a]), operand).data
        if abs(value) <= 1e3:
            values.append(value)
            program.append((op, a, arg))
    return values[:leaves], program


def run_program(value_type: Any, program: Program) -> Any:
    """Build the graph with ``value_type`` (ours or micrograd's), back-propagate, return it."""
    leaves, ops = program
    nodes = [value_type(leaf) for leaf in leaves]
    for op, a, arg in ops:
        nodes.append(OPS[op](nodes[a], nodes[int(arg)] if op in BINARY_OPS else arg))
    total = nodes[-1]
    for node in nodes[-50:-1]:
        total = total + node
    total.backward()
    return nodes


def bench_against_micrograd(size: int, graphs: int, repeats: int, ops: Sequence[str]) -> None:
    print(f"(b) build + backward of {graphs} random graphs of {size} ops, best of {repeats}")
    print(f"    ops: {', '.join(ops)}")
    if MicroValue is None:
        print("    micrograd is not installed: pip install -e '.[bench]'")
        return
    rng = random.Random(4)
    programs = [random_program(rng, size, leaves=20, ops=ops) for _ in range(graphs)]
    for program in programs:  # same graphs, same gradients: the comparison is fair
        ours, theirs = run_program(Value, program), run_program(MicroValue, program)
        assert all(
            abs(o.grad - t.grad) <= 1e-6 * max(1.0, abs(t.grad))
            for o, t in zip(ours, theirs, strict=True)
        )
    # micrograd's backward closures make reference cycles, so its garbage waits for the
    # cyclic collector; ours is freed at once.  Timing with the collector paused too shows
    # how much of the gap is that, and how much is the engines' own work.
    for collector in ("on", "paused"):
        timings = {
            name: timed(repeats, collector == "paused", value_type, programs)
            for name, value_type in (("ours", Value), ("micrograd", MicroValue))
        }
        print(
            f"    gc {collector:<6}  ours {timings['ours'] * 1000:7.1f} ms"
            f"   micrograd {timings['micrograd'] * 1000:7.1f} ms"
            f"   ratio ours/micrograd = {timings['ours'] / timings['micrograd']:.2f}"
        )


def timed(repeats: int, pause_gc: bool, value_type: Any, programs: Sequence[Program]) -> float:
    gc.collect()
    if pause_gc:
        gc.disable()
    try:
        return best_of(repeats, lambda: [run_program(value_type, p) for p in programs])
    finally:
        gc.enable()


def chain(value_type: Any, length: int) -> Any:
    x = value_type(0.5)
    y = x
    for i in range(length):
        y = y + 0.001 if i % 2 else y.relu()
    y.backward()
    return x


def bench_chain(length: int) -> None:
    print(f"(c) a {length:,}-op chain (relu, + constant, alternating)")
    start = time.perf_counter()
    x = chain(Value, length)
    print(f"    ours: dy/dx = {x.grad:g} in {time.perf_counter() - start:.2f} s")
    if MicroValue is None:
        return
    try:
        chain(MicroValue, length)
    except RecursionError as error:
        print(f"    micrograd: RecursionError ({error})")
    else:
        print("    micrograd: finished (unexpectedly)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run, for smoke tests")
    quick = parser.parse_args(argv).quick
    bench_families(50 if quick else 1000)
    for ops in (ALL_OPS, ONE_NODE_OPS):
        bench_against_micrograd(
            size=1000, graphs=5 if quick else 20, repeats=2 if quick else 7, ops=ops
        )
    bench_chain(100_000)


if __name__ == "__main__":
    main()
