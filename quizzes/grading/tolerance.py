"""When an answer counts as right."""

from __future__ import annotations

from quizzes.grading.parsing import Given, matrix_shape
from quizzes.problems.base import Expected

ABSOLUTE_TOLERANCE = 0.01
RELATIVE_TOLERANCE = 0.01
TOLERANCE_NOTE = (
    "Right when within 0.01 or 1% of the key. "
    "Numbers: -4, 0.25, 3/4, 1e-3; matrices: [[1, 2], [3, 4]] or 1 2; 3 4."
)


def is_close(given: float, expected: float) -> bool:
    """Right when within ABSOLUTE_TOLERANCE, or within RELATIVE_TOLERANCE of the key."""
    # The slack absorbs binary rounding: 0.29 against 0.3 is 0.010000000000000009 away.
    error = abs(given - expected) - 1e-9
    return error <= ABSOLUTE_TOLERANCE or error <= RELATIVE_TOLERANCE * abs(expected)


def matches(given: Given, expected: Expected) -> bool:
    """Whether an answer is right for its key: choices by key, numbers and matrices by value."""
    if isinstance(expected, str) or isinstance(given, str):
        return given == expected
    if isinstance(expected, tuple) and isinstance(given, tuple):
        return matrix_shape(given) == matrix_shape(expected) and all(
            is_close(g, e)
            for given_row, expected_row in zip(given, expected, strict=True)
            for g, e in zip(given_row, expected_row, strict=True)
        )
    if isinstance(expected, float | int) and isinstance(given, float | int):
        return is_close(given, expected)
    return False
