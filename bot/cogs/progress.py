"""/progress (the learner's own boxes, due forecast, streak, accuracy) and /undo."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds

if TYPE_CHECKING:
    from bot.client import ChainruleBot


class ProgressCog(commands.Cog):
    def __init__(self, bot: ChainruleBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="progress", description="Your boxes, what is due, your streak and accuracy."
    )
    async def progress(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        progress = await self.bot.service.progress(interaction.user.id)
        await interaction.followup.send(embed=embeds.progress_embed(progress), ephemeral=True)

    @app_commands.command(name="undo", description="Undo your last answer (within 10 minutes).")
    async def undo(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        undone = await self.bot.service.undo_last(interaction.user.id)
        await interaction.followup.send(embeds.undo_text(undone), ephemeral=True)
