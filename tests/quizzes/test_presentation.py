"""What every front end shows, written the way the prompts write it."""

from __future__ import annotations

from quizzes.grading import grade
from quizzes.presentation import answer_comparison
from quizzes.problems import get_family


def test_a_column_vector_is_shown_as_the_prompt_writes_it() -> None:
    problem = get_family("linear-collapse").build(7, 1)
    key_b = problem.quantities[1].expected
    assert isinstance(key_b, tuple)
    written = "[" + ", ".join(f"{row[0]:g}" for row in key_b) + "]"
    assert written in problem.solution  # the solution writes b as a flat list
    answers = {"W": "[[1, 2], [3, 4]]", "b": written}
    [_, b] = grade(problem, answers).results
    assert answer_comparison(b) == f"you: {written} · key: {written}"
    assert "[[" not in answer_comparison(b)
