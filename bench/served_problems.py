"""What keeping the problems served lately saves (quizzes.study.context.ServedProblems).

    .venv/bin/python bench/served_problems.py [problems per family, default 30]

Per family: a learner is served a practice problem, answers it wrong (every number off
by 100, so the diagnosis runs), answers again (a replay: Discord retried the form) and
starts the walk through it, if it has one.  Each step of that after the serving used to
draw the problem again from its seed, generator and distinguishability check included;
now they find the one served.  Printed: the median milliseconds of those steps together
with the problems kept against with none kept (a ServedProblems of size 0), both in the
same run, interleaved, on a fresh SQLite file each, and their ratio.  Figures only.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizzes.problems import FAMILIES  # noqa: E402
from quizzes.storage.db import Database  # noqa: E402
from quizzes.study import answering, serving, tutoring  # noqa: E402
from quizzes.study.context import ServedProblems, StudyContext  # noqa: E402
from quizzes.study.results import NoWalk, ServedItem  # noqa: E402
from tests.e2e.chainrule import SteppingClock, make_service  # noqa: E402
from tests.storage.study_helpers import wrong_answers  # noqa: E402

LEARNER = 4242


def after_serving(context: StudyContext, family: str) -> float:
    """Milliseconds of submit, replay and start_walk for one freshly served problem."""
    served = serving.next_item(context, LEARNER, None, None, family)
    assert isinstance(served, ServedItem) and served.problem is not None
    answers = wrong_answers(served.problem)
    started = time.perf_counter()
    answering.submit(context, LEARNER, served.attempt_id, answers, None)
    answering.submit(context, LEARNER, served.attempt_id, answers, None)
    try:
        tutoring.start_walk(context, LEARNER, served.attempt_id)
    except NoWalk:
        pass
    return (time.perf_counter() - started) * 1000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(f"{count} problems per family: submit + replay + start_walk, median ms")
    print(f"{'family':18s} {'kept':>8s} {'none kept':>10s} {'ratio':>7s}")
    for family in sorted(FAMILIES):
        times: dict[bool, list[float]] = {True: [], False: []}
        with tempfile.TemporaryDirectory() as directory:
            contexts = {}
            for keep in (True, False):
                database = Database(f"sqlite:///{Path(directory) / f'{keep}.db'}")
                database.upgrade_to_head()
                service = make_service(database, SteppingClock())
                service.context.rng = random.Random(11)  # the same problems both ways
                if not keep:
                    service.context.served = ServedProblems(size=0)
                contexts[keep] = service.context
            for _ in range(count):
                for keep in (True, False):
                    times[keep].append(after_serving(contexts[keep], family))
            for context in contexts.values():
                context.database.close()
        kept, none = statistics.median(times[True]), statistics.median(times[False])
        print(f"{family:18s} {kept:8.2f} {none:10.2f} {none / kept:6.1f}x")


if __name__ == "__main__":
    main()
