"""What /review does first, for each of a class's learners at once: start_session and the
session's first next_item (as before) against start_review (one transaction), in the same
run, on a fresh SQLite file per trial.

    .venv/bin/python bench/review_start.py [learners per trial, default 200] [trials, default 8]

Prints the transactions each way opens per learner, then per trial the mean time per
learner of both ways (interleaved, so a busy machine slows both alike), and the minimum
and median over trials with their ratio.  Figures only, no asserts on time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizzes.storage.db import Database  # noqa: E402
from quizzes.study import serving  # noqa: E402
from quizzes.study.context import StudyContext  # noqa: E402
from tests.e2e.chainrule import SteppingClock, make_service  # noqa: E402

GUILD = 77
FIRST_USER = 1000


def two_steps(context: StudyContext, user_id: int) -> None:
    session = serving.start_session(context, user_id, GUILD)
    serving.next_item(context, user_id, GUILD, session, None)


def one_step(context: StudyContext, user_id: int) -> None:
    serving.start_review(context, user_id, GUILD)


def trial(way: Callable[[StudyContext, int], None], learners: int) -> tuple[float, float]:
    """(ms per learner, transactions per learner) for ``learners`` new learners."""
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{Path(directory) / 'bench.db'}")
        database.upgrade_to_head()
        service = make_service(database, SteppingClock())
        begun = [0]
        event.listen(
            database.engine, "begin", lambda _connection: begun.__setitem__(0, begun[0] + 1)
        )
        started = time.perf_counter()
        for user_id in range(FIRST_USER, FIRST_USER + learners):
            way(service.context, user_id)
        seconds = time.perf_counter() - started
        database.close()
        return seconds / learners * 1000, begun[0] / learners


def main() -> None:
    learners = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    old, new = [], []
    for number in range(trials):
        (old_ms, old_tx), (new_ms, new_tx) = trial(two_steps, learners), trial(one_step, learners)
        old.append(old_ms)
        new.append(new_ms)
        if number == 0:
            print(f"transactions per learner: two steps {old_tx:.0f}, start_review {new_tx:.0f}")
        print(f"trial {number + 1}: two steps {old_ms:.2f} ms, start_review {new_ms:.2f} ms")
    for name, pick in (("min", min), ("median", statistics.median)):
        print(
            f"{name:6}  two steps {pick(old):.2f} ms, start_review {pick(new):.2f} ms, "
            f"ratio {pick(old) / pick(new):.2f}x  ({learners} learners per trial)"
        )


if __name__ == "__main__":
    main()
