"""A process killed with SIGKILL in the middle of a stream of submits loses nothing committed.

A child process streams next_item + submit against a SQLite file and prints each
attempt id once its submit has committed; the test kills it mid-stream (three
times, each run continuing on the same file) and then checks the file.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from quizzes.storage.db import Database
from quizzes.storage.models import Attempt, ItemStateRow, Review

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
COMMITS_BEFORE_KILL = 40
WATCHDOG_SECONDS = 120  # only guards against a hung child; nothing is timed

STREAMER = """
import asyncio, random, sys
from datetime import UTC, datetime, timedelta
from quizzes.leitner import LeitnerConfig, LeitnerScheduler
from quizzes.storage.db import Database
from quizzes.study import ServedItem, StudyService
from tests.storage.study_helpers import forgot_upstream_answers, right_answers

url, run = sys.argv[1], int(sys.argv[2])
submitted = 0

def clock():
    # six hours per answer, so items fall due again and boxes keep moving
    return datetime(2025, 3, 3, tzinfo=UTC) + timedelta(hours=6 * (run * 10_000 + submitted))

async def stream():
    global submitted
    scheduler = LeitnerScheduler(LeitnerConfig(new_per_day=1000))
    service = StudyService(Database(url), clock=clock, scheduler=scheduler,
                           rng=random.Random(run), max_workers=2)
    while True:
        user = 1 + submitted % 3
        item = await service.next_item(user, guild_id=7)
        if not isinstance(item, ServedItem):
            item = await service.next_item(user, practice_family="add-mul")
        right = submitted % 3 != 0
        if item.card is not None:
            answers = {"recall": "knew" if right else "missed"}
        elif item.problem.family == "add-mul" and dict(item.problem.givens)["z"] != 1:
            answers = (right_answers if right else forgot_upstream_answers)(item.problem)
        else:
            answers = right_answers(item.problem)
        result = await service.submit(user, item.attempt_id, answers)
        print("committed", result.attempt_id, flush=True)
        submitted += 1

asyncio.run(stream())
"""


def _stream_and_kill(database_url: str, run: int) -> list[int]:
    child = subprocess.Popen(
        [sys.executable, "-c", STREAMER, database_url, str(run)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(WATCHDOG_SECONDS, child.kill)
    watchdog.start()
    committed: list[int] = []
    try:
        assert child.stdout is not None
        while len(committed) < COMMITS_BEFORE_KILL:
            line = child.stdout.readline()
            if not line:
                _, errors = child.communicate()
                pytest.fail(f"the streaming child stopped early:\n{errors}")
            committed.append(int(line.split()[1]))
        child.send_signal(signal.SIGKILL)
        child.communicate()
    finally:
        watchdog.cancel()
    assert child.returncode == -signal.SIGKILL
    return committed


@pytest.mark.sqlite_only
def test_sigkill_mid_stream_leaves_a_consistent_database(
    database: Database, database_url: str
) -> None:
    if database.backend != "sqlite":
        pytest.skip("kills a process writing a SQLite file")
    committed = [a for run in range(ROUNDS) for a in _stream_and_kill(database_url, run)]
    database.close()

    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).all() == [("ok",)]
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    with database.session() as session:
        reviews = list(session.scalars(select(Review).order_by(Review.id)))
        answered = set(session.scalars(select(Attempt.id).where(Attempt.answered.is_(True))))
        states = list(session.scalars(select(ItemStateRow)))
    reviewed = {review.attempt_id for review in reviews}
    assert set(committed) <= reviewed  # every submit that reported a commit is there
    assert answered == reviewed  # a claim without its review (or the reverse) never survives
    assert states, "the stream should have moved some boxes"
    for state in states:
        _assert_state_matches_reviews(state, reviews)


def _assert_state_matches_reviews(state: ItemStateRow, reviews: list[Review]) -> None:
    own = [
        r
        for r in reviews
        if (r.user_id, r.item_id) == (state.user_id, state.item_id)
        and not r.practice
        and not r.undone
    ]
    assert own, f"state {state.user_id}/{state.item_id} has no review"
    assert state.reviews == len(own)
    assert state.correct == sum(1 for r in own if r.correct)
    assert (state.box, state.due, state.last_review) == (
        own[-1].box_after,
        own[-1].due_after,
        own[-1].reviewed_at,
    )
    for previous, following in zip(own, own[1:], strict=False):
        assert following.box_before == previous.box_after
