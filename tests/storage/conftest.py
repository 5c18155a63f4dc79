"""Fixtures of the storage-backed service tests."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from quizzes.storage.db import Database
from quizzes.study import StudyService
from tests.storage.study_helpers import FixedClock, small_deck


@pytest.fixture
def clock() -> FixedClock:
    """The services' clock, at study_helpers.START until a test moves it."""
    return FixedClock()


@pytest.fixture
async def service(database: Database, clock: FixedClock) -> AsyncIterator[StudyService]:
    """A study service over two cards and the add-mul family, with a seeded rng."""
    study = StudyService(database, clock=clock, rng=random.Random(7), deck=small_deck())
    yield study
    await study.close()
