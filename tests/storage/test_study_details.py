"""Study service details: multi-page and multiple-choice answers, daily caps, threads."""

from __future__ import annotations

import random
import threading
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from quizzes.grading import AnswerParseError
from quizzes.leitner import LeitnerConfig, LeitnerScheduler
from quizzes.storage.db import Database
from quizzes.storage.models import Review
from quizzes.study import NothingDue, ServedItem, StudyService
from tests.storage.study_helpers import (
    START,
    FixedClock,
    count,
    reviews_of,
    right_answers,
    small_deck,
    state_row,
)

ALICE = 101


@pytest.fixture
async def service(database: Database, clock: FixedClock) -> AsyncIterator[StudyService]:
    deck = small_deck(cards=1, families=("sigmoid-neuron", "relu-role"))
    study = StudyService(database, clock=clock, rng=random.Random(11), deck=deck)
    yield study
    await study.close()


async def practice(service: StudyService, family: str) -> ServedItem:
    item = await service.next_item(ALICE, practice_family=family)
    assert isinstance(item, ServedItem) and item.problem is not None
    return item


async def test_check_page_reads_only_the_page_asked(service: StudyService) -> None:
    item = await practice(service, "sigmoid-neuron")
    assert item.problem is not None and len(item.problem.pages) == 2
    first_page, second_page = item.problem.pages
    answers = right_answers(item.problem)
    only_first = {q.name: answers[q.name] for q in first_page}
    await service.check_page(ALICE, item.attempt_id, 0, only_first)
    with pytest.raises(AnswerParseError) as caught:
        await service.check_page(ALICE, item.attempt_id, 1, only_first)
    assert {error.name for error in caught.value.errors} == {q.name for q in second_page}
    result = await service.submit(ALICE, item.attempt_id, answers)
    assert result.correct


async def test_multiple_choice_is_answered_by_its_key(
    service: StudyService, database: Database
) -> None:
    right = await practice(service, "relu-role")
    wrong = await practice(service, "relu-role")
    assert right.problem is not None and wrong.problem is not None
    correct_key = next(c.key for c in right.problem.choices if c.correct)
    wrong_key = next(c.key for c in wrong.problem.choices if not c.correct)
    assert (await service.submit(ALICE, right.attempt_id, {"choice": correct_key})).correct
    assert not (await service.submit(ALICE, wrong.attempt_id, {"choice": wrong_key})).correct
    with pytest.raises(AnswerParseError):
        await service.submit(ALICE, (await practice(service, "relu-role")).attempt_id, {})
    assert count(database, Review) == 2


async def test_new_items_stop_at_the_daily_cap(database: Database, clock: FixedClock) -> None:
    scheduler = LeitnerScheduler(LeitnerConfig(new_per_day=1))
    study = StudyService(database, clock=clock, scheduler=scheduler, deck=small_deck(cards=3))
    item = await study.next_item(ALICE)
    assert isinstance(item, ServedItem)
    result = await study.submit(ALICE, item.attempt_id, {"recall": "knew"})
    nothing = await study.next_item(ALICE)
    assert isinstance(nothing, NothingDue) and nothing.next_due == result.next_due
    clock.advance(days=1)  # a new local day: one more new item
    tomorrow = await study.next_item(ALICE)
    assert isinstance(tomorrow, ServedItem) and tomorrow.item_id != item.item_id
    await study.close()


async def test_undoing_practice_changes_no_state(service: StudyService, database: Database) -> None:
    item = await practice(service, "sigmoid-neuron")
    assert item.problem is not None
    await service.submit(ALICE, item.attempt_id, right_answers(item.problem))
    undone = await service.undo_last(ALICE)
    assert (undone.item_id, undone.box, undone.reviewed_at) == ("sigmoid-neuron", 1, START)
    assert state_row(database, ALICE, "sigmoid-neuron") is None
    assert [review.undone for review in reviews_of(database, ALICE)] == [True]


async def test_work_runs_off_the_event_loop_thread(database: Database) -> None:
    threads: list[str] = []

    def clock() -> datetime:
        threads.append(threading.current_thread().name)
        return START

    study = StudyService(database, clock=clock, deck=small_deck())
    item = await study.next_item(ALICE)
    assert isinstance(item, ServedItem)
    await study.submit(ALICE, item.attempt_id, {"recall": "knew"})
    await study.progress(ALICE)
    await study.close()
    loop_thread = threading.current_thread().name
    assert threads and all(name != loop_thread for name in threads)
    assert all(name.startswith("study") for name in threads)
