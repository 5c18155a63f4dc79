"""The buttons and forms of a review: one view per step, each owned by one learner.

Each view belongs to a :class:`~bot.cogs.review_flow.ReviewFlow` and only forwards
clicks to it.  A view accepts clicks from its owner only, acts on the first click
of a double click (the second is acknowledged and ignored; the study service is
idempotent as well), and disables its buttons when it times out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot import limits
from bot.components import answer_form_custom_id, review_custom_id, walk_form_custom_id
from bot.errors import NOT_YOUR_SESSION, report_error
from bot.limits import clip
from quizzes.grading import MAX_ANSWER_LENGTH
from quizzes.problems.base import Quantity

if TYPE_CHECKING:
    from bot.cogs.review_flow import ReviewFlow
    from quizzes.study.results import WalkStep

log = logging.getLogger(__name__)

# Interaction tokens live 15 minutes; a view must be able to edit its message on timeout.
VIEW_TIMEOUT_SECONDS = 14 * 60

Action = Callable[[discord.Interaction], Awaitable[None]]


class OwnedView(discord.ui.View):
    """A view that only its learner may use, acting once, disabling itself on timeout."""

    def __init__(self, flow: ReviewFlow) -> None:
        super().__init__(timeout=VIEW_TIMEOUT_SECONDS)
        self.flow = flow
        self.acting = False

    def add_button(
        self,
        label: str,
        action_name: str,
        callback: Action,
        *,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        once: bool = True,
        row: int | None = None,
    ) -> discord.ui.Button[OwnedView]:
        button: discord.ui.Button[OwnedView] = discord.ui.Button(
            label=clip(label, limits.BUTTON_LABEL),
            style=style,
            custom_id=review_custom_id(self.flow.component_token, action_name),
            row=row,
        )

        async def clicked(interaction: discord.Interaction) -> None:
            if once:
                await self.act_once(interaction, callback)
            else:
                await callback(interaction)

        button.callback = clicked  # type: ignore[method-assign]
        self.add_item(button)
        return button

    async def act_once(self, interaction: discord.Interaction, callback: Action) -> None:
        if self.acting:  # the second click of a double click
            await interaction.response.defer()
            return
        self.acting = True
        try:
            await callback(interaction)
        except BaseException:
            self.acting = False  # let the learner try again after an error
            raise

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await admit_owner(self.flow, interaction)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.flow.view is self:
            await self.flow.refresh_buttons(self)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[OwnedView],
    ) -> None:
        await report_error(interaction, error)


async def admit_owner(flow: ReviewFlow, interaction: discord.Interaction) -> bool:
    """Every button and form of a review answers its learner only; anyone else is told so
    privately and nothing they sent is looked at."""
    if not await flow.bot.admit(interaction):
        return False
    if interaction.user.id == flow.user_id:
        return True
    await interaction.response.send_message(NOT_YOUR_SESSION, ephemeral=True)
    return False


class CardFrontView(OwnedView):
    def __init__(self, flow: ReviewFlow) -> None:
        super().__init__(flow)
        self.add_button("Show answer", "show", flow.reveal_card, style=discord.ButtonStyle.primary)
        self.add_button("Stop", "stop-card", flow.finish, row=1)


class CardBackView(OwnedView):
    def __init__(self, flow: ReviewFlow) -> None:
        super().__init__(flow)
        self.add_button(
            "Knew it", "knew", flow.answer_recall_knew, style=discord.ButtonStyle.success
        )
        self.add_button(
            "Missed it", "missed", flow.answer_recall_missed, style=discord.ButtonStyle.danger
        )


class ChoiceView(OwnedView):
    """One button per choice (A-D in the shipped families; up to 20 fit in four rows)."""

    def __init__(self, flow: ReviewFlow, keys: list[str]) -> None:
        super().__init__(flow)
        for key in keys[:20]:
            self.add_button(key, f"choice-{key}", flow.choice_answerer(key))
        self.add_button("Stop", "stop-choice", flow.finish, row=4)


class AnswerView(OwnedView):
    """The **Answer** button (page 0) or **Continue** (later pages) opening the form."""

    def __init__(self, flow: ReviewFlow, page: int, pages: int) -> None:
        super().__init__(flow)
        self.page = page
        label = "Answer" if page == 0 else f"Continue (page {page + 1} of {pages})"
        # not "once": after a parse error the learner presses it again to retry
        self.add_button(
            label, f"answer-{page}", self.open_form, style=discord.ButtonStyle.primary, once=False
        )
        self.add_button("Stop", f"stop-{page}", flow.finish, row=1)

    async def open_form(self, interaction: discord.Interaction) -> None:
        form = AnswerForm(self.flow, self.page)
        self.flow.bot.serve_modal(form)  # before Discord can show it: see serve_view
        await interaction.response.send_modal(form)


class AfterAnswerView(OwnedView):
    """Next and Stop; after a miss that can be worked through, Work through it first (the
    worked solution is one click away too)."""

    def __init__(self, flow: ReviewFlow, *, walk: bool = False) -> None:
        super().__init__(flow)
        next_label, stop_label = ("Another one", "Done") if flow.practice else ("Next", "Stop")
        if walk:
            self.add_button(
                "Work through it", "walk", flow.start_walk, style=discord.ButtonStyle.primary
            )
            self.add_button("Show solution", "solution", flow.show_solution)
        next_style = discord.ButtonStyle.secondary if walk else discord.ButtonStyle.primary
        self.add_button(next_label, "next", flow.show_next, style=next_style)
        self.add_button(stop_label, "end", flow.finish)


class WalkView(OwnedView):
    """One walk step: Answer step opens its one-field form; Skip shows the solution."""

    def __init__(self, flow: ReviewFlow) -> None:
        super().__init__(flow)
        # not "once": after an unreadable answer the learner presses it again
        self.add_button(
            "Answer step", "step", self.open_form, style=discord.ButtonStyle.primary, once=False
        )
        self.add_button("Skip", "skip-walk", flow.skip_walk)

    async def open_form(self, interaction: discord.Interaction) -> None:
        step = self.flow.walk
        if step is None:
            await interaction.response.defer()
            return
        form = WalkStepForm(self.flow, step)
        self.flow.bot.serve_modal(form)  # before Discord can show it: see serve_view
        await interaction.response.send_modal(form)


class WalkStepForm(discord.ui.Modal):
    """The walk's current step, one field."""

    def __init__(self, flow: ReviewFlow, step: WalkStep) -> None:
        super().__init__(
            title=clip(f"Step {step.number} of {step.of}", limits.MODAL_TITLE),
            timeout=VIEW_TIMEOUT_SECONDS,
            custom_id=walk_form_custom_id(flow.component_token, step.number),
        )
        self.flow = flow
        self.walk_id = step.walk_id
        self.answer: discord.ui.TextInput[WalkStepForm] = discord.ui.TextInput(
            label=clip(step.label, limits.TEXT_INPUT_LABEL),
            custom_id="step",
            placeholder=clip("a number, e.g. -4 or 0.25", limits.TEXT_INPUT_PLACEHOLDER),
            style=discord.TextStyle.short,
            max_length=MAX_ANSWER_LENGTH,
            required=True,
        )
        self.add_item(self.answer)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await admit_owner(self.flow, interaction)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.flow.answer_step(interaction, self.walk_id, self.answer.value)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await report_error(interaction, error)


class AnswerForm(discord.ui.Modal):
    """One text field per quantity on the page (a form holds at most five)."""

    def __init__(self, flow: ReviewFlow, page: int) -> None:
        item = flow.item
        if item is None or item.problem is None:
            raise RuntimeError("an answer form needs a problem on screen")
        problem = item.problem
        pages = len(problem.pages)
        title = "Your answer" if pages == 1 else f"Your answer, page {page + 1} of {pages}"
        super().__init__(
            title=clip(title, limits.MODAL_TITLE),
            timeout=VIEW_TIMEOUT_SECONDS,
            custom_id=answer_form_custom_id(flow.component_token, page),
        )
        self.flow = flow
        self.attempt_id = item.attempt_id
        self.page = page
        self.inputs = [self._text_input(q, flow.drafts.get(q.name)) for q in problem.pages[page]]
        for text_input in self.inputs:
            self.add_item(text_input)

    @staticmethod
    def _text_input(quantity: Quantity, draft: str | None) -> discord.ui.TextInput[AnswerForm]:
        matrix = quantity.kind == "matrix"
        return discord.ui.TextInput(
            label=clip(quantity.label, limits.TEXT_INPUT_LABEL),
            custom_id=quantity.name,
            placeholder=clip(f"e.g. {quantity.example}", limits.TEXT_INPUT_PLACEHOLDER),
            default=draft,
            style=discord.TextStyle.paragraph if matrix else discord.TextStyle.short,
            max_length=MAX_ANSWER_LENGTH,
            required=True,
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await admit_owner(self.flow, interaction)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        answers = {text_input.custom_id: text_input.value for text_input in self.inputs}
        await self.flow.submit_page(interaction, self.attempt_id, self.page, answers)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await report_error(interaction, error)
