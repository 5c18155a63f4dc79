"""What every front end shows, written the way the prompts write it."""

from __future__ import annotations

from types import SimpleNamespace

from quizzes.grading import grade
from quizzes.presentation import answer_comparison, skills_text
from quizzes.problems import get_family
from quizzes.skills import trace


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


def test_a_skill_line_shows_the_recent_answers_behind_its_estimate() -> None:
    # 10 wrong, then 8 right: the estimate is solid, the whole record is 8/18; the line
    # shows both, so "solid" is explained by the last answers, not claimed as a percentage
    skills = trace([("add", False)] * 10 + [("add", True)] * 8 + [("mul", True), ("mul", False)])
    progress = SimpleNamespace(skills=list(skills.values()))
    add, mul = skills_text(progress).splitlines()  # type: ignore[arg-type]
    assert "solid" in add and "last ✓✓✓✓✓" in add and "(8/18 right in all)" in add
    assert "%" not in add
    assert "last ✓✗" in mul and "(1/2 right in all)" in mul
