"""/remind: a daily review reminder at the learner's own time, in their own zone.

``/remind time:18:30 timezone:Europe/Paris where:dm`` turns reminders on (any
option may be left out to keep its value), ``/remind time:off`` turns them off,
and ``/remind`` alone shows the setting and when the next reminder comes.  The
cog also runs the every-minute sweep (bot/reminders.py) while it is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import timestamp
from bot.reminders import ReminderSchedule, ReminderSender, StartReviewView
from quizzes.reminders import ReminderService, ReminderSettings
from quizzes.timezones import matching_zones

if TYPE_CHECKING:
    from bot.client import ChainruleBot

OFF_WORDS = ("off", "stop", "none")
TIME_SUGGESTIONS = ("07:30", "08:00", "12:30", "18:00", "19:30", "21:00", "off")
WHERE_CHOICES = [
    app_commands.Choice(name="Direct message", value="dm"),
    app_commands.Choice(name="This server's reminder channel", value="channel"),
]
WHY_NOT_IN_DMS = (
    "Discord refused my direct message{since}: your privacy settings block messages from "
    "this server's members. {fallback} To get reminders by DM again, allow direct messages "
    "(Server menu → Privacy Settings) and run `/remind where:dm`."
)


def settings_embed(settings: ReminderSettings) -> discord.Embed:
    if not settings.enabled:
        embed = discord.Embed(
            title="Reminders are off",
            description="Turn them on with `/remind time:18:30 timezone:Europe/Paris`.",
        )
    else:
        place = "by direct message" if settings.where == "dm" else "in the server's channel"
        source = "" if settings.own_time else " (the server's default time)"
        embed = discord.Embed(
            title="Daily review reminder",
            description=(
                f"Every day at **{settings.time}**{source}, {settings.timezone} time, {place}, "
                "when you have items due.\n`/remind time:off` stops them."
            ),
        )
        if settings.next_reminder_at is not None:
            when = settings.next_reminder_at
            embed.add_field(
                name="Next reminder", value=f"{timestamp(when, 'F')} ({timestamp(when)})"
            )
    if settings.dms_closed:
        since = f" on {timestamp(settings.dms_closed_at, 'D')}" if settings.dms_closed_at else ""
        fallback = (
            f"Your reminders mention you in <#{settings.channel_id}> instead."
            if settings.channel_id is not None
            else "Your reminders are paused until then."
        )
        embed.add_field(
            name="Why no direct messages",
            value=WHY_NOT_IN_DMS.format(since=since, fallback=fallback),
            inline=False,
        )
    return embed


async def zone_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete of a time-zone option (/remind timezone:, /timezone zone:)."""
    return [app_commands.Choice(name=name, value=name) for name in matching_zones(current)]


class RemindCog(commands.Cog):
    def __init__(self, bot: ChainruleBot) -> None:
        self.bot = bot
        self.reminders = ReminderService.from_study(bot.service)
        self.sender = ReminderSender(bot, self.reminders, rate=bot.settings.reminders_per_second)
        self.schedule = ReminderSchedule(self.sender.sweep_logging_failures)

    async def cog_load(self) -> None:
        self.bot.add_view(StartReviewView(self.bot))
        self.schedule.start()

    async def cog_unload(self) -> None:
        self.schedule.stop()

    @app_commands.command(
        name="remind", description="A daily reminder to review: set it, see it, or turn it off."
    )
    @app_commands.describe(
        time="HH:MM in your time zone, e.g. 18:30 — or off to stop reminders",
        timezone="Your time zone, e.g. Europe/Paris (start typing your city)",
        where="Where the reminder goes",
    )
    @app_commands.choices(where=WHERE_CHOICES)
    @app_commands.autocomplete(timezone=zone_choices)
    async def remind(
        self,
        interaction: discord.Interaction,
        time: str | None = None,
        timezone: str | None = None,
        where: app_commands.Choice[str] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        user_id = interaction.user.id
        if time is not None and time.strip().lower() in OFF_WORDS:
            settings = await self.reminders.turn_off(user_id)
        elif time is None and timezone is None and where is None:
            settings = await self.reminders.settings(user_id)
        else:
            settings = await self.reminders.set_reminder(
                user_id,
                at=time,
                timezone=timezone,
                where=None if where is None else ("channel" if where.value == "channel" else "dm"),
                guild_id=interaction.guild_id,
            )
        await interaction.followup.send(embed=settings_embed(settings), ephemeral=True)

    @remind.autocomplete("time")
    async def time_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip()
        suggestions = [t for t in TIME_SUGGESTIONS if t.startswith(typed)] or list(TIME_SUGGESTIONS)
        if typed and typed not in suggestions:
            suggestions.insert(0, typed[:5])
        return [app_commands.Choice(name=t, value=t) for t in suggestions]
