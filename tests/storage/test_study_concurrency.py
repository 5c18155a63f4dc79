"""Racing submits: one attempt is recorded once; different attempts lose no update."""

from __future__ import annotations

import asyncio
import random
import threading

from quizzes.storage.db import Database
from quizzes.storage.models import Attempt, Review
from quizzes.study import ServedItem, StudyService, SubmitResult
from quizzes.study.service import DEFAULT_WORKERS
from tests.storage.study_helpers import (
    FixedClock,
    count,
    reviews_of,
    right_answers,
    small_deck,
    state_row,
)

ALICE = 101
RACERS = 20


def racing_service(database: Database, clock: FixedClock) -> StudyService:
    # one worker thread (and connection) per racer, so the submits really overlap
    return StudyService(
        database, clock=clock, rng=random.Random(5), deck=small_deck(), max_workers=RACERS
    )


async def test_twenty_concurrent_submits_of_one_attempt_record_one_review(
    database: Database,
) -> None:
    service = racing_service(database, FixedClock())
    session = await service.start_session(ALICE)
    session.queue = ["add-mul"]
    item = await service.next_item(ALICE, session=session)
    assert isinstance(item, ServedItem) and item.problem is not None
    answers = right_answers(item.problem)
    results = await asyncio.gather(
        *(service.submit(ALICE, item.attempt_id, answers) for _ in range(RACERS))
    )
    await service.close()

    assert sum(not result.replayed for result in results) == 1
    first = next(result for result in results if not result.replayed)
    assert all(_same_outcome(result, first) for result in results)
    assert count(database, Review) == 1
    state = state_row(database, ALICE, "add-mul")
    assert state is not None and (state["reviews"], state["box"]) == (1, 2)


def _same_outcome(result: SubmitResult, first: SubmitResult) -> bool:
    return (result.correct, result.box_after, result.next_due, result.grade) == (
        first.correct,
        first.box_after,
        first.next_due,
        first.grade,
    )


async def test_concurrent_submits_of_different_attempts_lose_no_update(
    database: Database,
) -> None:
    service = racing_service(database, FixedClock())
    # without a session, next_item serves the same (new, then due) item again and again
    items = []
    for _ in range(RACERS):
        item = await service.next_item(ALICE)
        assert isinstance(item, ServedItem)
        items.append(item)
    assert len({item.item_id for item in items}) == 1
    card_id = items[0].item_id
    outcomes = ["knew" if n % 4 else "missed" for n in range(RACERS)]
    results = await asyncio.gather(
        *(
            service.submit(ALICE, item.attempt_id, {"recall": outcome})
            for item, outcome in zip(items, outcomes, strict=True)
        )
    )
    await service.close()

    assert not any(result.replayed for result in results)
    assert count(database, Review, user_id=ALICE) == RACERS
    assert count(database, Attempt, answered=True) == RACERS
    state = state_row(database, ALICE, card_id)
    assert state is not None
    assert state["reviews"] == RACERS
    assert state["correct"] == outcomes.count("knew")
    assert state["lapses"] == outcomes.count("missed")
    # each submit saw the state the one before it committed: in insertion order (the item
    # state's lock order) the reviews form one unbroken chain
    chain = reviews_of(database, ALICE)
    assert [review.state_before["reviews"] for review in chain if review.state_before] == list(
        range(RACERS)
    )
    for previous, following in zip(chain, chain[1:], strict=False):
        assert following.box_before == previous.box_after
    assert chain[-1].box_after == state["box"]


async def test_database_work_runs_on_as_many_threads_as_the_backend_is_given(
    database: Database,
) -> None:
    """Two at once on SQLite (one writer: more threads only contend for the GIL the event
    loop needs), four on PostgreSQL (each waits on the network, GIL released)."""
    service = StudyService(database, clock=FixedClock(), deck=small_deck())
    expected = DEFAULT_WORKERS[database.backend]
    release, running, most = threading.Event(), [0], [0]
    lock = threading.Lock()

    def occupy(_context: object) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(timeout=10)
        with lock:
            running[0] -= 1

    try:
        calls = [asyncio.ensure_future(service._run(occupy)) for _ in range(expected + 3)]
        for _ in range(200):
            if most[0] >= expected:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # room for a thread too many to start, if there were one
        assert most[0] == expected
    finally:
        release.set()
    await asyncio.gather(*calls)
    await service.close()
