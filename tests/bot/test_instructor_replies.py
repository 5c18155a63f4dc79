"""/stats, /config and /export replies: within Discord's limits however big the class."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import limits
from bot.cogs.config import config_embed
from bot.cogs.privacy import export_file, stores_nothing
from bot.cogs.stats import class_embed, learner_embed, overdue_text, per_day_text
from quizzes.instructor import ClassReport, GuildConfig
from quizzes.study import (
    ClassStats,
    ItemAccuracy,
    LearnerItemRow,
    LearnerStats,
    OverdueLearner,
    Progress,
)
from tests.bot.oversized import assert_within_limits

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
SINCE = datetime(2025, 3, 1, tzinfo=UTC)
LONG_ID = "x" * 64  # the longest item id the database stores


def huge_class() -> ClassReport:
    learners = 10_000
    stats = ClassStats(
        guild_id=1,
        since=SINCE,
        enrolled=learners,
        active=learners,
        reviews_per_day=[(SINCE.date() + timedelta(days=n), 10**6 * n) for n in range(14)],
        hardest_items=[ItemAccuracy(f"{LONG_ID}{n}", 10**6, n) for n in range(200)],
        diagnosis_counts=[(f"{LONG_ID}-{n}", 10**6 - n) for n in range(100)],
        boxes={box: 10**7 for box in range(1, 6)},
        overdue_learners=[
            OverdueLearner(10**18 + n, 38, SINCE - timedelta(days=n)) for n in range(learners)
        ],
    )
    return ClassReport(stats, learners, 7, NOW)


def progress(reviews: int) -> Progress:
    return Progress(
        user_id=10**18,
        timezone="America/Argentina/ComodRivadavia",
        boxes={box: 10**5 for box in range(1, 6)},
        due_now=10**5,
        due_today=10**5,
        due_tomorrow=0,
        due_this_week=10**5,
        streak_days=3650,
        reviews=reviews,
        correct=reviews // 2,
        accuracy=0.5 if reviews else None,
        accuracy_by_family={},
        next_due=NOW,
    )


def test_the_class_embed_of_a_huge_class_fits() -> None:
    embed = class_embed(huge_class())
    assert_within_limits(limits.fit_embed(embed))
    assert "10000" in (embed.description or "")


def test_an_empty_class_says_so_instead_of_showing_empty_fields() -> None:
    stats = ClassStats(1, SINCE, 0, 0, [], [], [], dict.fromkeys(range(1, 6), 0), [])
    embed = class_embed(ClassReport(stats, 0, 7, NOW))
    assert_within_limits(embed)
    values = [field.value for field in embed.fields]
    assert "no reviews yet" in values and "none diagnosed" in values


def test_the_learner_embed_of_a_very_busy_learner_fits() -> None:
    items = [LearnerItemRow(10**18, f"{LONG_ID}{n}", 10**6, n, 1, NOW, NOW) for n in range(500)]
    mistakes = [(f"{LONG_ID}-{n}", n) for n in range(100)]
    stats = LearnerStats(1, 10**18, True, progress(10**7), items, mistakes, NOW)
    assert_within_limits(learner_embed(stats))


def test_per_day_bars_scale_to_the_busiest_day() -> None:
    text = per_day_text([(SINCE.date(), 0), (SINCE.date() + timedelta(days=1), 8)])
    lines = text.strip("`\n").splitlines()
    assert lines[0].startswith("03-01") and "█" not in lines[0] and lines[0].endswith(" 0")
    assert lines[1].count("█") == 16 and lines[1].endswith(" 8")


def test_overdue_learners_beyond_the_first_ten_are_counted_not_listed() -> None:
    overdue = [OverdueLearner(n, 1, SINCE) for n in range(12)]
    text = overdue_text(overdue)
    assert text.count("<@") == 10 and "2 more" in text


@pytest.mark.parametrize(
    "config",
    [GuildConfig(1), GuildConfig(1, 10**18, 10**18, "23:59")],
    ids=["nothing-set", "everything-set"],
)
def test_config_embed_names_every_setting(config: GuildConfig) -> None:
    embed = config_embed(config)
    assert_within_limits(embed)
    assert [field.name for field in embed.fields] == [
        "Instructor role",
        "Reminder channel",
        "Default reminder time",
    ]


def test_an_export_that_would_not_fit_is_gzipped_and_reads_back() -> None:
    exported = {"user_id": 5, "learner": {"user_id": 5}, "reviews": [{"n": n} for n in range(500)]}

    small = export_file(5, exported, size_limit=10 * 1024 * 1024)
    assert small.filename == "chainrule-export-5.json"
    assert json.loads(small.fp.read()) == exported

    big = export_file(5, exported, size_limit=1_000)
    assert big.filename == "chainrule-export-5.json.gz"
    assert json.loads(gzip.decompress(big.fp.read())) == exported


def test_nothing_stored_means_no_learner_row_and_no_rows_anywhere() -> None:
    assert stores_nothing({"user_id": 5, "learner": None, "reviews": [], "attempts": []})
    assert not stores_nothing({"user_id": 5, "learner": None, "reviews": [{"id": 1}]})
    assert not stores_nothing({"user_id": 5, "learner": {"user_id": 5}, "reviews": []})
