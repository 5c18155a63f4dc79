"""Fixtures of the storage-backed service tests."""

from __future__ import annotations

import pytest

from tests.storage.study_helpers import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    """The services' clock, at study_helpers.START until a test moves it."""
    return FixedClock()
