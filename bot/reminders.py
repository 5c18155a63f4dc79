"""Daily reminders on Discord: the every-minute sweep and the paced sender.

An APScheduler ``AsyncIOScheduler`` runs :meth:`ReminderSender.sweep` every minute
(``coalesce=True``: missed runs collapse into one; ``misfire_grace_time=None``:
a late run still runs).  The sweep asks the reminder service what is due,
claims each reminder (one atomic write, so several processes may sweep the same
database and each reminder still goes out once), and sends it, pacing the sends
(10 per second by default) so a class of thousands stays far below Discord's 50
requests per second and its anti-spam.

Costs and faults, per reminder:
- one request: the DM channel id is cached in the database after the first DM;
- 429: discord.py sleeps for the ``retry_after`` Discord gives and retries;
- 5xx: discord.py retries 500/502/504 itself a few times; if the error persists
  the reminder is claimed again later the same day (``Outcome.RETRY``);
- 403 code 50007 (DMs closed): the learner is marked, never sent a DM again
  (each 403 counts towards Discord's invalid-request limit), and mentioned in
  the guild's reminder channel instead when there is one;
- any other error is logged and recorded for that learner; the sweep goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from discord.http import handle_message_parameters

from bot.errors import report_error
from quizzes.reminders import ClaimedReminder, DueReminder, Outcome, ReminderService

if TYPE_CHECKING:
    from bot.client import ChainruleBot

log = logging.getLogger(__name__)

START_REVIEW_CUSTOM_ID = "chainrule:remind:start-review"
DEFAULT_RATE = 10.0  # reminders per second, per process
MAX_IN_FLIGHT = 32  # a send stuck in discord.py's 5xx back-off must not stall the rest
SWEEP_JOB_ID = "chainrule-reminder-sweep"
DMS_CLOSED_CODE = 50007  # "Cannot send messages to this user"
RETRYABLE = (discord.DiscordServerError, discord.RateLimited, aiohttp.ClientError, TimeoutError)


class StartReviewView(discord.ui.View):
    """The reminder's button.  Persistent (no timeout, fixed custom id): registered once
    with ``bot.add_view``, it answers clicks on every reminder, even after a restart."""

    def __init__(self, bot: ChainruleBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(
        label="Start review", style=discord.ButtonStyle.primary, custom_id=START_REVIEW_CUSTOM_ID
    )
    async def start_review(
        self, interaction: discord.Interaction, button: discord.ui.Button[StartReviewView]
    ) -> None:
        await open_review(self.bot, interaction)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.bot.admit(interaction)  # closing waits for it: see ChainruleBot.close

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_error(interaction, error)


async def open_review(bot: ChainruleBot, interaction: discord.Interaction) -> None:
    """Exactly what /review does, for whoever clicked (a channel reminder's button
    opens the clicker's own private session)."""
    cog = bot.get_cog("ReviewCog")
    if cog is None:
        raise RuntimeError("the review cog is not loaded")
    review_command = cog.review  # type: ignore[attr-defined]
    await review_command.callback(cog, interaction)


def reminder_text(claimed: ClaimedReminder) -> str:
    items = "item" if claimed.due_items == 1 else "items"
    if claimed.streak_days:
        days = "day" if claimed.streak_days == 1 else "days"
        streak = f"Your streak: **{claimed.streak_days}** {days} — keep it going."
    else:
        streak = "A review today starts a new streak."
    return f"You have **{claimed.due_items}** {items} due for review.\n{streak}"


def dm_message(claimed: ClaimedReminder) -> dict[str, Any]:
    embed = discord.Embed(
        title="Time for your backprop review",
        description=reminder_text(claimed),
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text="/remind changes the time or turns these reminders off.")
    return {"embed": embed}


def channel_message(claimed: ClaimedReminder) -> dict[str, Any]:
    return {
        "content": f"<@{claimed.user_id}> {reminder_text(claimed)}",
        # the bot mentions nobody by default; this message may ping its learner only
        "allowed_mentions": discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(claimed.user_id)]
        ),
    }


class Pacer:
    """Spaces the starts of sends ``1/rate`` seconds apart, on average, with no bursts."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError(f"the reminder rate must be positive, not {rate}")
        self.interval = 1.0 / rate
        self._next_start = 0.0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._next_start < now - self.interval:
            self._next_start = now  # idle a while: start afresh rather than burst
        start = self._next_start
        self._next_start = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class ReminderSender:
    """Sweeps, claims and sends reminders through the bot's HTTP client."""

    def __init__(
        self,
        bot: discord.Client,
        reminders: ReminderService,
        *,
        rate: float = DEFAULT_RATE,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.bot = bot
        self.reminders = reminders
        self.pacer = Pacer(rate)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._sweeping = asyncio.Lock()

    async def sweep(self) -> Counter[str]:
        """One sweep: every due reminder claimed by this process, sent.  How many of each
        outcome (plus ``"not-claimed"`` for those another sweep or process took)."""
        report: Counter[str] = Counter()
        async with self._sweeping, asyncio.TaskGroup() as sends:
            for reminder in await self.reminders.due_reminders():
                claimed = await self._claim(reminder, report)
                if claimed is None:
                    continue
                await self.pacer.wait()
                await self._slots.acquire()
                task = sends.create_task(self._deliver(claimed, report))
                # released when the task ends, even if it is cancelled before it starts
                task.add_done_callback(lambda _: self._slots.release())
        return report

    async def _claim(self, reminder: DueReminder, report: Counter[str]) -> ClaimedReminder | None:
        try:
            claimed = await self.reminders.claim(reminder)
        except asyncio.CancelledError:
            raise
        except Exception:  # one learner's failure never stops the sweep
            log.exception("could not claim the reminder of %s", reminder.user_id)
            report["claim-failed"] += 1
            return None
        if claimed is None:
            report["not-claimed"] += 1
        return claimed

    async def sweep_logging_failures(self) -> None:
        """The scheduled job: a failed sweep is logged and the next minute tries again."""
        try:
            report = await self.sweep()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the reminder sweep failed; the next one will pick up where it left")
        else:
            if report:
                log.info("reminder sweep: %s", dict(report))

    async def _deliver(self, claimed: ClaimedReminder, report: Counter[str]) -> None:
        try:
            outcome, dms_closed, detail = await self._send(claimed)
        except asyncio.CancelledError:
            raise
        except RETRYABLE as error:
            outcome, dms_closed, detail = Outcome.RETRY, False, _describe(error)
        except discord.HTTPException as error:
            outcome, dms_closed, detail = Outcome.FAILED, False, _describe(error)
            log.warning("reminder for %s refused: %s", claimed.user_id, detail)
        except Exception as error:  # one learner's failure never stops the sweep
            log.exception("reminder for %s failed", claimed.user_id)
            outcome, dms_closed, detail = Outcome.FAILED, False, _describe(error)
        try:
            stored = await self.reminders.record_outcome(
                claimed, outcome, detail=detail, dms_closed=dms_closed
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not record the reminder outcome of %s", claimed.user_id)
            stored = outcome
        report[stored] += 1

    async def _send(self, claimed: ClaimedReminder) -> tuple[Outcome, bool, str | None]:
        """Deliver by DM or in the channel; (outcome, DMs just found closed, detail)."""
        dms_closed = False
        if claimed.where == "dm" and not claimed.dms_closed:
            try:
                await self._send_dm(claimed)
                return Outcome.SENT_DM, False, None
            except discord.Forbidden as error:
                if error.code != DMS_CLOSED_CODE:
                    raise
                dms_closed = True
        if claimed.channel_id is None:
            closed = dms_closed or claimed.dms_closed
            return (Outcome.DMS_CLOSED if closed else Outcome.NO_CHANNEL), dms_closed, None
        await self._post(claimed.channel_id, channel_message(claimed))
        return Outcome.SENT_CHANNEL, dms_closed, None

    async def _send_dm(self, claimed: ClaimedReminder) -> None:
        channel_id = claimed.dm_channel_id
        if channel_id is None:
            channel_id = await self._open_dm(claimed.user_id)
        try:
            await self._post(channel_id, dm_message(claimed))
        except discord.NotFound:
            if claimed.dm_channel_id is None:
                raise
            # the cached channel is gone: open a fresh one, once
            await self._post(await self._open_dm(claimed.user_id), dm_message(claimed))

    async def _open_dm(self, user_id: int) -> int:
        channel = await self.bot.http.start_private_message(user_id)
        channel_id = int(channel["id"])
        await self.reminders.remember_dm_channel(user_id, channel_id)
        return channel_id

    async def _post(self, channel_id: int, message: dict[str, Any]) -> None:
        # The raw call sends the button without discord.py storing a view per message:
        # the one persistent StartReviewView answers every reminder's button.
        with handle_message_parameters(view=StartReviewView(self.bot), **message) as params:  # type: ignore[arg-type]
            await self.bot.http.send_message(channel_id, params=params)


def _describe(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"{error.status} {error.code}: {error.text}"[:200]
    return f"{type(error).__name__}: {error}"[:200]


class ReminderSchedule:
    """The APScheduler job that runs the sweep every minute."""

    def __init__(self, sweep: Callable[[], Awaitable[None]]) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.job = self.scheduler.add_job(
            sweep,
            IntervalTrigger(minutes=1, timezone=UTC),
            id=SWEEP_JOB_ID,
            coalesce=True,  # runs missed while the loop was busy collapse into one
            misfire_grace_time=None,  # however late, a due run still runs
            max_instances=1,  # a long sweep is never overlapped by the next minute's
        )

    def start(self) -> None:
        """Start on the running event loop; the first sweep runs a minute later."""
        if not self.scheduler.running:
            self.scheduler.start()

    def stop(self) -> None:
        """Stop, cancelling a sweep in progress (claimed reminders stay claimed)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
