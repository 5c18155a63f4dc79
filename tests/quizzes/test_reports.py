"""The instructor's files: the learner × item CSV and the PNG charts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib.image
import pytest

from quizzes.instructor.charts import MAX_MISTAKE_BARS, class_chart_png, learner_chart_png
from quizzes.instructor.reports import CSV_COLUMNS, SKILL_COLUMNS, learner_item_csv
from quizzes.study import (
    ClassStats,
    ItemAccuracy,
    LearnerItemRow,
    LearnerStats,
    OverdueLearner,
    Progress,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SINCE = datetime(2025, 3, 1, tzinfo=UTC)
MONDAY = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)


def row(user_id: int, item_id: str, attempts: int, correct: int, box: int = 1) -> LearnerItemRow:
    reviewed = MONDAY if attempts else None
    due = MONDAY + timedelta(days=box) if attempts else None
    return LearnerItemRow(user_id, item_id, attempts, correct, box, due, reviewed)


def class_stats(
    *, mistakes: list[tuple[str, int]] | None = None, days: int = 14, rows: int = 3
) -> ClassStats:
    return ClassStats(
        guild_id=7,
        since=SINCE,
        enrolled=3,
        active=2,
        reviews_per_day=[(SINCE.date() + timedelta(days=n), n % 4) for n in range(days)],
        hardest_items=[ItemAccuracy("add-mul", 4, 1), ItemAccuracy("chain-rule", 2, 2)],
        diagnosis_counts=mistakes if mistakes is not None else [("mul-swap", 3), ("sign", 1)],
        boxes={1: 4, 2: 1, 3: 0, 4: 0, 5: 2},
        overdue_learners=[OverdueLearner(11, 2, SINCE)],
        rows=[row(11, f"item-{n}", n, n // 2, box=1 + n % 5) for n in range(rows)],
    )


def learner_stats(mistakes: list[tuple[str, int]]) -> LearnerStats:
    progress = Progress(
        user_id=11,
        timezone="Europe/Paris",
        boxes={1: 2, 2: 1, 3: 0, 4: 0, 5: 0},
        due_now=1,
        due_today=2,
        due_tomorrow=0,
        due_this_week=3,
        streak_days=2,
        reviews=5,
        correct=3,
        accuracy=0.6,
        accuracy_by_family={"add-mul": 0.5},
        next_due=MONDAY,
    )
    items = [row(11, "add-mul", 4, 2), row(11, "chain-rule", 1, 1, box=2)]
    return LearnerStats(7, 11, True, progress, items, mistakes, MONDAY)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def decoded(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    height, width = pixels.shape[:2]
    return width, height


# ---- CSV ---------------------------------------------------------------------------
def test_csv_has_one_line_per_learner_and_item_with_the_rows_figures() -> None:
    rows = [row(22, "b", 3, 1, box=2), row(11, "z", 4, 4, box=5), row(11, "a", 2, 0)]

    lines = read_csv(learner_item_csv(rows))

    assert [(line["user_id"], line["item_id"]) for line in lines] == [
        ("11", "a"),
        ("11", "z"),
        ("22", "b"),
    ]
    assert {k: v for k, v in lines[2].items() if not k.startswith("skill_")} == {
        "user_id": "22",
        "item_id": "b",
        "attempts": "3",
        "correct": "1",
        "accuracy": "0.3333",
        "box": "2",
        "due": "2025-03-05T09:30:00+00:00",
        "last_review": "2025-03-03T09:30:00+00:00",
    }
    assert lines[1]["accuracy"] == "1.0000" and lines[0]["accuracy"] == "0.0000"


def test_csv_header_only_without_rows_and_blank_accuracy_before_any_attempt() -> None:
    assert learner_item_csv([]) == ",".join((*CSV_COLUMNS, *SKILL_COLUMNS)) + "\n"
    [line] = read_csv(learner_item_csv([row(5, "new-card", 0, 0)]))
    assert line["accuracy"] == "" and line["due"] == "" and line["last_review"] == ""


def test_csv_carries_each_learners_skills_on_their_lines() -> None:
    rows = [row(11, "a", 1, 1), row(11, "b", 1, 0), row(22, "a", 1, 1)]
    lines = read_csv(learner_item_csv(rows, {11: {"mul": 0.8125, "fork": 0.2}}))
    assert [line["skill_mul"] for line in lines] == ["0.8125", "0.8125", ""]
    assert lines[0]["skill_fork"] == "0.2000" and lines[0]["skill_max"] == ""


def test_csv_quotes_awkward_text_so_it_reads_back_unchanged() -> None:
    awkward = 'comma, "quote"\nnewline'
    [line] = read_csv(learner_item_csv([row(5, awkward, 1, 1)]))
    assert line["item_id"] == awkward


def test_csv_times_are_utc_whatever_zone_the_row_carries() -> None:
    paris = MONDAY.astimezone(ZoneInfo("Europe/Paris"))
    [line] = read_csv(learner_item_csv([LearnerItemRow(1, "x", 1, 1, 1, None, paris)]))
    assert line["last_review"] == "2025-03-03T09:30:00+00:00"


# ---- charts ------------------------------------------------------------------------
def test_class_chart_is_a_png_that_decodes_at_its_stated_size() -> None:
    png = class_chart_png(class_stats())
    assert decoded(png) == (800, 1000)


@pytest.mark.parametrize(
    "mistakes",
    [
        [],
        [(f"code-{n}", 100 - n) for n in range(MAX_MISTAKE_BARS + 5)],
        [("forgot-upstream", 10_000)],
    ],
    ids=["no-mistakes", "more-codes-than-bars", "one-huge-count"],
)
def test_class_chart_draws_any_number_of_mistake_codes(mistakes: list[tuple[str, int]]) -> None:
    assert decoded(class_chart_png(class_stats(mistakes=mistakes))) == (800, 1000)


def test_class_chart_draws_a_class_without_reviews() -> None:
    quiet = class_stats(mistakes=[], rows=0)
    quiet.reviews_per_day = [(date(2025, 3, 1) + timedelta(days=n), 0) for n in range(14)]
    quiet.boxes = dict.fromkeys(range(1, 6), 0)
    assert decoded(class_chart_png(quiet)) == (800, 1000)


def test_learner_chart_is_a_png_that_decodes() -> None:
    assert decoded(learner_chart_png(learner_stats([("sign", 2)]))) == (800, 700)
    assert decoded(learner_chart_png(learner_stats([]))) == (800, 700)


def test_same_statistics_draw_the_same_chart() -> None:
    assert class_chart_png(class_stats()) == class_chart_png(class_stats())


def test_chart_differs_when_the_figures_differ() -> None:
    busier = class_stats()
    busier.reviews_per_day = [(day, count + 5) for day, count in busier.reviews_per_day]
    assert class_chart_png(busier) != class_chart_png(class_stats())
