"""The largest reply of each kind stays within Discord's limits.

Content is built far beyond what the shipped deck and families produce (the
deck caps card text at 1,000 characters; families ask at most five quantities a
page), so a future family or card cannot push a reply over a limit unnoticed.
"""

from __future__ import annotations

import random

import pytest

from bot import embeds, limits
from quizzes.grading import AnswerParseError, FieldError, Grade, QuantityResult, grade
from quizzes.problems import FAMILIES
from quizzes.study import Progress, UndoResult
from tests.bot.oversized import (
    HUGE_CARD,
    NOW,
    assert_within_limits,
    huge_grade,
    huge_problem,
    long_text,
    served,
    submitted,
)


def test_largest_flashcard_replies() -> None:
    item = served(card=HUGE_CARD)
    assert_within_limits(embeds.card_front_embed(HUGE_CARD, item))
    assert_within_limits(embeds.card_back_embed(HUGE_CARD, item))
    assert_within_limits(embeds.card_result_embed(HUGE_CARD, item, submitted(None)))


def test_largest_problem_prompts() -> None:
    problem = huge_problem()
    item = served(problem)
    for page in (0, len(problem.pages) - 1):
        assert_within_limits(embeds.problem_embed(problem, item, page))
    assert_within_limits(embeds.page_saved_embed(problem, item, 1))
    choice = huge_problem(multiple_choice=True)
    assert_within_limits(embeds.problem_embed(choice, served(choice)))


def test_largest_result_keeps_the_schedule_and_some_solution() -> None:
    problem = huge_problem()
    embed = embeds.result_embed(
        problem, served(problem), submitted(huge_grade(problem)), with_diagram=True
    )
    assert_within_limits(embed)
    names = [field.name for field in embed.fields]
    assert names[-2:] == ["More results", "Schedule"]
    assert embed.description is not None and embed.description.startswith("**Worked solution**")
    assert embed.description.count("```") == 2  # the gate table's fence is never cut open


def test_largest_multiple_choice_result() -> None:
    problem = huge_problem(multiple_choice=True)
    result_grade = Grade((QuantityResult("choice", "Your answer", "B", "C", False, ()),))
    embed = embeds.result_embed(
        problem, served(problem), submitted(result_grade), with_diagram=False
    )
    assert_within_limits(embed)
    assert [field.name for field in embed.fields][-2:] == ["Why", "Schedule"]


@pytest.mark.parametrize("family_id", sorted(FAMILIES))
def test_real_results_show_every_quantity(family_id: str) -> None:
    problem = FAMILIES[family_id].generate(random.Random(3), 5)
    answers = {q.name: q.example for q in problem.quantities}
    result_grade = grade(problem, answers)
    embed = embeds.result_embed(
        problem, served(problem), submitted(result_grade), with_diagram=True
    )
    assert_within_limits(embed)
    shown = [field.name for field in embed.fields]
    assert len([name for name in shown if name[0] in "✓✗"]) == len(problem.quantities)
    assert embed.description is not None
    if problem.is_multiple_choice:  # the right option is in "Why"; the rest in the description
        why = next(field.value for field in embed.fields if field.name == "Why")
        right = next(c for c in problem.choices if c.correct)
        assert right.explanation in why and right.explanation not in embed.description
        others = [c for c in problem.choices if c.key not in why.split() and not c.correct]
        assert all(c.explanation[:30] in embed.description for c in others)
    else:
        assert problem.solution.splitlines()[0] in embed.description


def test_largest_progress_summary_and_texts() -> None:
    progress = Progress(
        user_id=1,
        timezone="America/Argentina/ComodRivadavia",
        boxes={box: 10**9 for box in range(1, 30)},
        due_now=10**9,
        due_today=10**9,
        due_tomorrow=10**9,
        due_this_week=10**9,
        streak_days=10**6,
        reviews=10**9,
        correct=10**9,
        accuracy=1.0,
        accuracy_by_family={long_text(f"family{i}", 90): 0.5 for i in range(200)},
        next_due=NOW,
    )
    assert_within_limits(embeds.progress_embed(progress))
    assert_within_limits(embeds.summary_embed(10**9, 10**9, NOW))
    errors = [
        FieldError(f"q{i}", long_text("label", 45), long_text("bad", 300), "-1.5") for i in range(5)
    ]
    texts = [
        embeds.parse_error_text(AnswerParseError(errors)),
        embeds.nothing_due_text(NOW),
        embeds.undo_text(UndoResult(long_text("item", 100), 5, NOW, NOW)),
    ]
    assert all(len(text) <= limits.MESSAGE_CONTENT for text in texts)


def test_clip_code_block_cuts_whole_lines_and_keeps_the_fence() -> None:
    text = "\n".join(f"row {i:03d}" for i in range(100))
    block = limits.clip_code_block(text, 200)
    assert len(block) <= 200
    assert block.startswith("```\n") and block.endswith("\n```")
    inner = block[4:-4].splitlines()
    assert inner[-1].endswith("more rows") and all(line.startswith("row") for line in inner[:-1])
    assert limits.clip_code_block("short", 200) == "```\nshort\n```"
