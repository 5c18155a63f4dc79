"""/review (what is due, in a private session) and /practice (an extra problem)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.cogs.review_flow import ReviewFlow
from bot.limits import clip
from quizzes.presentation import AUTO_PRACTICE
from quizzes.problems import FAMILIES

if TYPE_CHECKING:
    from bot.client import ChainruleBot


def family_choices() -> list[app_commands.Choice[str]]:
    """The /practice menu: every registered problem family, by title."""
    return [
        app_commands.Choice(name=clip(family.title, limits.COMMAND_DESCRIPTION), value=family_id)
        for family_id, family in sorted(FAMILIES.items())
    ][: limits.CHOICES_PER_OPTION]


class ReviewCog(commands.Cog):
    def __init__(self, bot: ChainruleBot) -> None:
        self.bot = bot

    @app_commands.command(name="review", description="Review what is due today, privately.")
    async def review(self, interaction: discord.Interaction) -> None:
        deferred = await interaction.response.defer(ephemeral=True, thinking=True)
        session, first = await self.bot.service.start_review(
            interaction.user.id, guild_id=interaction.guild_id
        )
        flow = ReviewFlow(
            self.bot,
            interaction.user.id,
            interaction.guild_id,
            session=session,
            message_id=deferred.message_id if deferred else None,
        )
        await flow.show_served(interaction, first, None)

    @app_commands.command(
        name="practice",
        description="Extra problems; your boxes do not move. No family: what you most need.",
    )
    @app_commands.describe(family="Which kind of problem (leave out: chosen for your weak spots)")
    @app_commands.choices(family=family_choices())
    async def practice(
        self, interaction: discord.Interaction, family: app_commands.Choice[str] | None = None
    ) -> None:
        deferred = await interaction.response.defer(ephemeral=True, thinking=True)
        flow = ReviewFlow(
            self.bot,
            interaction.user.id,
            interaction.guild_id,
            practice_family=family.value if family is not None else AUTO_PRACTICE,
            message_id=deferred.message_id if deferred else None,
        )
        await flow.show_next(interaction)
