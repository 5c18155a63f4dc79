"""/timezone: the zone a learner's days follow, chosen without turning reminders on.

``/timezone zone:Europe/Paris`` stores it (the option autocompletes like /remind's);
``/timezone`` alone shows it and what it decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.remind import zone_choices

if TYPE_CHECKING:
    from bot.client import ChainruleBot

WHAT_IT_DECIDES = (
    "Your review days follow **{zone}** time; a new day starts at {rollover:02d}:00 there. "
    "It decides:\n"
    "• **due days**: the day an item comes back\n"
    "• **streak**: which days count as days you studied\n"
    "• **reminder time**: when a `/remind` reminder comes, if you have them on\n"
    "Choosing a zone does not turn reminders on. Change it with `/timezone zone:` "
    "(start typing your city)."
)


def timezone_embed(zone: str, rollover_hour: int, *, changed: bool) -> discord.Embed:
    title = f"Time zone set: {zone}" if changed else f"Your time zone: {zone}"
    return discord.Embed(
        title=title, description=WHAT_IT_DECIDES.format(zone=zone, rollover=rollover_hour)
    )


class TimezoneCog(commands.Cog):
    def __init__(self, bot: ChainruleBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="timezone", description="The time zone your review days follow: see it or set it."
    )
    @app_commands.describe(zone="Your time zone, e.g. Europe/Paris (start typing your city)")
    @app_commands.autocomplete(zone=zone_choices)
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        service, user_id = self.bot.service, interaction.user.id
        if zone is None:
            current = await service.timezone(user_id)
        else:
            current = await service.set_timezone(user_id, zone)  # UnknownTimezone: tree.on_error
        embed = timezone_embed(
            current, service.scheduler.config.rollover_hour, changed=zone is not None
        )
        await interaction.followup.send(embed=embed, ephemeral=True)
