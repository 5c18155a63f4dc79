"""When an answer counts as right (the rule itself lives in :mod:`quizzes.tolerance`)."""

from __future__ import annotations

from collections.abc import Iterable

from quizzes.tolerance import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, is_close, matches

__all__ = [
    "ABSOLUTE_TOLERANCE",
    "EXACT_NOTE",
    "RELATIVE_TOLERANCE",
    "TOLERANCE_NOTE",
    "is_close",
    "matches",
    "tolerance_note",
]

TOLERANCE_NOTE = (
    "Right when within 0.01 or 1% of the key. "
    "Numbers: -4, 0.25, 3/4, 1e-3; matrices: [[1, 2], [3, 4]] or 1 2; 3 4."
)
EXACT_NOTE = "Counts are right only when exact: digits only, such as 26."


def tolerance_note(expected: Iterable[object]) -> str:
    """What counts as right for these keys: exact for counts (int keys), else the tolerance."""
    keys = list(expected)
    counts = [k for k in keys if isinstance(k, int) and not isinstance(k, bool)]
    if keys and len(counts) == len(keys):
        return EXACT_NOTE
    if counts:  # numbers and a count on one problem (xor-net's misclassified points)
        return f"{TOLERANCE_NOTE} {EXACT_NOTE}"
    return TOLERANCE_NOTE
