"""Everything the bot shows, as embeds and strings built from study-service results.

Pure functions (no Discord I/O), so a unit test can build the largest reply of
each kind and check it against Discord's limits.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot import limits
from bot.limits import clip, clip_code_block
from quizzes import presentation
from quizzes.grading import AnswerParseError, QuantityResult, tolerance_note
from quizzes.presentation import RIGHT, WRONG, gate_table_text, page_labels
from quizzes.problems.base import Problem

if TYPE_CHECKING:
    from quizzes.decks import Card
    from quizzes.study import Progress, ServedItem, SubmitResult, UndoResult
    from quizzes.study.results import Recommendation, WalkStep

DIAGRAM_FILENAME = "circuit.png"
COLOUR_ITEM = discord.Colour.blurple()
COLOUR_RIGHT = discord.Colour.green()
COLOUR_WRONG = discord.Colour.red()
COLOUR_NEUTRAL = discord.Colour.blurple()
SOLUTION_ROOM = 1500  # characters kept for the worked solution when quantities are many
MORE_FIELD_ROOM = 80


def timestamp(moment: datetime, style: str = "R") -> str:
    """Discord's ``<t:unix:style>`` markup: each reader sees it in their own zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def _item_footer(item: ServedItem, extra: str = "") -> str:
    where = "practice — boxes do not move" if item.practice else f"box {item.box}"
    return clip(" · ".join(part for part in (extra, where) if part), limits.EMBED_FOOTER)


# ---- flashcards ----------------------------------------------------------
def card_front_embed(card: Card, item: ServedItem) -> discord.Embed:
    front = clip(card.front, limits.EMBED_DESCRIPTION)
    embed = discord.Embed(title="Flashcard", description=front, colour=COLOUR_ITEM)
    embed.set_footer(text=_item_footer(item, "Recall the answer, then reveal it"))
    return embed


def card_back_embed(card: Card, item: ServedItem) -> discord.Embed:
    front = clip(card.front, limits.EMBED_DESCRIPTION - limits.EMBED_FIELD_VALUE * 2)
    embed = discord.Embed(title="Flashcard", description=front, colour=COLOUR_ITEM)
    embed.add_field(name="Answer", value=clip(card.back, limits.EMBED_FIELD_VALUE), inline=False)
    if card.source:
        embed.add_field(name="Source", value=clip(card.source, limits.EMBED_FIELD_VALUE))
    embed.set_footer(text=_item_footer(item, "Did you know it?"))
    return limits.fit_embed(embed)


def card_result_embed(card: Card, item: ServedItem, result: SubmitResult) -> discord.Embed:
    embed = card_back_embed(card, item)
    knew = result.correct
    embed.title = f"{RIGHT} Knew it" if knew else f"{WRONG} Missed it"
    embed.colour = COLOUR_RIGHT if knew else COLOUR_WRONG
    embed.add_field(name="Schedule", value=schedule_text(result), inline=False)
    embed.set_footer(text=_item_footer(item))
    return limits.fit_embed(embed)


# ---- problems ------------------------------------------------------------
def problem_embed(problem: Problem, item: ServedItem, page: int = 0) -> discord.Embed:
    """The question: title, formula, numbers and what to compute, with the tolerance."""
    description = f"`{problem.formula}`\n\n{problem.prompt}"
    embed = discord.Embed(
        title=clip(problem.title, limits.EMBED_TITLE),
        description=clip(description, limits.EMBED_DESCRIPTION),
        colour=COLOUR_ITEM,
    )
    if problem.is_multiple_choice:
        for choice in problem.choices[: limits.EMBED_FIELDS]:
            embed.add_field(
                name=choice.key, value=clip(choice.text, limits.EMBED_FIELD_VALUE), inline=False
            )
        extra = "Pick one answer"
    else:
        pages = len(problem.pages)
        heading = "Compute" if pages == 1 else f"Compute (page {page + 1} of {pages})"
        asked = page_labels(problem.pages[page])
        embed.add_field(name=heading, value=clip(asked, limits.EMBED_FIELD_VALUE), inline=False)
        extra = tolerance_note(q.expected for q in problem.quantities)
    embed.set_footer(text=_item_footer(item, extra))
    return limits.fit_embed(embed)


def page_saved_embed(problem: Problem, item: ServedItem, next_page: int) -> discord.Embed:
    embed = problem_embed(problem, item, next_page)
    embed.insert_field_at(
        0, name="Saved", value=f"Page {next_page} of {len(problem.pages)} is saved.", inline=False
    )
    return limits.fit_embed(embed)


def result_embed(
    problem: Problem,
    item: ServedItem,
    result: SubmitResult,
    *,
    with_diagram: bool,
    with_solution: bool = True,
) -> discord.Embed:
    """✓/✗ per quantity with the key and diagnoses, the worked solution and gate table —
    held back (``with_solution`` False) while the learner may still work through it."""
    passed = result.correct
    verdict = f"{RIGHT} Right" if passed else f"{WRONG} Not quite"
    embed = discord.Embed(
        title=clip(f"{verdict} — {problem.title}", limits.EMBED_TITLE),
        colour=COLOUR_RIGHT if passed else COLOUR_WRONG,
    )
    footer = "Worked solution above" if with_solution else "Work through it, or show the solution"
    embed.set_footer(text=_item_footer(item, footer))
    if with_diagram:
        embed.set_image(url=f"attachment://{DIAGRAM_FILENAME}")
    closing = [("Schedule", schedule_text(result))]
    if problem.is_multiple_choice:
        closing.insert(0, ("Why", _choice_explanations(problem, result)))
    budget = limits.EMBED_TOTAL - len(embed) - SOLUTION_ROOM
    budget -= sum(len(name) + len(value) for name, value in closing)
    _add_quantity_fields(embed, result, budget, limits.EMBED_FIELDS - len(closing))
    for name, value in closing:
        embed.add_field(name=name, value=value, inline=False)
    room = min(limits.EMBED_DESCRIPTION, limits.EMBED_TOTAL - len(embed))
    if problem.is_multiple_choice:  # "Why" explains the right option and the one picked
        others = presentation.other_choices_text(problem, result.grade)
        embed.description = clip(f"**The other options**\n{others}", room) if others else None
    elif with_solution:
        embed.description = worked_solution(problem, room)
    else:
        embed.description = WALK_OFFER
    return limits.fit_embed(embed)


WALK_OFFER = (
    "**Work through it** takes you through the gate that went wrong, one step at a time "
    "— or **Show solution** for the worked solution."
)


def practice_pick_text(pick: Recommendation) -> str:
    return f"Practising **{pick.family}**, because {pick.reason}."


def walk_step_embed(problem: Problem, step: WalkStep, feedback: str | None = None) -> discord.Embed:
    """The walk's step on screen, after the feedback on the step before (if any)."""
    embed = discord.Embed(
        title=clip(f"Working through it — {problem.title}", limits.EMBED_TITLE),
        colour=COLOUR_NEUTRAL,
    )
    parts = [feedback] if feedback else []
    parts.append(f"**{presentation.walk_step_text(step)}**")
    embed.description = clip("\n\n".join(parts), limits.EMBED_DESCRIPTION)
    embed.set_footer(text="Answer the step — or Skip for the worked solution")
    return limits.fit_embed(embed)


def walk_done_embed(problem: Problem, text: str, *, with_solution: bool) -> discord.Embed:
    """The walk's last feedback (the corrected answer and its rule), then the solution."""
    embed = discord.Embed(
        title=clip(f"Worked through — {problem.title}", limits.EMBED_TITLE),
        colour=COLOUR_NEUTRAL,
    )
    body = text
    if with_solution:
        room = limits.EMBED_DESCRIPTION - len(text) - 2
        body = f"{text}\n\n{worked_solution(problem, room)}"
    embed.description = clip(body, limits.EMBED_DESCRIPTION)
    return limits.fit_embed(embed)


def solution_embed(problem: Problem) -> discord.Embed:
    embed = discord.Embed(title=clip(problem.title, limits.EMBED_TITLE), colour=COLOUR_NEUTRAL)
    embed.description = worked_solution(problem, limits.EMBED_DESCRIPTION)
    return limits.fit_embed(embed)


def _add_quantity_fields(
    embed: discord.Embed, result: SubmitResult, budget: int, slots: int
) -> None:
    """One field per quantity while they fit; the rest summed up in a last field."""
    results = result.grade.results if result.grade is not None else ()
    hints = presentation.hints_once(results)
    fields = [_quantity_field(r, hints[r.name]) for r in results]
    shown = 0
    for field in fields:
        size = len(field["name"]) + len(field["value"])
        last_slot = shown == slots - 1 and shown + 1 < len(fields)
        if last_slot or size > budget - MORE_FIELD_ROOM:
            break
        embed.add_field(**field, inline=False)
        budget -= size
        shown += 1
    if shown < len(fields):
        hidden = results[shown:]
        right = sum(r.correct for r in hidden)
        embed.add_field(
            name="More results",
            value=f"{len(hidden)} more quantities, {right} of them right.",
            inline=False,
        )


def _quantity_field(quantity_result: QuantityResult, hints: list[str]) -> dict[str, str]:
    mark = presentation.mark(quantity_result.correct)
    lines = [presentation.answer_comparison(quantity_result), *hints]
    return {
        "name": clip(f"{mark} {quantity_result.label}", limits.EMBED_FIELD_NAME),
        "value": clip("\n".join(lines), limits.EMBED_FIELD_VALUE),
    }


def _choice_explanations(problem: Problem, result: SubmitResult) -> str:
    lines = [
        f"**{choice.key}** {presentation.mark(choice.correct)} {choice.explanation}"
        for choice in presentation.explained_choices(problem, result.grade)
    ]
    return clip("\n".join(lines), limits.EMBED_FIELD_VALUE)


def worked_solution(problem: Problem, room: int) -> str:
    """The solution text and, room permitting, the per-gate table as a code block."""
    text = f"**Worked solution**\n{problem.solution}"
    if not problem.gates:
        return clip(text, room)
    text = clip(text, max(room // 2, room - 900))
    table_room = room - len(text) - 1
    if table_room < 80:
        return text
    return text + "\n" + clip_code_block(gate_table_text(problem.gates), table_room)


def schedule_text(result: SubmitResult) -> str:
    text = presentation.schedule_text(result, timestamp)
    if result.practice or result.next_due is None:
        return text
    return f"{text}\n-# {presentation.day_rollover_note()}"  # Discord's small print


def parse_error_text(error: AnswerParseError) -> str:
    lines = [f"**{e.label}**: {e.message} — for example `{e.example}`" for e in error.errors]
    body = "\n".join(lines) or str(error)
    return clip(
        f"I could not read part of your answer, so nothing was recorded.\n{body}\n"
        "Press **Answer** again to retry.",
        limits.MESSAGE_CONTENT,
    )


# ---- sessions, progress, undo -------------------------------------------
def summary_embed(
    answered: int, right: int, next_due: datetime | None, due_now: int = 0
) -> discord.Embed:
    embed = discord.Embed(title="Session over", colour=COLOUR_ITEM)
    embed.add_field(name="Answered", value=str(answered))
    embed.add_field(name="Right", value=str(right))
    due = timestamp(next_due) if next_due else "nothing scheduled"
    if due_now:  # stopped early: the next due time is already past
        due += f" ({due_now} due now — `/review` to go on)"
    embed.add_field(name="Next due", value=due)
    return embed


def nothing_due_text(next_due: datetime | None) -> str:
    if next_due is None:
        return "Nothing is due. Try `/practice` for an extra problem."
    return (
        f"Nothing is due right now; the next review is {timestamp(next_due)}. "
        "Try `/practice` for an extra problem."
    )


def progress_embed(progress: Progress) -> discord.Embed:
    embed = discord.Embed(title="Your progress", colour=COLOUR_ITEM)
    embed.add_field(name="Boxes", value=presentation.boxes_text(progress))
    embed.add_field(name="Due", value=presentation.due_text(progress))
    embed.add_field(name="Record", value=presentation.record_text(progress))
    if progress.accuracy_by_family:
        families = presentation.family_accuracy_text(progress)
        embed.add_field(
            name="Accuracy by problem",
            value=clip(families, limits.EMBED_FIELD_VALUE),
            inline=False,
        )
    if progress.skills:
        table = presentation.skills_text(progress)
        embed.add_field(
            name="Skills", value=clip_code_block(table, limits.EMBED_FIELD_VALUE), inline=False
        )
    if progress.frequent_mistake is not None:
        embed.add_field(
            name="Most frequent mistake",
            value=clip(presentation.frequent_mistake_text(progress), limits.EMBED_FIELD_VALUE),
            inline=False,
        )
    if progress.next_due is not None:
        embed.add_field(name="Next due", value=timestamp(progress.next_due), inline=False)
    embed.set_footer(
        text=f"Days follow your time zone ({progress.timezone}). {presentation.day_rollover_note()}"
    )
    return limits.fit_embed(embed)


def undo_text(undo: UndoResult) -> str:
    return presentation.undo_text(undo, timestamp)
