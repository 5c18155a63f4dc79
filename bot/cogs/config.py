"""/config instructor-role | reminder-channel | reminder-time — for Manage Server only.

Each subcommand sets its setting when given a value, clears it with ``clear:True``
and otherwise just shows the server's settings.  Like /stats, the permission is
both the command's default and checked again at run time (admins can override
command permissions in Integrations).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import COLOUR_ITEM
from quizzes.instructor import GuildConfig, InstructorError, InstructorService, NotAGuildManager

if TYPE_CHECKING:
    from bot.client import ChainruleBot

T = TypeVar("T")
Setter = Callable[[int, T | None], Awaitable[GuildConfig]]


class ConfigCog(commands.Cog):
    config = app_commands.Group(
        name="config",
        description="chainrule's settings for this server (Manage Server only).",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: ChainruleBot) -> None:
        self.bot = bot
        self.instructors = InstructorService(bot.service)

    @config.command(name="instructor-role", description="The role whose members may use /stats.")
    @app_commands.describe(
        role="Members with this role may see /stats", clear="Remove the instructor role"
    )
    async def instructor_role(
        self,
        interaction: discord.Interaction,
        role: discord.Role | None = None,
        clear: bool = False,
    ) -> None:
        if role is not None and role.is_default():
            raise InstructorError(
                "@everyone cannot be the instructor role: every member would see "
                "everyone's statistics."
            )
        role_id = role.id if role is not None else None
        await self.apply(interaction, role_id, clear, self.instructors.set_instructor_role)

    @config.command(
        name="reminder-channel",
        description="Where reminders go for learners who chose the channel or closed their DMs.",
    )
    @app_commands.describe(channel="The reminder channel", clear="Remove the reminder channel")
    async def reminder_channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        clear: bool = False,
    ) -> None:
        channel_id = channel.id if channel is not None else None
        await self.apply(interaction, channel_id, clear, self.instructors.set_reminder_channel)

    @config.command(
        name="reminder-time", description="The default reminder time, in each learner's own zone."
    )
    @app_commands.describe(
        time="HH:MM, 24-hour, e.g. 18:30", clear="Remove the default reminder time"
    )
    async def reminder_time(
        self, interaction: discord.Interaction, time: str | None = None, clear: bool = False
    ) -> None:
        await self.apply(interaction, time, clear, self.instructors.set_reminder_time)

    async def apply(
        self, interaction: discord.Interaction, value: T | None, clear: bool, setter: Setter[T]
    ) -> None:
        """Set, clear or (with neither) show; then reply with all of the server's settings."""
        guild_id = require_manager(interaction)
        if clear and value is not None:
            raise InstructorError("Give a value or clear:True, not both.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        if clear or value is not None:
            config = await setter(guild_id, value)
        else:
            config = await self.instructors.guild_config(guild_id)
        await interaction.followup.send(embed=config_embed(config), ephemeral=True)


def require_manager(interaction: discord.Interaction) -> int:
    """The guild's id when the member has Manage Server there; NotAGuildManager otherwise."""
    if interaction.guild_id is None:
        raise InstructorError("Run /config in your server, not in a direct message.")
    if not interaction.permissions.manage_guild:
        raise NotAGuildManager()
    return interaction.guild_id


def config_embed(config: GuildConfig) -> discord.Embed:
    role = (
        f"<@&{config.instructor_role_id}>"
        if config.instructor_role_id is not None
        else "not set — only members with Manage Server see /stats"
    )
    channel = (
        f"<#{config.reminder_channel_id}>"
        if config.reminder_channel_id is not None
        else "not set — reminders go by direct message only"
    )
    when = (
        f"{config.default_reminder_time}, in each learner's own time zone"
        if config.default_reminder_time is not None
        else "not set — learners choose theirs with /remind"
    )
    embed = discord.Embed(title="Server settings", colour=COLOUR_ITEM)
    embed.add_field(name="Instructor role", value=role, inline=False)
    embed.add_field(name="Reminder channel", value=channel, inline=False)
    embed.add_field(name="Default reminder time", value=when, inline=False)
    return embed
