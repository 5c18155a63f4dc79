"""The terminal loop, driven by a script, against a real study service and database."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from quizzes.grading import MISTAKES
from quizzes.problems import FAMILIES
from quizzes.problems.base import Problem
from quizzes.storage.db import Database
from quizzes.study import StudyService
from terminal.formatting import LocalTime
from terminal.session import TerminalStudy
from tests.storage.study_helpers import (
    FixedClock,
    forgot_upstream_answers,
    right_answers,
    small_deck,
)

LEARNER = -42  # terminal learners have negative ids
Step = str | Callable[[str], str]


class Script:
    """``input`` for the loop: each prompt takes the next step; no steps left is end of input."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.steps:
            raise EOFError
        step = self.steps.pop(0)
        return step(prompt) if callable(step) else step


class Screen:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
async def service(database: Database) -> AsyncIterator[StudyService]:
    deck = small_deck(cards=1, families=("add-mul",))
    study = StudyService(database, clock=FixedClock(), rng=random.Random(7), deck=deck)
    yield study
    await study.close()


def make_study(
    service: StudyService, script: Script, screen: Screen, **options: Any
) -> TerminalStudy:
    return TerminalStudy(
        service, LEARNER, read=script, write=screen, show_time=LocalTime(UTC), **options
    )


def answering(study: list[TerminalStudy], answers: Callable[[Problem], dict[str, str]]) -> Step:
    """A step that answers whichever quantity the prompt asks for, from ``answers(problem)``."""

    def answer(prompt: str) -> str:
        item = study[0].item
        assert item is not None and item.problem is not None
        by_prompt = {f"{q.label} = ": q.name for q in item.problem.quantities}
        by_prompt |= {f"{q.label}: ": q.name for q in item.problem.quantities}
        return answers(item.problem)[by_prompt[prompt]]

    return answer


class Deferred:
    """A step answering the problem on screen; it reaches the session once that exists."""

    def __init__(self, answers: Callable[[Problem], dict[str, str]]) -> None:
        self.answers = answers

    def bind(self, holder: list[TerminalStudy]) -> Step:
        return answering(holder, self.answers)


async def run(
    service: StudyService, *steps: Step | Deferred, **options: Any
) -> tuple[Script, Screen]:
    holder: list[TerminalStudy] = []
    script = Script(*(s.bind(holder) if isinstance(s, Deferred) else s for s in steps))
    screen = Screen()
    holder.append(make_study(service, script, screen, **options))
    await holder[0].run()
    return script, screen


RIGHT = Deferred(right_answers)
FORGOT_UPSTREAM = Deferred(forgot_upstream_answers)


async def reviews(service: StudyService) -> list[dict[str, Any]]:
    exported = await service.export_learner(LEARNER)
    return list(exported["reviews"])


# ---- reviews -------------------------------------------------------------------
async def test_a_card_self_graded_then_a_problem_answered_right(service: StudyService) -> None:
    script, screen = await run(service, "", "k", *[RIGHT] * 5)
    assert screen.lines[0] == (
        "Lesson 4: neural networks and backprop — 1 flashcard and 1 problem family\n"
        "This sitting: 2 items (0 due for review, 2 new today)."
    )
    assert "Flashcard (box 1)" in screen.text
    assert "✓ Knew it. Box 1 → 2, due again" in screen.text
    assert "Right when within 0.01" in screen.text  # the tolerance note
    assert "✓ Right — Add then multiply" in screen.text
    assert "Worked solution:" in screen.text and "node  op  value" in screen.text
    assert "answered: 2\n  right: 2" in screen.text
    assert "Your progress" in screen.text and "box 2: 2" in screen.text
    assert script.prompts[:2] == [
        "Press Enter to show the answer: ",
        "Did you know it? k = knew, m = missed: ",
    ]
    stored = await reviews(service)
    assert [(r["item_id"], r["correct"], r["box_after"]) for r in stored] == [
        (service.deck.cards[0].id, True, 2),
        ("add-mul", True, 2),
    ]


async def test_a_diagnosed_mistake_prints_its_hint_and_comes_back(service: StudyService) -> None:
    hint = MISTAKES["forgot-upstream"].hint
    _, screen = await run(service, "", "m", *[FORGOT_UPSTREAM] * 5, "s", "q")
    assert "✗ Missed it. Box 1 → 1" in screen.text
    assert "✗ Not quite" in screen.text
    assert "↳ You gave " in screen.text and hint in screen.text
    assert screen.text.count("Flashcard (box 1)") == 2  # a miss comes back once at the end
    assert "answered: 2\n  right: 0" in screen.text
    stored = await reviews(service)
    assert [r["codes"] for r in stored] == [[], ["forgot-upstream"]]


async def test_an_unreadable_answer_is_asked_again_and_records_nothing(
    service: StudyService,
) -> None:
    script, screen = await run(service, "abc", *[RIGHT] * 4, "q", practice_family="add-mul")
    assert "I could not read that, so nothing was recorded." in screen.text
    assert "q = x + y: is not a number — for example" in screen.text
    assert script.prompts[:2] == ["q = x + y = "] * 2  # asked again at once, as it is typed
    assert await reviews(service) == []
    assert "answered: 0" in screen.text


async def test_a_decimal_comma_is_named_at_once(service: StudyService) -> None:
    script, screen = await run(service, "1,5", "q", practice_family="add-mul")
    assert "q = x + y: has a comma in the number: use a decimal point (1.5, not 1,5)" in screen.text
    assert script.prompts == ["q = x + y = "] * 2
    assert await reviews(service) == []


async def test_each_page_is_checked_before_the_next_is_asked(database: Database) -> None:
    study = StudyService(
        database, clock=FixedClock(), rng=random.Random(7), deck=small_deck(1, ("sigmoid-neuron",))
    )
    try:
        script, screen = await run(
            study, "2x", RIGHT, *[RIGHT] * 5, practice_family="sigmoid-neuron"
        )
    finally:
        await study.close()
    assert script.prompts[:2] == ["f = σ(z) = ", "f = σ(z) = "]
    assert "Page 2 of 2" in screen.text
    assert "✓ Right" in screen.text


async def test_multiple_choice_lists_the_options_and_explains(database: Database) -> None:
    study = StudyService(database, clock=FixedClock(), rng=random.Random(7))
    try:
        _, screen = await run(study, RIGHT, "q", practice_family="relu-role")
        [attempt, *_] = (await study.export_learner(LEARNER))["attempts"]
    finally:
        await study.close()
    problem = FAMILIES["relu-role"].build(attempt["seed"], attempt["level"])
    assert "  A) " in screen.text and "  D) " in screen.text
    assert "✓ Right" in screen.text and "Why:" in screen.text
    assert "Worked solution" not in screen.text  # "Why" and the other options say it all
    for choice in problem.choices:  # every explanation once, none twice
        assert screen.text.count(choice.explanation) == 1, choice.key
    assert "Practice — your boxes did not move." in screen.text
    assert screen.lines[0] == (
        "Practice: relu-role problems, one after another until you press q; no box moves."
    )


# ---- stopping and resuming -------------------------------------------------------
async def test_quitting_mid_problem_resumes_the_same_problem_next_time(
    service: StudyService,
) -> None:
    first: list[TerminalStudy] = []
    script = Script("", "k", answering(first, right_answers), "q")
    first.append(make_study(service, script, Screen()))
    await first[0].run()
    left = first[0].item
    assert left is not None and left.problem is not None

    second: list[TerminalStudy] = []
    screen = Screen()
    second.append(make_study(service, Script(*[answering(second, right_answers)] * 5), screen))
    await second[0].run()
    resumed = second[0].item
    assert resumed is not None and resumed.problem is not None
    assert "Picking up where you left off" in screen.text
    assert "This sitting: 1 item (" in screen.text
    assert screen.text.index("This sitting") < screen.text.index("Picking up")
    assert screen.text.index("Picking up") < screen.text.index("Problem: Add then multiply")
    assert (resumed.attempt_id, resumed.problem.seed) == (left.attempt_id, left.problem.seed)
    assert "Flashcard" not in screen.text  # the card answered before quitting stays answered
    stored = await reviews(service)
    assert [(r["item_id"], r["correct"]) for r in stored] == [
        (service.deck.cards[0].id, True),
        ("add-mul", True),
    ]


async def test_a_resumed_item_missed_again_comes_back_at_the_end(service: StudyService) -> None:
    await run(service, "q")  # stopped at the card's front
    _, screen = await run(service, "", "m", *[RIGHT] * 5, "", "k")
    assert screen.text.count("Flashcard (box 1)") == 2
    assert "answered: 3\n  right: 2" in screen.text


async def test_ctrl_c_while_an_answer_is_recorded_stops_before_the_next_item(
    service: StudyService,
) -> None:
    script = Script("", "k", "should never be asked")
    screen = Screen()
    study = make_study(service, script, screen, stop_requested=lambda: len(script.prompts) >= 2)
    await study.run()
    assert "answered: 1\n  right: 1" in screen.text
    assert "Problem:" not in screen.text and len(script.prompts) == 2
    exported = await service.export_learner(LEARNER)
    assert len(exported["attempts"]) == 1  # nothing further was served or stored


async def test_resume_skips_an_item_that_left_the_deck(database: Database) -> None:
    first = StudyService(database, clock=FixedClock(), rng=random.Random(7), deck=small_deck(2))
    try:
        await run(first, "q")  # stopped at the first card's front
    finally:
        await first.close()
    smaller = replace(small_deck(2), cards=small_deck(2).cards[1:])
    second = StudyService(database, clock=FixedClock(), rng=random.Random(7), deck=smaller)
    try:
        _, screen = await run(second, "q")
    finally:
        await second.close()
    assert "Picking up where you left off" not in screen.text
    assert smaller.cards[0].front in screen.text  # the session simply starts afresh


# ---- commands ------------------------------------------------------------------
async def test_undo_takes_back_the_last_answer(service: StudyService) -> None:
    _, screen = await run(service, "", "k", "u", "q")
    card_id = service.deck.cards[0].id
    front = " ".join(service.deck.cards[0].front.split())[:40]
    assert "Undid your answer to the card “" + front in screen.text
    assert "from Mon 03 Mar 12:00 UTC" in screen.text
    assert card_id not in screen.text.split("Undid")[1].splitlines()[0]  # no internal id
    assert "answered: 0\n  right: 0" in screen.text
    stored = await reviews(service)
    assert [(r["item_id"], r["undone"]) for r in stored] == [(card_id, True)]
    exported = await service.export_learner(LEARNER)
    assert exported["item_states"] == []  # a first answer undone: the card is new again


async def test_undoing_a_practice_answer_says_no_box_moved(service: StudyService) -> None:
    _, screen = await run(service, *[RIGHT] * 5, "u", "q", practice_family="add-mul")
    assert "Undid your practice answer to the problem “Add then multiply" in screen.text
    assert "from Mon 03 Mar 12:00 UTC; practice moves no box" in screen.text
    assert "practice moves no box" in screen.text and "back in box" not in screen.text
    stored = await reviews(service)
    assert [(r["practice"], r["undone"]) for r in stored] == [(True, True)]


async def test_an_undone_item_is_asked_again_after_the_one_on_screen(
    service: StudyService,
) -> None:
    _, screen = await run(service, "", "k", "u", *[RIGHT] * 5, "", "m", "", "k")
    assert "You will be asked it again after this item." in screen.text
    assert screen.text.count("Flashcard (box 1)") == 3  # again after undo, then once after a miss
    card_id = service.deck.cards[0].id
    stored = await reviews(service)
    assert [(r["item_id"], r["correct"], r["undone"]) for r in stored] == [
        (card_id, True, True),
        ("add-mul", True, False),
        (card_id, False, False),
        (card_id, True, False),
    ]
    assert "answered: 3\n  right: 2" in screen.text


async def test_undoing_the_miss_of_the_card_on_screen_does_not_queue_it_again(
    database: Database,
) -> None:
    deck = small_deck(cards=1, families=())
    study = StudyService(database, clock=FixedClock(), rng=random.Random(7), deck=deck)
    try:
        _, screen = await run(study, "", "m", "u", "", "k")  # u at the card's second showing
        stored = await reviews(study)
    finally:
        await study.close()
    assert screen.text.count("Flashcard (box 1)") == 2
    assert "You will be asked it again" not in screen.text  # it is on screen already
    assert [(r["correct"], r["undone"], r["box_after"]) for r in stored] == [
        (False, True, 1),
        (True, False, 2),
    ]


async def test_undo_with_nothing_to_undo_says_so_and_asks_again(service: StudyService) -> None:
    script, screen = await run(service, "u", "q")
    assert "There is no answer from the last 10 minutes to undo." in screen.text
    assert script.prompts == ["Press Enter to show the answer: "] * 2


@pytest.mark.parametrize("ending", ["q", EOFError, KeyboardInterrupt])
async def test_stopping_shows_the_summary_and_records_nothing(
    service: StudyService, ending: str | type[BaseException]
) -> None:
    def stop(prompt: str) -> str:
        if isinstance(ending, str):
            return ending
        raise ending

    _, screen = await run(service, stop)
    assert "Session over\n  answered: 0\n  right: 0" in screen.text
    assert "Your progress" in screen.text
    assert await reviews(service) == []


async def test_nothing_due_shows_when_next_and_the_progress(service: StudyService) -> None:
    await run(service, "", "k", *[RIGHT] * 5)
    script, screen = await run(service)
    assert script.prompts == []
    assert "Nothing is due right now; the next review is Wed 05 Mar" in screen.text
    assert "--practice FAMILY with one of:" in screen.text
    assert all(f"{f.id}  " in screen.text and f.title in screen.text for f in FAMILIES.values())
    assert "Session over" not in screen.text
    assert "reviews: 2" in screen.text


async def test_diagrams_are_saved_as_png(service: StudyService, tmp_path: Path) -> None:
    folder = tmp_path / "diagrams"
    _, screen = await run(service, *[RIGHT] * 5, "q", practice_family="add-mul", diagrams=folder)
    [png] = folder.glob("add-mul-*.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert f"Circuit diagram: {png}" in screen.text


async def test_the_day_rollover_is_explained_once_where_due_again_first_appears(
    service: StudyService,
) -> None:
    _, screen = await run(service, "", "k", *[RIGHT] * 5)
    note = "Review days roll over at 04:00 in your time zone"
    assert screen.text.count(note) == 2  # after the first "due again", and in the progress
    first_due = screen.text.index("due again")
    assert first_due < screen.text.index(note) < screen.text.index("Session over")


async def test_one_slip_is_explained_once_and_next_due_is_said_once(
    service: StudyService,
) -> None:
    _, screen = await run(service, "", "m", *[FORGOT_UPSTREAM] * 5, "q")
    hints = [line.strip() for line in screen.text.splitlines() if line.strip().startswith("↳")]
    assert hints and len(hints) == len(set(hints))
    assert screen.text.count("Next due") + screen.text.count("next due") == 1


# ---- working through a miss ---------------------------------------------------------
def walk_answers(problem: Problem) -> list[str]:
    """The walk after forgot-upstream at the add gate: upstream z, local 1, then z."""
    z = dict(problem.givens)["z"]
    assert isinstance(z, float)
    return [f"{z:g}", "1", f"{z:g}"]


class WalkStep:
    """A step answering the walk from the problem on screen, one right value after another."""

    def __init__(self, holder: list[TerminalStudy], index: int, wrong: bool = False) -> None:
        self.holder, self.index, self.wrong = holder, index, wrong

    def __call__(self, prompt: str) -> str:
        item = self.holder[0].item
        assert item is not None and item.problem is not None
        return "999" if self.wrong else walk_answers(item.problem)[self.index]


async def test_a_miss_is_worked_through_gate_by_gate_before_any_solution(
    service: StudyService,
) -> None:
    holder: list[TerminalStudy] = []
    steps: list[Step] = [
        *[answering(holder, forgot_upstream_answers)] * 5,
        "",  # yes, work through it
        "upstream?",  # unreadable: asked again, nothing recorded
        WalkStep(holder, 0, wrong=True),  # a wrong step gets its hint
        WalkStep(holder, 0),
        WalkStep(holder, 1),
        WalkStep(holder, 2),
        "q",
    ]
    script, screen = Script(*steps), Screen()
    holder.append(make_study(service, script, screen, practice_family="add-mul"))
    await holder[0].run()
    text = screen.text
    assert "Work through it gate by gate?" in script.prompts[5]
    walk_at = text.index("Step 1 of 3")
    assert "Worked solution:" not in text[:walk_at]  # the learner does the steps first
    assert "Worked solution:" in text[walk_at:]  # and then sees the whole solution
    assert "Step 1 of 3 — the add gate q = x + y" in text
    assert "is not a number" in text
    assert "Not yet." in text and "Try again" in text
    assert text.count("Step 1 of 3") == 1  # a retry does not repeat the question
    assert "Step 3 of 3" in text and "Rule — add gate" in text
    assert script.prompts[6].startswith("upstream ∂f/∂q = ")
    exported = await service.export_learner(LEARNER)
    (walk,) = exported["walks"]
    assert walk["outcome"] == "done" and [t["right"] for t in walk["steps"]] == [
        False,
        True,
        True,
        True,
    ]


async def test_skipping_the_walk_shows_the_worked_solution(service: StudyService) -> None:
    _, screen = await run(service, *[FORGOT_UPSTREAM] * 5, "s", "q", practice_family="add-mul")
    assert "Worked solution:" in screen.text and "Step 1 of" not in screen.text


async def test_practice_without_a_family_aims_at_the_most_frequent_mistake(
    database: Database,
) -> None:
    deck = small_deck(cards=0, families=("add-mul", "gate-patterns"))
    study = StudyService(database, clock=FixedClock(), rng=random.Random(3), deck=deck)
    try:
        _, screen = await run(study, *[FORGOT_UPSTREAM] * 5, "s", "q", practice_family="add-mul")
        _, screen = await run(study, "q", practice_family="auto")
        assert "Next: add-mul, because your most frequent mistake lately is forgot-upstream" in (
            screen.text
        )
        assert "Skills:" in screen.text and "× upstream gradient" in screen.text
        assert "Most frequent mistake:" in screen.text
    finally:
        await study.close()
