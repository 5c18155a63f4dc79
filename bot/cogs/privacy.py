"""/export (your data as a JSON file) and /forget-me (delete it, after a confirmation).

Both act on the learner who runs them and nobody else, and both reply privately.
The confirmation buttons answer only their owner and disable themselves when
they time out, so an old message cannot delete anything.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.components import forget_custom_id
from bot.errors import report_error, send_ephemeral

if TYPE_CHECKING:
    from bot.client import ChainruleBot

log = logging.getLogger(__name__)

CONFIRM_TIMEOUT_SECONDS = 120.0
FORGET_WARNING = (
    "This deletes **everything** chainrule stores about you, in every server: your boxes, "
    "answers, streak and reminder settings. It cannot be undone. "
    "(Use `/export` first if you want a copy.)"
)
NOT_YOURS = "These buttons belong to someone else."


def export_file(user_id: int, exported: dict[str, Any], size_limit: int) -> discord.File:
    """The export as pretty JSON, gzipped if it would not fit in one attachment."""
    data = json.dumps(exported, indent=2, ensure_ascii=False).encode()
    name = f"chainrule-export-{user_id}.json"
    if len(data) > size_limit:
        data, name = gzip.compress(data), name + ".gz"
    return discord.File(io.BytesIO(data), filename=name)


def stores_nothing(exported: dict[str, Any]) -> bool:
    tables = (value for key, value in exported.items() if isinstance(value, list))
    return exported.get("learner") is None and not any(tables)


class PrivacyCog(commands.Cog):
    def __init__(self, bot: ChainruleBot) -> None:
        self.bot = bot
        self.confirm_timeout = CONFIRM_TIMEOUT_SECONDS

    @app_commands.command(name="export", description="Get everything chainrule stores about you.")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        exported = await self.bot.service.export_learner(interaction.user.id)
        if stores_nothing(exported):
            await interaction.followup.send("I store nothing about you.", ephemeral=True)
            return
        file = await asyncio.to_thread(
            export_file, interaction.user.id, exported, interaction.filesize_limit
        )
        await interaction.followup.send(
            "Everything chainrule stores about you (times in UTC).", file=file, ephemeral=True
        )

    @app_commands.command(
        name="forget-me", description="Delete everything chainrule stores about you."
    )
    async def forget_me(self, interaction: discord.Interaction) -> None:
        view = ForgetConfirmView(self.bot, interaction, timeout=self.confirm_timeout)
        await interaction.response.send_message(FORGET_WARNING, view=view, ephemeral=True)


class ForgetConfirmView(discord.ui.View):
    """Delete / Cancel, for the learner who ran /forget-me only; acts on the first click."""

    def __init__(self, bot: ChainruleBot, origin: discord.Interaction, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.bot = bot
        self.origin = origin  # its token edits the message when the view times out
        self.owner_id = origin.user.id
        self.decided = False
        # stable ids, so a click after a restart is told the confirmation expired
        self.confirm.custom_id = forget_custom_id(origin.id, "confirm")
        self.cancel.custom_id = forget_custom_id(origin.id, "cancel")
        bot.components.track_view(self)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not await self.bot.admit(interaction):  # closing: see ChainruleBot.close
            return False
        if interaction.user.id != self.owner_id:
            await send_ephemeral(interaction, NOT_YOURS)
            return False
        return True

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[ForgetConfirmView]
    ) -> None:
        if not self.decide():
            await interaction.response.defer()
            return
        await interaction.response.edit_message(content="Deleting…", view=self)
        deleted = await self.bot.service.forget_learner(self.owner_id)
        outcome = (
            "Done: everything chainrule stored about you is deleted."
            if deleted
            else "There was nothing stored about you, so nothing was deleted."
        )
        await interaction.edit_original_response(content=outcome, view=self)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[ForgetConfirmView]
    ) -> None:
        if not self.decide():
            await interaction.response.defer()
            return
        await interaction.response.edit_message(
            content="Cancelled — nothing was deleted.", view=self
        )

    def decide(self) -> bool:
        """Disable the buttons and stop; False if a decision was already taken."""
        if self.decided:
            return False
        self.decided = True
        self.disable_all()
        self.stop()
        return True

    def disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def on_timeout(self) -> None:
        if self.decided:
            return
        self.decided = True
        self.disable_all()
        try:
            await self.origin.edit_original_response(
                content="Timed out — nothing was deleted. Run `/forget-me` again if you meant to.",
                view=self,
            )
        except discord.HTTPException as failure:
            log.debug("could not disable the /forget-me buttons: %s", failure)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        await report_error(interaction, error)
