"""One learner's review (or practice) in one ephemeral message, step by step.

The flow edits a single message in place: item -> answer -> result -> next item
-> summary.  It holds what Discord needs between clicks (the ReviewSession, the
answers typed on earlier pages of a form, the counters for the summary); the
study service holds everything that matters after a restart.

Every step answers its click in one callback when its work is done within a second,
and is deferred (then edited with ``edit_original_response``) when it is not, so
database work and diagram rendering never risk Discord's 3-second limit
(bot.acknowledge).  A problem's diagram depends on the problem only, so it
is drawn while the learner works on the answer and is ready with the result.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import TYPE_CHECKING

import discord

from bot import embeds
from bot.acknowledge import defer_soon, settle
from bot.cogs.review_views import (
    AfterAnswerView,
    AnswerView,
    CardBackView,
    CardFrontView,
    ChoiceView,
    OwnedView,
    WalkView,
)
from bot.components import component_token
from bot.errors import send_ephemeral
from quizzes.grading import AnswerParseError
from quizzes.presentation import AUTO_PRACTICE
from quizzes.study import NothingDue, ServedItem, StudyError, SubmitResult
from quizzes.study.results import WalkStep

if TYPE_CHECKING:
    from bot.client import ChainruleBot
    from bot.cogs.review_views import Action
    from quizzes.leitner import ReviewSession
    from quizzes.problems.base import Problem

log = logging.getLogger(__name__)

STALE_FORM = "That form belongs to a question you have already moved past; nothing was recorded."


class ReviewFlow:
    def __init__(
        self,
        bot: ChainruleBot,
        user_id: int,
        guild_id: int | None,
        *,
        session: ReviewSession | None = None,
        practice_family: str | None = None,
        message_id: int | None = None,
    ) -> None:
        """``message_id``: the flow's message, if known before the first click (the id
        Discord gave the deferred reply to /review); later clicks carry it anyway."""
        self.bot = bot
        self.service = bot.service
        self.user_id = user_id
        self.guild_id = guild_id
        self.session = session
        self.practice_family = practice_family
        self.item: ServedItem | None = None
        self.component_token = component_token()  # renewed with every item shown
        self.saved_answers: dict[str, str] = {}  # checked pages of the current form
        self.drafts: dict[str, str] = {}  # last text typed per field, refilled on retry
        self.answered = 0
        self.right = 0
        self.view: OwnedView | None = None
        self.interaction: discord.Interaction | None = None  # latest, to edit on timeout
        self.message_id = message_id
        self._served_at = time.monotonic()
        self._recorded: set[int] = set()
        self.walk: WalkStep | None = None  # the walk step on screen
        # the diagram of the problem on screen, by attempt id, drawn while the learner works
        self._diagram: tuple[int, asyncio.Task[bytes | None]] | None = None

    @property
    def practice(self) -> bool:
        return self.practice_family is not None

    # ---- showing ------------------------------------------------------------
    async def display(
        self,
        interaction: discord.Interaction,
        *,
        embed: discord.Embed,
        view: OwnedView | None,
        file: discord.File | None = None,
    ) -> None:
        """Replace the flow's message with ``embed`` and ``view``; the old view stops first
        so discord.py never routes a click to two views (see ComponentRegistry)."""
        if self.view is not None and self.view is not view:
            self.view.stop()
        self.view, self.interaction = view, interaction
        if interaction.message is not None:
            self.message_id = interaction.message.id
        if view is not None:
            self.bot.serve_view(view, self.message_id)
        attachments = [file] if file is not None else []
        await self._replace(
            interaction, content=None, embed=embed, view=view, attachments=attachments
        )

    @staticmethod
    async def _replace(
        interaction: discord.Interaction,
        *,
        content: str | None,
        embed: discord.Embed | None,
        view: OwnedView | None,
        attachments: list[discord.File],
    ) -> None:
        """Edit the flow's message: as the click's callback if it is not acknowledged yet
        (one request), else through the deferred response (see bot.acknowledge)."""
        await settle(interaction)
        if interaction.response.is_done():
            await interaction.edit_original_response(
                content=content, embed=embed, view=view, attachments=attachments
            )
        else:
            await interaction.response.edit_message(
                content=content, embed=embed, view=view, attachments=attachments
            )

    async def refresh_buttons(self, view: OwnedView) -> None:
        """Show ``view``'s current (disabled) buttons; the message may be long gone."""
        if self.interaction is None:
            return
        try:
            await self.interaction.edit_original_response(view=view)
        except discord.HTTPException as failure:
            log.debug("could not disable the buttons of a timed-out view: %s", failure)

    async def show_next(self, interaction: discord.Interaction) -> None:
        defer_soon(interaction, self.bot.defer_after)
        family, focus, why = self.practice_family, None, None
        if family == AUTO_PRACTICE:  # chosen afresh for each problem, as the learner goes
            pick = await self.service.recommend_practice(self.user_id)
            family, focus, why = pick.family, pick.focus, embeds.practice_pick_text(pick)
        served = await self.service.next_item(
            self.user_id,
            guild_id=self.guild_id,
            session=self.session,
            practice_family=family,
            focus=focus,
        )
        await self.show_served(interaction, served, why)

    async def show_served(
        self, interaction: discord.Interaction, served: ServedItem | NothingDue, why: str | None
    ) -> None:
        """Show what next_item (or start_review) served: an item, or the end of the session."""
        if isinstance(served, NothingDue):
            await self._finish_with(interaction, served)
        else:
            await self.show_item(interaction, served, why)

    async def show_item(
        self, interaction: discord.Interaction, item: ServedItem, why: str | None = None
    ) -> None:
        self.item = item
        self.component_token = component_token()
        self.saved_answers, self.drafts = {}, {}
        self._served_at = time.monotonic()
        self._prepare_diagram(item)
        if item.card is not None:
            await self.display(
                interaction,
                embed=embeds.card_front_embed(item.card, item),
                view=CardFrontView(self),
            )
            return
        problem = item.problem
        if problem is None:
            raise RuntimeError(f"served item {item.item_id} has neither a card nor a problem")
        view: OwnedView
        if problem.is_multiple_choice:
            view = ChoiceView(self, [choice.key for choice in problem.choices])
        else:
            view = AnswerView(self, page=0, pages=len(problem.pages))
        embed = embeds.problem_embed(problem, item)
        if why is not None:
            embed.insert_field_at(0, name="Why this problem", value=why, inline=False)
        await self.display(interaction, embed=embed, view=view)

    async def finish(self, interaction: discord.Interaction) -> None:
        defer_soon(interaction, self.bot.defer_after)
        await self._finish_with(interaction, None)

    async def _finish_with(self, interaction: discord.Interaction, due: NothingDue | None) -> None:
        if due is not None and self.answered == 0:
            if self.view is not None:
                self.view.stop()
            self.view = None
            await self._replace(
                interaction,
                content=embeds.nothing_due_text(due.next_due),
                embed=None,
                view=None,
                attachments=[],
            )
            return
        if due is not None:
            embed = embeds.summary_embed(self.answered, self.right, due.next_due)
        else:
            progress = await self.service.progress(self.user_id)
            embed = embeds.summary_embed(
                self.answered, self.right, progress.next_due, progress.due_now
            )
        await self.display(interaction, embed=embed, view=None)

    # ---- answering ------------------------------------------------------------
    async def reveal_card(self, interaction: discord.Interaction) -> None:
        item = self._current()
        if item.card is None:
            raise RuntimeError("reveal_card without a card on screen")
        await self.display(
            interaction, embed=embeds.card_back_embed(item.card, item), view=CardBackView(self)
        )

    async def answer_recall_knew(self, interaction: discord.Interaction) -> None:
        await self.submit(interaction, {"recall": "knew"})

    async def answer_recall_missed(self, interaction: discord.Interaction) -> None:
        await self.submit(interaction, {"recall": "missed"})

    def choice_answerer(self, key: str) -> Action:
        async def answer_choice(interaction: discord.Interaction) -> None:
            await self.submit(interaction, {"choice": key})

        return answer_choice

    async def submit_page(
        self, interaction: discord.Interaction, attempt_id: int, page: int, answers: dict[str, str]
    ) -> None:
        """A form came back: check an early page and ask for the next, or submit them all."""
        defer_soon(interaction, self.bot.defer_after)
        item = self.item
        if item is None or item.problem is None or item.attempt_id != attempt_id:
            await send_ephemeral(interaction, STALE_FORM)  # a form left open too long
            return
        self.drafts.update(answers)
        pages = len(item.problem.pages)
        if page + 1 >= pages:
            await self.submit(interaction, {**self.saved_answers, **answers})
            return
        try:
            await self.service.check_page(self.user_id, attempt_id, page, answers)
        except AnswerParseError as error:
            await send_ephemeral(interaction, embeds.parse_error_text(error))
            return
        self.saved_answers.update(answers)
        embed = embeds.page_saved_embed(item.problem, item, page + 1)
        await self.display(interaction, embed=embed, view=AnswerView(self, page + 1, pages))

    async def submit(self, interaction: discord.Interaction, answers: dict[str, str]) -> None:
        defer_soon(interaction, self.bot.defer_after)
        item = self._current()
        try:
            result = await self.service.submit(
                self.user_id,
                item.attempt_id,
                answers,
                seconds_taken=time.monotonic() - self._served_at,
            )
        except AnswerParseError as error:
            await send_ephemeral(interaction, embeds.parse_error_text(error))
            return
        self._count(result)
        await self._show_result(interaction, item, result)

    def _count(self, result: SubmitResult) -> None:
        if result.replayed or result.attempt_id in self._recorded:
            return
        self._recorded.add(result.attempt_id)
        self.answered += 1
        self.right += int(result.correct)
        if self.session is not None and not result.practice:
            self.session.record(result.item_id, result.correct)

    async def _show_result(
        self, interaction: discord.Interaction, item: ServedItem, result: SubmitResult
    ) -> None:
        walkable = result.walkable and item.problem is not None and not item.problem.choices
        view = AfterAnswerView(self, walk=walkable)
        if item.card is not None:
            embed = embeds.card_result_embed(item.card, item, result)
            await self.display(interaction, embed=embed, view=view)
            return
        problem = item.problem
        if problem is None:
            raise RuntimeError(f"item {item.item_id} has neither a card nor a problem")
        png = await self._diagram_of(item, problem)
        file = discord.File(io.BytesIO(png), filename=embeds.DIAGRAM_FILENAME) if png else None
        embed = embeds.result_embed(
            problem, item, result, with_diagram=file is not None, with_solution=not walkable
        )
        await self.display(interaction, embed=embed, view=view, file=file)

    # ---- working through a miss -------------------------------------------------
    async def start_walk(self, interaction: discord.Interaction) -> None:
        defer_soon(interaction, self.bot.defer_after)
        item = self._current()
        try:
            step = await self.service.start_walk(self.user_id, item.attempt_id)
        except StudyError as error:  # NoWalk, or a generator changed since
            await send_ephemeral(interaction, str(error))
            return
        self.walk = step
        problem = self._problem()
        embed = embeds.walk_step_embed(problem, step)
        await self.display(interaction, embed=embed, view=WalkView(self), file=None)

    async def answer_step(self, interaction: discord.Interaction, walk_id: int, text: str) -> None:
        """A step's form came back: check it, then show the feedback and the next step."""
        defer_soon(interaction, self.bot.defer_after)
        if self.walk is None or self.walk.walk_id != walk_id:
            await send_ephemeral(interaction, STALE_FORM)
            return
        try:
            reply = await self.service.walk_answer(self.user_id, walk_id, text)
        except AnswerParseError as error:
            await send_ephemeral(interaction, embeds.parse_error_text(error))
            return
        except StudyError as error:  # WalkOver: finished or skipped in the meantime
            await send_ephemeral(interaction, str(error))
            return
        problem = self._problem()
        if reply.next is None:
            self.walk = None
            embed = embeds.walk_done_embed(problem, reply.text, with_solution=True)
            await self.display(interaction, embed=embed, view=AfterAnswerView(self))
            return
        self.walk = reply.next
        embed = embeds.walk_step_embed(problem, reply.next, reply.text)
        await self.display(interaction, embed=embed, view=WalkView(self))

    async def skip_walk(self, interaction: discord.Interaction) -> None:
        defer_soon(interaction, self.bot.defer_after)
        walk, self.walk = self.walk, None
        problem = self._problem()
        closing = ""
        if walk is not None:
            try:
                closing = await self.service.skip_walk(self.user_id, walk.walk_id)
            except StudyError as error:
                closing = str(error)
        embed = embeds.walk_done_embed(problem, closing, with_solution=True)
        await self.display(interaction, embed=embed, view=AfterAnswerView(self))

    async def show_solution(self, interaction: discord.Interaction) -> None:
        defer_soon(interaction, self.bot.defer_after)
        embed = embeds.solution_embed(self._problem())
        await self.display(interaction, embed=embed, view=AfterAnswerView(self))

    def _problem(self) -> Problem:
        problem = self._current().problem
        if problem is None:
            raise RuntimeError("no problem on screen")
        return problem

    def _prepare_diagram(self, item: ServedItem) -> None:
        """Start drawing ``item``'s diagram; the previous item's, if unused, is dropped."""
        if self._diagram is not None:
            self._diagram[1].cancel()
        self._diagram = None
        if item.problem is not None and item.problem.gates and self.bot.render_diagrams:
            drawing = asyncio.create_task(self.bot.render_diagram(item.problem))
            # a diagram nobody waits for (the learner stopped) must not log its failure
            drawing.add_done_callback(lambda task: task.cancelled() or task.exception())
            self._diagram = (item.attempt_id, drawing)

    async def _diagram_of(self, item: ServedItem, problem: Problem) -> bytes | None:
        if self._diagram is None or self._diagram[0] != item.attempt_id:
            return await self.bot.render_diagram(problem)  # e.g. a replayed answer
        drawing = self._diagram[1]
        self._diagram = None
        return await drawing

    def _current(self) -> ServedItem:
        if self.item is None:
            raise RuntimeError("no item on screen")
        return self.item
