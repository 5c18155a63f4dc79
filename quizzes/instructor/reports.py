"""Instructor reports as files: the learner × item CSV (the charts: :mod:`.charts`).

Pure functions of the study service's ``LearnerItemRow`` rows: no database, no Discord.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from quizzes.skills import SKILLS
from quizzes.study import LearnerItemRow

CSV_COLUMNS = (
    "user_id",
    "item_id",
    "attempts",
    "correct",
    "accuracy",
    "box",
    "due",
    "last_review",
)
SKILL_COLUMNS = tuple(f"skill_{skill}" for skill in SKILLS)


# ---- CSV ---------------------------------------------------------------------------
def learner_item_csv(
    rows: Iterable[LearnerItemRow], skills: Mapping[int, Mapping[str, float]] | None = None
) -> str:
    """One line per learner × item, sorted by learner then item; times in ISO 8601 UTC.

    ``accuracy`` is correct / attempts with four decimals, empty before the first attempt.
    The ``skill_…`` columns carry the learner's mastery estimate of each skill (the same
    on each of their lines), empty where they have not practised it.
    """
    skills = skills or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((*CSV_COLUMNS, *SKILL_COLUMNS))
    for row in sorted(rows, key=lambda r: (r.user_id, r.item_id)):
        writer.writerow(
            (
                row.user_id,
                row.item_id,
                row.attempts,
                row.correct,
                f"{row.accuracy:.4f}" if row.attempts else "",
                row.box,
                _iso(row.due),
                _iso(row.last_review),
                *(_mastery(skills.get(row.user_id, {}).get(s)) for s in SKILLS),
            )
        )
    return buffer.getvalue()


def _mastery(known: float | None) -> str:
    return "" if known is None else f"{known:.4f}"


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat()
