"""``chainrule try`` end to end in a pseudo-terminal, as a learner types at it.

The learner's keys are computed the way the grader computes them: the test reads
the attempt the program stored (family, generator version, seed, level) and
rebuilds the problem with the engine.  Nothing here knows the numbers in advance.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from sqlalchemy import select

from quizzes.problems import rebuild
from quizzes.problems.base import Problem, fmt
from quizzes.storage.db import Database
from quizzes.storage.models import Attempt, Review
from terminal.console import terminal_learner_id
from tests.storage.study_helpers import forgot_upstream_answers, right_answers

REPOSITORY = Path(__file__).resolve().parents[2]
LEARNER = "ada"
CARD_PROMPT = "Press Enter to show the answer: "
RECALL_PROMPT = "Did you know it? k = knew, m = missed: "
FIRST_FIELD = "q = x + y = "
FIELDS = ("q", "f", "dx", "dy", "dz")  # add-mul's quantities, in the order they are asked
FIELD_PROMPTS = {"q": FIRST_FIELD, "f": "f = q · z = ", "dx": "∂f/∂x = ", "dy": "∂f/∂y = "}
FIELD_PROMPTS["dz"] = "∂f/∂z = "

ONE_CARD_DECK = """
id = "pty-trial"
title = "A card and the add-mul circuit"
families = ["add-mul"]

[objectives]
backprop-by-hand = "Run a circuit forward and backward by hand"

[[cards]]
id = "chain-rule"
objective = "backprop-by-hand"
tags = ["chain-rule"]
source = "cs231n optimization-2: Intuitive understanding of backpropagation"
front = "What does each gate multiply its local gradient by during backprop?"
back = "The upstream gradient: the gradient of the final output with respect to the gate's output."
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "trial-deck.toml").write_text(ONE_CARD_DECK, encoding="utf-8")
    return tmp_path


@pytest.fixture
def database(workdir: Path) -> Iterator[Database]:
    """What the program wrote, read back; the file is the one ``--db`` names."""
    database = Database(f"sqlite:///{workdir / 'trial.db'}")
    yield database
    database.close()


def spawn_try(workdir: Path, *options: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CHAINRULE_"))}
    env |= {"PYTHONPATH": str(REPOSITORY), "TERM": "dumb"}
    args = ["-m", "bot", "try", "--db", "trial.db", "--user", LEARNER, "--deck", "trial-deck.toml"]
    args += options
    return pexpect.spawn(
        sys.executable, args, cwd=str(workdir), env=env, encoding="utf-8", timeout=60
    )


def problem_on_screen(database: Database) -> Problem:
    """The problem of the learner's latest attempt, rebuilt from what was stored."""
    with database.session() as session:
        attempt = session.scalars(
            select(Attempt)
            .where(Attempt.user_id == terminal_learner_id(LEARNER))
            .order_by(Attempt.id.desc())
            .limit(1)
        ).one()
        assert attempt.family is not None and attempt.seed is not None
        assert attempt.generator_version is not None
        return rebuild(attempt.family, attempt.generator_version, attempt.seed, attempt.level)


def wrong_with_a_named_mistake(problem: Problem) -> tuple[dict[str, str], str]:
    """Forgetting the upstream gradient at the add gate (∂f/∂x = 1, not 1·z), unless z = 1
    makes that right; then the add gate's sign flipped (−z, never z since z ≠ 0)."""
    z = dict(problem.givens)["z"]
    if z != 1:
        return forgot_upstream_answers(problem), "forgot-upstream"
    return right_answers(problem) | {"dx": fmt(-z), "dy": fmt(-z)}, "sign"


def expect_a_problem(child: pexpect.spawn, database: Database) -> Problem:
    """Wait for a problem's first prompt; the problem, rebuilt from its stored attempt.

    The heading and the tolerance note come first: a worked solution on screen also
    contains the text of the first prompt, and its attempt is not the new one."""
    child.expect_exact("Problem: Add then multiply")
    child.expect_exact("Right when within")
    child.expect_exact(FIRST_FIELD)
    return problem_on_screen(database)


def answer_fields(child: pexpect.spawn, answers: dict[str, str], fields: tuple[str, ...]) -> None:
    for name in fields:
        child.expect_exact(FIELD_PROMPTS[name])
        child.sendline(answers[name])


def stored_reviews(database: Database) -> list[tuple[str, bool, list[str]]]:
    with database.session() as session:
        reviews = session.scalars(select(Review).order_by(Review.id))
        return [(r.item_id, r.correct, list(r.codes)) for r in reviews]


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def test_a_session_stopped_with_ctrl_c_resumes_where_it_left_off(
    workdir: Path, database: Database
) -> None:
    child = spawn_try(workdir)
    child.expect_exact(CARD_PROMPT)
    child.sendline("")
    child.expect_exact(RECALL_PROMPT)
    child.sendline("k")
    child.expect_exact("✓ Knew it.")

    left_on_screen = expect_a_problem(child, database)
    child.sendline("2 plus 3")  # malformed: not a wrong answer, nothing recorded
    child.expect_exact("I could not read that, so nothing was recorded.")
    child.expect_exact("q = x + y: is not a number")
    child.expect_exact(FIRST_FIELD)  # the unreadable field is asked again at once
    child.sendintr()  # Ctrl-C: save what was answered and leave cleanly
    child.expect_exact("Session over")
    summary = finish(child)
    assert "answered: 1" in summary and "Traceback" not in summary
    assert stored_reviews(database) == [("chain-rule", True, [])]

    child = spawn_try(workdir, "--save-diagrams", "diagrams")
    child.expect_exact("Picking up where you left off")
    resumed = expect_a_problem(child, database)
    assert resumed.seed == left_on_screen.seed  # the same numbers as before Ctrl-C
    wrong, mistake = wrong_with_a_named_mistake(resumed)
    child.sendline(wrong["q"])
    answer_fields(child, wrong, FIELDS[1:])
    child.expect_exact("✗ Not quite")
    child.expect_exact("↳ You gave")  # the located mistake (wrapped to the terminal width)
    child.expect_exact("Work through it gate by gate?")
    child.sendline("s")  # skipped: the worked solution instead
    child.expect_exact("Worked solution:")

    again = expect_a_problem(child, database)  # the miss comes back once, with new numbers
    assert again.seed != resumed.seed
    child.sendline(right_answers(again)["q"])
    answer_fields(child, right_answers(again), FIELDS[1:])
    child.expect_exact("✓ Right")
    child.expect_exact("Session over")
    summary = finish(child)
    assert "answered: 2" in summary and "right: 1" in summary
    card, missed, solved = stored_reviews(database)
    assert card == ("chain-rule", True, [])
    assert missed[:2] == ("add-mul", False) and mistake in missed[2]
    assert solved == ("add-mul", True, [])
    diagrams = sorted((workdir / "diagrams").glob("add-mul-*.png"))
    assert len(diagrams) == 2  # one circuit diagram per answered problem
    assert all(png.read_bytes().startswith(b"\x89PNG") for png in diagrams)


def test_q_quits_at_once_and_the_next_run_shows_the_same_card(
    workdir: Path, database: Database
) -> None:
    child = spawn_try(workdir)
    child.expect_exact(CARD_PROMPT)
    child.sendline("q")
    assert "answered: 0" in finish(child)

    child = spawn_try(workdir)
    child.expect_exact("Picking up where you left off")
    child.expect_exact("What does each gate multiply its local gradient by")
    child.expect_exact(CARD_PROMPT)
    child.sendeof()  # end of input (Ctrl-D) ends the session like q
    assert "Session over" in finish(child)
    assert stored_reviews(database) == []
