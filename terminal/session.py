"""One learner's study session in a terminal: ask, check, submit, show, repeat.

The loop reads with a ``read(prompt)`` callable that behaves like ``input`` (it
raises EOFError at the end of input, KeyboardInterrupt on Ctrl-C) and writes
with ``write(text)``, so tests drive it with a script.  Everything that counts
goes through the study service; this module only decides what to ask next.

At any prompt ``q`` stops and ``u`` undoes the last answer; neither can be a
valid answer (answers are numbers, matrices, k/m or choice letters A-D).  After a
missed problem the learner may work through the gate that went wrong, one step at a
time (``s`` skips to the worked solution).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from quizzes import presentation
from quizzes.decks import Card
from quizzes.grading import AnswerParseError, parse_field
from quizzes.leitner import ReviewSession
from quizzes.presentation import AUTO_PRACTICE
from quizzes.problems.base import Problem, Quantity
from quizzes.study import NothingDue, ServedItem, StudyError, StudyService, SubmitResult
from quizzes.study.results import WalkStep
from terminal import formatting
from terminal.formatting import LocalTime

ReadLine = Callable[[str], str]
WriteText = Callable[[str], None]

QUIT, UNDO = "q", "u"
RECALL_KEYS = {"k": "knew", "m": "missed"}
REVEAL_PROMPT = "Press Enter to show the answer: "
RECALL_PROMPT = "Did you know it? k = knew, m = missed: "
WALK_PROMPT = "Work through it gate by gate? Enter = yes, s = skip to the worked solution: "
SKIP_KEYS = {"s", "skip"}


class StopStudying(Exception):
    """The learner typed q."""


class TerminalStudy:
    """A review session (what is due, then today's new items) or endless practice of a family."""

    def __init__(
        self,
        service: StudyService,
        user_id: int,
        *,
        read: ReadLine,
        write: WriteText,
        practice_family: str | None = None,
        diagrams: Path | None = None,
        show_time: LocalTime | None = None,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> None:
        self.service = service
        self.user_id = user_id
        self.read = read
        self.write = write
        self.practice_family = practice_family
        self.diagrams = diagrams
        self.show_time = show_time if show_time is not None else LocalTime()
        self.stop_requested = stop_requested  # Ctrl-C while an answer was being recorded
        self.item: ServedItem | None = None  # the item on screen
        self.answered = 0
        self.right = 0
        self._counted: list[SubmitResult] = []  # this session's answers, for undo
        self.session: ReviewSession | None = None  # the queue of a review (not practice)
        self._nothing_was_due = False
        self._days_explained = False  # the day rollover is explained once a sitting

    async def run(self) -> None:
        """Study until nothing is due, q, end of input or Ctrl-C; then the summary and progress."""
        try:
            await self._study()
        except StopStudying:
            pass
        except (EOFError, KeyboardInterrupt):
            self.write("")  # the prompt's line is still open
        await self._finish()

    async def _study(self) -> None:
        session: ReviewSession | None = None
        resumed: ServedItem | None = None
        if self.practice_family is None:
            session = self.session = await self.service.start_session(self.user_id)
            resumed = await self.service.resume(self.user_id)
            resuming = None if resumed is None else resumed.item_id
            self.write(formatting.session_plan(self.service.deck, session, resuming))
        elif self.practice_family == AUTO_PRACTICE:
            self.write(formatting.AUTO_PRACTICE_PLAN)
        else:
            self.write(formatting.practice_plan(self.practice_family))
        self.write(formatting.COMMANDS_HELP)
        if session is not None and resumed is not None:
            await self._resume(session, resumed)
        while True:
            if self.stop_requested():
                raise KeyboardInterrupt  # stop before serving (and storing) another item
            family, focus = self.practice_family, None
            if family == AUTO_PRACTICE:
                try:
                    pick = await self.service.recommend_practice(self.user_id)
                except StudyError as error:  # NothingToPractise: a deck of cards only
                    self.write(str(error))
                    return
                self.write(formatting.practice_pick(pick))
                family, focus = pick.family, pick.focus
            served = await self.service.next_item(
                self.user_id, session=session, practice_family=family, focus=focus
            )
            if isinstance(served, NothingDue):
                if self.answered == 0:
                    self._nothing_was_due = True
                    self.write(formatting.nothing_due(served.next_due, self.show_time))
                return
            await self._study_item(served, session)

    async def _resume(self, session: ReviewSession, resumed: ServedItem) -> None:
        """The item the last sitting stopped on comes first, with the same numbers."""
        self.write(formatting.RESUMING)
        session.take(resumed.item_id)
        await self._study_item(resumed, session)

    async def _finish(self) -> None:
        progress = await self.service.progress(self.user_id)
        if not self._nothing_was_due:
            self.write(formatting.summary(self.answered, self.right, progress, self.show_time))
        self.write(formatting.progress_report(progress, self.show_time))

    # ---- one item -------------------------------------------------------------
    async def _study_item(self, item: ServedItem, session: ReviewSession | None) -> None:
        self.item = item
        served_at = time.monotonic()
        try:
            if item.card is not None:
                answers = await self._recall(item, item.card)
            elif item.problem is not None:
                answers = await self._solve(item, item.problem)
            else:
                raise RuntimeError(f"served item {item.item_id} has neither a card nor a problem")
            result = await self.service.submit(
                self.user_id, item.attempt_id, answers, seconds_taken=time.monotonic() - served_at
            )
        except AnswerParseError as error:  # every page was checked: only a changed problem
            self.write(formatting.parse_error(error))
            return
        except StudyError as error:  # e.g. the attempt expired while the learner was away
            self.write(str(error))
            return
        self._count(result, session)
        await self._show_result(item, result)

    async def _recall(self, item: ServedItem, card: Card) -> dict[str, str]:
        self.write(formatting.card_front(card, item))
        await self._ask(REVEAL_PROMPT)
        self.write(formatting.card_back(card))
        while True:
            key = (await self._ask(RECALL_PROMPT)).strip().lower()
            if key in RECALL_KEYS:
                return {"recall": RECALL_KEYS[key]}
            self.write("Type k (knew it) or m (missed it).")

    async def _solve(self, item: ServedItem, problem: Problem) -> dict[str, str]:
        self.write(formatting.problem_question(problem, item))
        answers: dict[str, str] = {}
        for page in range(len(problem.pages)):
            answers |= await self._answer_page(item, problem, page)
        return answers

    async def _ask_field(self, problem: Problem, quantity: Quantity) -> str:
        """One field, asked again at once until it can be read (nothing is recorded)."""
        while True:
            text = await self._ask(prompt_for(quantity))
            try:
                parse_field(problem, quantity, text)
            except AnswerParseError as error:
                self.write(formatting.parse_error(error))
            else:
                return text

    async def _answer_page(self, item: ServedItem, problem: Problem, page: int) -> dict[str, str]:
        """One page's answers, checked before the next page; unreadable fields are re-asked."""
        heading = formatting.page_heading(problem, page)
        if heading:
            self.write(heading)
        answers: dict[str, str] = {}
        asking = problem.pages[page]
        while True:
            for quantity in asking:
                answers[quantity.name] = await self._ask_field(problem, quantity)
            try:  # the whole page once more, as the service will read it
                await self.service.check_page(self.user_id, item.attempt_id, page, answers)
            except AnswerParseError as error:
                self.write(formatting.parse_error(error))
                unreadable = {field.name for field in error.errors}
                asking = tuple(q for q in problem.pages[page] if q.name in unreadable)
            else:
                return answers

    async def _show_result(self, item: ServedItem, result: SubmitResult) -> None:
        try:
            await self._show_verdict(item, result)
        finally:
            if not self._days_explained and not result.practice and result.next_due:
                self._days_explained = True  # the first "due again" of a sitting says why
                self.write(presentation.day_rollover_note())

    async def _show_verdict(self, item: ServedItem, result: SubmitResult) -> None:
        if item.card is not None:
            self.write(formatting.card_result(result, self.show_time))
            return
        if item.problem is not None:
            problem = item.problem
            walk = result.walkable
            self.write(formatting.problem_result(problem, result, self.show_time, not walk))
            await self._save_diagram(item, problem)
            if walk:
                await self._offer_walk(item, problem)

    async def _offer_walk(self, item: ServedItem, problem: Problem) -> None:
        """Work through the missed gate step by step, or skip to the worked solution."""
        choice = (await self._ask(WALK_PROMPT)).strip().lower()
        if choice in SKIP_KEYS:
            self.write(formatting.worked_solution(problem))
            return
        try:
            step: WalkStep | None = await self.service.start_walk(self.user_id, item.attempt_id)
        except StudyError as error:
            self.write(f"{error}\n\n{formatting.worked_solution(problem)}")
            return
        shown = 0
        while step is not None:
            if step.number != shown:  # a retry asks again without repeating the question
                self.write(presentation.walk_step_text(step))
                shown = step.number
            text = await self._ask(f"{step.label} = ")
            if text.strip().lower() in SKIP_KEYS:
                self.write(await self.service.skip_walk(self.user_id, step.walk_id))
                self.write(formatting.worked_solution(problem))
                return
            try:
                reply = await self.service.walk_answer(self.user_id, step.walk_id, text)
            except AnswerParseError as error:
                self.write(formatting.parse_error(error))
                continue
            except StudyError as error:
                self.write(str(error))
                return
            self.write(reply.text)
            step = reply.next
        self.write(formatting.worked_solution(problem))  # the walk done, the whole solution

    async def _save_diagram(self, item: ServedItem, problem: Problem) -> None:
        if self.diagrams is None or not problem.gates:
            return
        from quizzes.diagram import DiagramError, render_circuit  # Pillow: only when asked

        path = self.diagrams / f"{item.item_id}-{item.attempt_id}.png"
        try:
            png = await asyncio.to_thread(render_circuit, problem.gates, problem.title)
            await asyncio.to_thread(save_file, path, png)
        except (DiagramError, OSError) as error:
            self.write(f"Could not save the circuit diagram: {error}")
            return
        self.write(formatting.diagram_saved(path))

    # ---- prompts and commands -------------------------------------------------
    async def _ask(self, prompt: str) -> str:
        """A line of input; q stops the session, u undoes the last answer and asks again."""
        while True:
            text = self.read(prompt)
            command = text.strip().lower()
            if command == QUIT:
                raise StopStudying
            if command != UNDO:
                return text
            await self._undo()

    async def _undo(self) -> None:
        try:
            undo = await self.service.undo_last(self.user_id)
        except StudyError as error:  # NothingToUndo
            self.write(str(error))
            return
        self.write(formatting.undo_done(undo, self.show_time))
        if self._counted and self._counted[-1].item_id == undo.item_id:
            undone = self._counted.pop()
            self.answered -= 1
            self.right -= int(undone.correct)
            on_screen = self.item is not None and self.item.item_id == undo.item_id
            if self.session is not None and not undo.practice and not on_screen:
                self.session.retry(undo.item_id)  # answer it again in this sitting
                self.write(formatting.ASKED_AGAIN)

    def _count(self, result: SubmitResult, session: ReviewSession | None) -> None:
        if result.replayed:
            return
        self._counted.append(result)
        self.answered += 1
        self.right += int(result.correct)
        if session is not None and not result.practice:
            session.record(result.item_id, result.correct)  # a miss comes back at the end


def prompt_for(quantity: Quantity) -> str:
    return f"{quantity.label}: " if quantity.kind == "choice" else f"{quantity.label} = "


def save_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
