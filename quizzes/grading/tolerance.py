"""When an answer counts as right (the rule itself lives in :mod:`quizzes.tolerance`)."""

from __future__ import annotations

from quizzes.tolerance import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, is_close, matches

__all__ = ["ABSOLUTE_TOLERANCE", "RELATIVE_TOLERANCE", "TOLERANCE_NOTE", "is_close", "matches"]

TOLERANCE_NOTE = (
    "Right when within 0.01 or 1% of the key. "
    "Numbers: -4, 0.25, 3/4, 1e-3; matrices: [[1, 2], [3, 4]] or 1 2; 3 4."
)
