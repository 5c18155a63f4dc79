"""How close a number must be to count as the same: one rule for the grader and the generators.

The grader accepts an answer within this tolerance of its key; a generator rejects a draw
where two different mistakes, or a mistake and the key, come out within it of each other
(see :mod:`quizzes.hypotheses`).  Both read it here, so they cannot drift apart.
"""

from __future__ import annotations

ABSOLUTE_TOLERANCE = 0.01
RELATIVE_TOLERANCE = 0.01
EXACT_ZERO = 1e-12  # float noise below this is a 0 (2.2e-16 is stored and shown as 0)


def is_close(given: float, expected: float) -> bool:
    """Right when within ABSOLUTE_TOLERANCE, or within RELATIVE_TOLERANCE of the key."""
    # The slack absorbs binary rounding: 0.29 against 0.3 is 0.010000000000000009 away.
    error = abs(given - expected) - 1e-9
    return error <= ABSOLUTE_TOLERANCE or error <= RELATIVE_TOLERANCE * abs(expected)


def clean(x: float) -> float:
    """``x`` with float noise around 0 removed: exactly 0.0 (never -0.0) when it is 0."""
    return 0.0 if abs(x) < EXACT_ZERO else x


Answer = float | tuple[tuple[float, ...], ...] | str


def matches(given: Answer, expected: Answer) -> bool:
    """Whether an answer is right for its key: choices by key, numbers and matrices by value
    within the tolerance, and a key that is an ``int`` (a count) exactly."""
    if isinstance(expected, str) or isinstance(given, str):
        return given == expected
    if isinstance(expected, tuple) and isinstance(given, tuple):
        return _shape(given) == _shape(expected) and all(
            is_close(g, e)
            for given_row, expected_row in zip(given, expected, strict=True)
            for g, e in zip(given_row, expected_row, strict=True)
        )
    if isinstance(expected, int) and not isinstance(expected, bool):
        return isinstance(given, float | int) and given == expected  # a count is exact
    if isinstance(expected, float | int) and isinstance(given, float | int):
        return is_close(given, expected)
    return False


def _shape(matrix: tuple[tuple[float, ...], ...]) -> tuple[int, int]:
    return len(matrix), len(matrix[0]) if matrix else 0
