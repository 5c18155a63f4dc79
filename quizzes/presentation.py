"""Plain text every front end shows the same way: values, verdicts, the gate table, progress.

Pure functions of study-service results, with no markup: the Discord front end
(bot/embeds.py) puts them into embed fields, the terminal (terminal/formatting.py)
prints them.  How a moment in time is written differs per front end (Discord's
``<t:…>`` markup, local wall time in a terminal), so functions that show one take
a ``show_time`` callable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from quizzes.autograd import GateRow
from quizzes.circuit_view import display_gates
from quizzes.grading import Grade, QuantityResult
from quizzes.leitner import LeitnerConfig
from quizzes.mistakes import MISTAKES
from quizzes.problems import FAMILIES
from quizzes.problems.base import Choice, Problem, Quantity, fmt, fmt_answer
from quizzes.study.results import Progress, SubmitResult, UndoResult, WalkStep

RIGHT, WRONG = "✓", "✗"
GATE_TABLE_HEADER = ("node", "op", "value", "local", "upstream", "downstream")
INPUTS_PER_LINE = 4  # the inputs under the gate table: short lines, in a code block too

TimeFormatter = Callable[[datetime], str]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 card``, ``2 cards``, ``0 problem families`` (with ``plural_form``)."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def family_lines() -> list[str]:
    """One line per problem family: its id, then its title, ids aligned."""
    width = max(len(family_id) for family_id in FAMILIES)
    return [f"{family_id:<{width}}  {family.title}" for family_id, family in FAMILIES.items()]


def mark(correct: bool) -> str:
    return RIGHT if correct else WRONG


def page_labels(page: Sequence[Quantity]) -> str:
    return ", ".join(q.label for q in page)


# ---- one answer ------------------------------------------------------------
def answer_comparison(result: QuantityResult) -> str:
    """What the learner gave against the key: ``you: 1 · key: -4``."""
    return f"you: {fmt_answer(result.given)} · key: {fmt_answer(result.expected)}"


def hint_lines(result: QuantityResult) -> list[str]:
    """A ``↳`` line for the grader's note on this quantity (credit for rounding, or for a
    backward pass right for the learner's own forward values), then one per mistake
    named for it."""
    note = [f"↳ {result.note}"] if result.note else []
    return note + [f"↳ {diagnosis.hint}" for diagnosis in result.diagnoses]


def hints_once(results: Sequence[QuantityResult]) -> dict[str, list[str]]:
    """Each quantity's ``↳ hint`` lines, every hint only under the first quantity it names:
    one slip that makes three answers wrong is explained once, not three times."""
    seen: set[str] = set()
    shown: dict[str, list[str]] = {}
    for result in results:
        lines = [line for line in hint_lines(result) if line not in seen]
        seen.update(lines)
        shown[result.name] = lines
    return shown


def explained_choices(problem: Problem, grade: Grade | None) -> list[Choice]:
    """The choices worth explaining after an answer: the right one(s) and the one picked."""
    given = ""
    if grade is not None and grade.results:
        given = str(grade.results[0].given)
    return [choice for choice in problem.choices if choice.correct or choice.key == given]


def day_rollover_note(hour: int = LeitnerConfig().rollover_hour) -> str:
    """Why "due again" names an early-morning time: review days start at the rollover hour."""
    return (
        f"Review days roll over at {hour:02d}:00 in your time zone, so studying after "
        "midnight still counts for the day before."
    )


def other_choices_text(problem: Problem, grade: Grade | None) -> str:
    """A multiple choice's worked solution, less what "Why" already said (the right option
    and the one picked): why each remaining option is wrong."""
    explained = set(explained_choices(problem, grade))
    others = [c for c in problem.choices if c not in explained]
    return "\n".join(f"{c.key}: {c.explanation}" for c in others)


def schedule_text(result: SubmitResult, show_time: TimeFormatter) -> str:
    """Where the answer moved the item: ``Box 1 → 2, due again …`` (practice moves nothing)."""
    if result.practice:
        return "Practice — your boxes did not move."
    due = f", due again {show_time(result.next_due)}" if result.next_due else ""
    replay = " (already recorded — counted once)" if result.replayed else ""
    return f"Box {result.box_before} → {result.box_after}{due}{replay}"


# ---- the worked solution ---------------------------------------------------
def undo_text(undo: UndoResult, show_time: TimeFormatter) -> str:
    """What ``/undo`` and ``u`` say, naming the item as the learner knows it (never its id)."""
    item = undo.title or "that item"
    when = show_time(undo.reviewed_at)
    if undo.practice:
        return f"Undid your practice answer to {item} from {when}; practice moves no box."
    due = f", due {show_time(undo.due)}" if undo.due else ""
    return f"Undid your answer to {item} from {when}: it is back in box {undo.box}{due}."


def gate_table_text(gates: Sequence[GateRow]) -> str:
    """value, local gradient, upstream and downstream of every gate, aligned in columns, then
    the inputs with their values and gradients on one line (constants folded into their
    gate, every node named: see quizzes.circuit_view)."""
    shown = display_gates(gates)
    rows = [GATE_TABLE_HEADER] + [
        (
            row.name,
            row.op,
            fmt(row.value),
            ", ".join(fmt(g) for g in row.local_grads),
            fmt(row.upstream),
            ", ".join(fmt(g) for g in row.downstream),
        )
        for row in shown
        if row.inputs
    ]
    widths = [max(len(r[column]) for r in rows) for column in range(len(GATE_TABLE_HEADER))]
    table = [
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]
    inputs = [
        f"{row.name} = {fmt(row.value)} → {fmt(row.upstream)}" for row in shown if not row.inputs
    ]
    if inputs:
        table.append("inputs (value → gradient):")
        for start in range(0, len(inputs), INPUTS_PER_LINE):
            table.append("  " + ", ".join(inputs[start : start + INPUTS_PER_LINE]))
    return "\n".join(table)


# ---- progress --------------------------------------------------------------
def accuracy_text(accuracy: float | None) -> str:
    return "—" if accuracy is None else f"{accuracy:.0%}"


def boxes_text(progress: Progress) -> str:
    lines = [f"box {box}: {count}" for box, count in sorted(progress.boxes.items())]
    return "\n".join(lines) or "no items yet"


def due_text(progress: Progress) -> str:
    return (
        f"now: {progress.due_now}\ntoday: {progress.due_today}\n"
        f"tomorrow: {progress.due_tomorrow}\nthis week: {progress.due_this_week}"
    )


def record_text(progress: Progress) -> str:
    return (
        f"streak: {plural(progress.streak_days, 'day')}\nreviews: {progress.reviews}\n"
        f"accuracy: {accuracy_text(progress.accuracy)}"
    )


def family_accuracy_text(progress: Progress) -> str:
    """``family: 75%`` per problem family answered so far; empty before the first."""
    return "\n".join(
        f"{family}: {accuracy:.0%}"
        for family, accuracy in sorted(progress.accuracy_by_family.items())
    )


BAR_WIDTH = 10
AUTO_PRACTICE = "auto"  # practise what the learner most needs (chosen by the study service)


def skills_text(progress: Progress) -> str:
    """One line per skill practised: a bar of the mastery estimate, its verdict, and the
    answers behind it.  The estimate weighs recent answers most (knowledge tracing), so
    the line shows the last few beside the whole record rather than a bare percentage:
    "solid" after 8 of 18 right reads as a contradiction until the last 5 are seen right."""
    if not progress.skills:
        return "no skills practised yet"
    width = max(len(m.label) for m in progress.skills)
    lines = []
    for m in progress.skills:
        filled = round(m.known * BAR_WIDTH)
        bar = "█" * filled + "░" * (BAR_WIDTH - filled)
        recent = "".join("✓" if ok else "✗" for ok in m.recent)
        lines.append(
            f"{m.label.ljust(width)}  {bar} {m.verdict:<8} last {recent}  "
            f"({m.right}/{m.opportunities} right in all)"
        )
    return "\n".join(lines)


def frequent_mistake_text(progress: Progress) -> str:
    """The learner's most frequent diagnosed mistake of the last 14 days, or empty."""
    if progress.frequent_mistake is None:
        return ""
    code, times = progress.frequent_mistake
    mistake = MISTAKES.get(code)
    what = f": you {mistake.slip}" if mistake is not None else ""
    return f"{code} — {plural(times, 'time')} in the last 14 days{what}. " + (
        mistake.hint if mistake is not None else ""
    )


def walk_step_text(step: WalkStep) -> str:
    head = f"Step {step.number} of {step.of} — {step.gate_text}, for {step.quantity}"
    return f"{head}\n{step.question}"
