"""Circuit diagrams: the Pillow renderer against the matplotlib one it replaced, on the same
problems in the same run.

    nice -n 10 .venv/bin/python bench/diagrams.py [problems per family, default 50]

Per circuit family, over problems of seeds 0.. and levels 1-3 (each renderer warmed up
first): median and p99 render time in ms and the median PNG size in KB, for the new
renderer (quizzes/diagram.py) and the old (bench/mpl_diagram.py), and the speed ratio of the
medians.  Goals (issue 14): median <= 5 ms, >= 10x faster, <= 40 KB.  Figures only, no
asserts on time.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import mpl_diagram  # noqa: E402

from quizzes.autograd import GateRow  # noqa: E402
from quizzes.diagram import render_circuit  # noqa: E402
from quizzes.problems import FAMILIES  # noqa: E402
from quizzes.problems.base import Problem  # noqa: E402

Renderer = Callable[[Sequence[GateRow], str], bytes]


def problems(family_id: str, count: int) -> list[Problem]:
    return [FAMILIES[family_id].build(seed, 1 + seed % 3) for seed in range(count)]


def measure(render: Renderer, batch: list[Problem]) -> tuple[float, float, float]:
    """Median ms, p99 ms, median KB."""
    render(batch[0].gates, batch[0].title)  # imports, fonts
    times, sizes = [], []
    for problem in batch:
        start = time.perf_counter()
        png = render(problem.gates, problem.title)
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(len(png) / 1000)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return statistics.median(times), p99, statistics.median(sizes)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    families = sorted(f for f in FAMILIES if FAMILIES[f].build(1, 1).gates)
    print(f"{count} problems per family (seeds 0-{count - 1}, levels 1-3)")
    header = (
        f"{'family':<16}{'new ms':>8}{'p99':>7}{'KB':>7}   {'old ms':>8}{'p99':>7}{'KB':>7}"
        f"{'speed-up':>10}"
    )
    print(header)
    print("-" * len(header))
    for family_id in families:
        batch = problems(family_id, count)
        new = measure(render_circuit, batch)
        old = measure(mpl_diagram.render_circuit, batch)
        print(
            f"{family_id:<16}{new[0]:>8.2f}{new[1]:>7.2f}{new[2]:>7.1f}   "
            f"{old[0]:>8.1f}{old[1]:>7.1f}{old[2]:>7.1f}{old[0] / new[0]:>9.0f}x"
        )


if __name__ == "__main__":
    main()
