"""Zone names as learners type them: one parser for /timezone, /remind and the terminal."""

from __future__ import annotations

import pytest

from quizzes.problems.base import QuizError
from quizzes.timezones import UnknownTimezone, learner_zone, matching_zones, parse_zone


def test_zones_are_iana_names_found_by_city_or_prefix() -> None:
    assert parse_zone("europe/paris").key == "Europe/Paris"
    assert parse_zone("  America/New_York ").key == "America/New_York"
    assert "Europe/Paris" in matching_zones("paris")
    assert matching_zones("America/New")[0] == "America/New_York"
    assert len(matching_zones("")) == 25


@pytest.mark.parametrize("nonsense", ["Mars/Olympus", "../etc/passwd", "", "Paris"])
def test_anything_else_is_refused_with_an_example_a_learner_can_read(nonsense: str) -> None:
    with pytest.raises(UnknownTimezone, match="not a time zone I know.*Europe/Paris") as refused:
        parse_zone(nonsense)
    assert isinstance(refused.value, QuizError)


def test_a_stored_zone_that_no_longer_exists_reads_as_utc() -> None:
    assert learner_zone("Mars/Olympus").key == "UTC"
    assert learner_zone(None).key == "UTC"
    assert learner_zone("Asia/Tokyo").key == "Asia/Tokyo"
