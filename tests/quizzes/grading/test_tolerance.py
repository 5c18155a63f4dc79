"""When an answer counts as right."""

from __future__ import annotations

import pytest

from quizzes.grading import (
    TOLERANCE_NOTE,
    grade,
    is_close,
    tolerance_note,
)
from quizzes.grading.tolerance import EXACT_NOTE
from tests.quizzes.grading.builders import MATRIX


@pytest.mark.parametrize(
    ("given_value", "expected", "right"),
    [
        (-4.0, -4.0, True),
        (-3.99, -4.0, True),  # 0.01 away
        (-3.95, -4.0, False),  # 0.05 away is more than 1% of 4
        (0.29, 0.3, True),  # exactly 0.01 away, despite binary rounding
        (0.205, 0.1966, True),  # rounding a small key to two decimals
        (0.21, 0.1966, False),
        (100.9, 100.0, True),  # within 1% of a large key
        (101.5, 100.0, False),
        (-100.0, 100.0, False),
    ],
)
def test_tolerance_is_an_absolute_hundredth_or_one_percent(
    given_value: float, expected: float, right: bool
) -> None:
    assert is_close(given_value, expected) is right


def test_tolerance_note_states_the_rule() -> None:
    assert "0.01" in TOLERANCE_NOTE and "1%" in TOLERANCE_NOTE


def test_a_problem_with_numbers_and_a_count_states_both_rules() -> None:
    assert tolerance_note([1.5, 2.0]) == TOLERANCE_NOTE
    assert tolerance_note([26, 6]) == EXACT_NOTE
    assert tolerance_note([1.5, 2]) == f"{TOLERANCE_NOTE} {EXACT_NOTE}"


def test_a_matrix_is_right_only_when_every_entry_is() -> None:
    assert grade(MATRIX, {"W": "1.005 2; 3 4"}).passed
    result = grade(MATRIX, {"W": "1 2; 3 5"})
    assert not result.passed and result.results[0].given == ((1.0, 2.0), (3.0, 5.0))
