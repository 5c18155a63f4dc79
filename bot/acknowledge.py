"""Answer a click in one callback when the work is quick; defer it only when it is not.

Discord wants an interaction's callback within 3 s.  Deferring first and editing the
message afterwards is always safe, but costs two requests where one would do: under
load (bench/bot_load.py, 200 learners) those extra requests were a fifth of what the
bot's event loop did.  So a handler calls :func:`defer_soon` where it would have
deferred; if its reply is ready within :data:`DEFER_AFTER` seconds it goes out as the
callback itself (``UPDATE_MESSAGE``), else the deferral goes out then, in time, and
the reply edits the message afterwards.  Whatever replies calls :func:`settle` first:
it cancels a deferral not yet sent, or waits for one already on its way, so an
interaction is never acknowledged twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import aiohttp
import discord

log = logging.getLogger(__name__)

# Seconds of work after which the click is deferred: well inside Discord's 3 s, counted
# from when the handler started (the event loop may have held the click a moment before).
DEFER_AFTER = 1.0
EXTRAS_KEY = "chainrule.deferral"


@dataclass
class _Deferral:
    timer: asyncio.TimerHandle | None = None
    sending: asyncio.Task[None] | None = None
    done: bool = field(default=False)


def defer_soon(interaction: discord.Interaction, after: float = DEFER_AFTER) -> None:
    """Defer ``interaction`` (a component click or a form) after ``after`` seconds unless a
    reply has been sent by then.  Calling it again changes nothing."""
    if interaction.response.is_done() or EXTRAS_KEY in interaction.extras:
        return
    deferral = _Deferral()
    interaction.extras[EXTRAS_KEY] = deferral
    loop = asyncio.get_running_loop()
    deferral.timer = loop.call_later(after, _start_deferring, interaction, deferral)


def _start_deferring(interaction: discord.Interaction, deferral: _Deferral) -> None:
    deferral.timer = None
    if deferral.done or interaction.response.is_done() or interaction.client.is_closed():
        return
    deferral.sending = asyncio.create_task(_defer(interaction), name="chainrule-late-defer")


async def _defer(interaction: discord.Interaction) -> None:
    try:
        await interaction.response.defer()
    except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError) as failure:
        # expired, answered some other way meanwhile, or the bot is closing: the reply (if
        # the handler still gets to it) finds out for itself and says so
        log.debug("could not defer interaction %s: %s", interaction.id, failure)


async def settle(interaction: discord.Interaction) -> None:
    """Before replying to ``interaction``: no deferral will be sent from now on, and one
    already sent has been answered, so ``interaction.response.is_done()`` is the truth."""
    deferral = interaction.extras.get(EXTRAS_KEY)
    if not isinstance(deferral, _Deferral) or deferral.done:
        return
    deferral.done = True
    if deferral.timer is not None:
        deferral.timer.cancel()
        deferral.timer = None
    if deferral.sending is not None:
        await asyncio.shield(deferral.sending)
