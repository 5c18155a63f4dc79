"""The one place errors become replies: quiz errors are shown, anything else gets an id.

``tree.on_error`` and every view's and form's ``on_error`` call :func:`report_error`.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.acknowledge import settle
from bot.limits import MESSAGE_CONTENT, clip
from quizzes.problems.base import QuizError

log = logging.getLogger(__name__)

NOT_YOUR_SESSION = "This is not your session — run `/review` to start your own."
EXPIRED = "This card has expired — run `/review` again."


def new_error_id() -> str:
    return secrets.token_hex(4)


def unwrap(error: BaseException) -> BaseException:
    """The exception a command or view actually raised (discord.py wraps command errors)."""
    while isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return error


def learner_message(error: BaseException) -> str | None:
    """What to tell the learner for an expected error; None for a bug."""
    if isinstance(error, QuizError):
        return str(error) or "That did not work."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down — try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return "You are not allowed to use this command here."
    return None


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    error = unwrap(error)
    message = learner_message(error)
    if message is None:
        error_id = new_error_id()
        log.error(
            "error %s in interaction %s (user %s, command %s)",
            error_id,
            interaction.id,
            interaction.user.id if interaction.user else None,
            interaction.command.qualified_name if interaction.command else None,
            exc_info=error,
        )
        message = (
            f"Something went wrong on my side (error id `{error_id}`). "
            "Please try again; if it keeps happening, tell your instructor the id."
        )
    await send_ephemeral(interaction, message)


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Reply privately whether or not the interaction was already acknowledged."""
    text = clip(message, MESSAGE_CONTENT)
    try:
        await settle(interaction)  # a deferral on its way has landed, or will not be sent
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except (discord.HTTPException, discord.InteractionResponded) as failure:
        # the interaction expired or Discord refused: nothing left to tell the learner
        log.warning(
            "could not deliver an error reply to interaction %s: %s", interaction.id, failure
        )
