"""Plain-text rendering of study-service results for a terminal.

The wording shared with the Discord front end comes from quizzes.presentation;
this module only lays it out as lines and writes moments as local wall time.
"""

from __future__ import annotations

import re
import textwrap
from datetime import datetime, tzinfo
from pathlib import Path

from quizzes import presentation
from quizzes.decks import Card, Deck
from quizzes.grading import AnswerParseError, tolerance_note
from quizzes.leitner import ReviewSession
from quizzes.presentation import RIGHT, WRONG
from quizzes.problems.base import Problem
from quizzes.study import Progress, ServedItem, SubmitResult, UndoResult
from quizzes.study.results import Recommendation

RULE = "─" * 60
INDENT = "  "
ASKED_AGAIN = "You will be asked it again after this item."
RESUMING = "Picking up where you left off: the item you stopped on, with the same numbers."
COMMANDS_HELP = "At any prompt: q stops (with a summary), u undoes your last answer (10 minutes)."


class LocalTime:
    """Writes aware instants as wall time in one zone (None: the machine's own)."""

    def __init__(self, zone: tzinfo | None = None) -> None:
        self.zone = zone

    def __call__(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{local:%a %d %b %H:%M} {local.tzname() or ''}".rstrip()


# a gap of two or more spaces inside a line: a table row or aligned columns, kept whole
_ALIGNED_COLUMNS = re.compile(r"\S {2,}\S")
_HANGING_MARKS = ("↳ ", "- ", "• ", "✓ ", "✗ ")


def fit_to_width(text: str, width: int) -> str:
    """``text`` wrapped at word boundaries to ``width`` columns, each line keeping its indent
    (a hint's continuation hangs under its words); aligned tables are left whole, since a
    table row broken in two is harder to read than one that runs long."""
    lines: list[str] = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        if len(line) <= width or _ALIGNED_COLUMNS.search(body):
            lines.append(line)
            continue
        lead = line[: len(line) - len(body)]
        if body and set(body) == {RULE[0]}:  # a rule is drawn as wide as the terminal
            lines.append(lead + RULE[0] * max(width - len(lead), 10))
            continue
        hang = lead + ("  " if body.startswith(_HANGING_MARKS) else "")
        lines.append(
            textwrap.fill(
                body,
                width=max(width, len(hang) + 20),
                initial_indent=lead,
                subsequent_indent=hang,
                break_long_words=False,  # a URL or a matrix stays whole
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def indented(text: str, prefix: str = INDENT) -> str:
    return textwrap.indent(text, prefix, lambda line: True)


def item_heading(item: ServedItem, kind: str) -> str:
    where = "practice — boxes do not move" if item.practice else f"box {item.box}"
    return f"{RULE}\n{kind} ({where})"


# ---- the sitting -------------------------------------------------------------
def session_plan(deck: Deck, session: ReviewSession, resuming: str | None = None) -> str:
    """What the course is and what this sitting holds, before the first item; ``resuming``
    is the item picked up from the last sitting, which counts among them."""
    new = len(session.new_item_ids)
    due = len(session.queue) - new
    if resuming is not None and resuming not in session.queue:
        due += 1  # served already, so neither due nor new today: it is back for review
    course = (
        f"{deck.title} — {presentation.plural(len(deck.cards), 'flashcard')} and "
        f"{presentation.plural(len(deck.families), 'problem family', 'problem families')}"
    )
    if due + new == 0:
        return course
    items = presentation.plural(due + new, "item")
    return f"{course}\nThis sitting: {items} ({due} due for review, {new} new today)."


AUTO_PRACTICE_PLAN = (
    "Practice: each problem is chosen for your weakest skill or most frequent recent "
    "mistake, until you press q; no box moves."
)


def practice_pick(pick: Recommendation) -> str:
    return f"Next: {pick.family}, because {pick.reason}."


def practice_plan(family: str) -> str:
    return f"Practice: {family} problems, one after another until you press q; no box moves."


# ---- flashcards --------------------------------------------------------------
def card_front(card: Card, item: ServedItem) -> str:
    return f"{item_heading(item, 'Flashcard')}\n{card.front}"


def card_back(card: Card) -> str:
    lines = [f"Answer: {card.back}"]
    if card.source:
        lines.append(f"Source: {card.source}")
    return "\n".join(lines)


def card_result(result: SubmitResult, show_time: LocalTime) -> str:
    verdict = f"{RIGHT} Knew it" if result.correct else f"{WRONG} Missed it"
    return f"{verdict}. {presentation.schedule_text(result, show_time)}"


# ---- problems ----------------------------------------------------------------
def problem_question(problem: Problem, item: ServedItem) -> str:
    """Title, formula, the numbers and what to compute; the options of a multiple choice."""
    lines = [item_heading(item, f"Problem: {problem.title}"), problem.formula, "", problem.prompt]
    if problem.is_multiple_choice:
        lines += [f"{INDENT}{choice.key}) {choice.text}" for choice in problem.choices]
    else:
        lines += ["", tolerance_note(q.expected for q in problem.quantities)]
    return "\n".join(lines)


def page_heading(problem: Problem, page: int) -> str:
    """What the next inputs ask for; empty for a single page (the prompt said it all)."""
    pages = len(problem.pages)
    if pages == 1:
        return ""
    return f"Page {page + 1} of {pages}: {presentation.page_labels(problem.pages[page])}"


def parse_error(error: AnswerParseError) -> str:
    lines = [f"{INDENT}{e.label}: {e.message} — for example {e.example}" for e in error.errors]
    return "\n".join(["I could not read that, so nothing was recorded.", *lines])


def problem_result(
    problem: Problem, result: SubmitResult, show_time: LocalTime, solution: bool = True
) -> str:
    """✓/✗ per quantity with the key and named mistakes, why, the solution (unless the
    learner is offered to work through it first), the schedule."""
    verdict = f"{RIGHT} Right" if result.correct else f"{WRONG} Not quite"
    sections = [f"{verdict} — {problem.title}", quantity_lines(result)]
    if problem.is_multiple_choice:
        why = [
            f"{INDENT}{choice.key} {presentation.mark(choice.correct)} {choice.explanation}"
            for choice in presentation.explained_choices(problem, result.grade)
        ]
        sections.append("\n".join(["Why:", *why]))
        others = presentation.other_choices_text(problem, result.grade)
        if others:
            sections.append(f"The other options:\n{indented(others)}")
    elif solution:
        sections.append(worked_solution(problem))
    sections.append(presentation.schedule_text(result, show_time))
    return "\n\n".join(section for section in sections if section)


def quantity_lines(result: SubmitResult) -> str:
    """One aligned line per quantity, each named mistake indented below it."""
    results = result.grade.results if result.grade is not None else ()
    width = max((len(r.label) for r in results), default=0)
    hints = presentation.hints_once(results)
    lines: list[str] = []
    for quantity_result in results:
        mark = presentation.mark(quantity_result.correct)
        comparison = presentation.answer_comparison(quantity_result)
        lines.append(f"{mark} {quantity_result.label.ljust(width)}  {comparison}")
        lines += [f"{INDENT}  {hint}" for hint in hints[quantity_result.name]]
    return "\n".join(lines)


def worked_solution(problem: Problem) -> str:
    text = f"Worked solution:\n{indented(problem.solution)}"
    if problem.gates:
        text += f"\n\n{indented(presentation.gate_table_text(problem.gates))}"
    return text


def diagram_saved(path: Path) -> str:
    return f"Circuit diagram: {path}"


# ---- sessions, progress, undo --------------------------------------------------
def summary(answered: int, right: int, progress: Progress, show_time: LocalTime) -> str:
    counts = f"answered: {answered}\nright: {right}"
    if progress.due_now:  # when the next item is due is in the progress report below
        counts += f"\n{progress.due_now} due now — run chainrule try again to go on"
    return f"{RULE}\nSession over\n{indented(counts)}"


def nothing_due(next_due: datetime | None, show_time: LocalTime) -> str:
    when = "" if next_due is None else f"; the next review is {show_time(next_due)}"
    families = "\n".join(f"{INDENT}{line}" for line in presentation.family_lines())
    return (
        f"Nothing is due right now{when}. For an extra problem, run chainrule try "
        f"--practice FAMILY with one of:\n{families}"
    )


def progress_report(progress: Progress, show_time: LocalTime) -> str:
    sections: list[tuple[str, str]] = [
        ("Boxes", presentation.boxes_text(progress)),
        ("Due", presentation.due_text(progress)),
        ("Record", presentation.record_text(progress)),
    ]
    if progress.accuracy_by_family:
        sections.append(("Accuracy by problem", presentation.family_accuracy_text(progress)))
    if progress.skills:
        sections.append(("Skills", presentation.skills_text(progress)))
    if progress.frequent_mistake is not None:
        sections.append(("Most frequent mistake", presentation.frequent_mistake_text(progress)))
    lines = [RULE, "Your progress"]
    lines += [f"{name}:\n{indented(body)}" for name, body in sections]
    if progress.next_due is not None:
        lines.append(f"Next due: {show_time(progress.next_due)}")
    lines.append(
        f"Days follow the time zone {progress.timezone} (change it with --timezone ZONE). "
        + presentation.day_rollover_note()
    )
    return "\n".join(lines)


def undo_done(undo: UndoResult, show_time: LocalTime) -> str:
    return presentation.undo_text(undo, show_time)
