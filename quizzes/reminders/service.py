"""Daily review reminders: who is due one, the claim that sends it once, and what happened.

The database is the source of truth.  ``learners.next_reminder_at`` says when the
sweep should next look at a learner; the sweep (``due_reminders``) reads the
learners whose time has passed, and each reminder is *claimed* (``claim``) with
one conditional write -- an insert into ``reminder_log`` unique per learner and
local date -- before anything is sent.  A restart, an overlapping sweep or a
second bot process therefore never sends a reminder twice, and a bot that was
down at the reminder time sends it late, once, the same local day.

A claimed reminder is delivered at most once: if the process dies between the
claim and Discord's answer, the row stays ``sending`` and nothing is resent.
Like the study service, every public method is async and runs its synchronous
SQLAlchemy work in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from quizzes.leitner import LeitnerScheduler
from quizzes.reminders.rules import (
    ClaimedReminder,
    DueReminder,
    Outcome,
    ReminderError,
    ReminderSettings,
    Reschedule,
    Where,
    day_end,
    format_reminder_time,
    next_reminder_after,
    parse_reminder_time,
    plan_candidate,
    retry_time,
)
from quizzes.reminders.schedule import learner_row, next_reminder, time_in_force
from quizzes.storage import queries
from quizzes.storage import reminder_queries as rq
from quizzes.storage.db import Database, retry_when_locked
from quizzes.storage.models import Learner
from quizzes.timezones import learner_zone, parse_zone, utc_now

if TYPE_CHECKING:
    from quizzes.study import StudyService

T = TypeVar("T")
SWEEP_BATCH = 5_000  # candidates read per sweep; the rest wait for the next minute
STREAK_LOOKBACK = timedelta(days=400)


class ReminderService:
    def __init__(
        self,
        database: Database,
        *,
        scheduler: LeitnerScheduler | None = None,
        clock: Callable[[], datetime] = utc_now,
        batch_size: int = SWEEP_BATCH,
    ) -> None:
        self.database = database
        self.scheduler = scheduler if scheduler is not None else LeitnerScheduler()
        self.clock = clock
        self.batch_size = batch_size

    @classmethod
    def from_study(cls, study: StudyService, **kwargs: int) -> ReminderService:
        """Share the study service's database, scheduler (streak days) and clock."""
        return cls(study.database, scheduler=study.scheduler, clock=study.context.clock, **kwargs)

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError(f"the reminder clock must return an aware datetime, got {moment!r}")
        return moment

    async def _run(self, unit_of_work: Callable[[], T]) -> T:
        return await asyncio.to_thread(retry_when_locked, unit_of_work)

    # ---- the learner's setting (/remind) ----------------------------------------------

    async def settings(self, user_id: int) -> ReminderSettings:
        return await self._run(lambda: self._settings(user_id))

    async def set_reminder(
        self,
        user_id: int,
        *,
        at: str | None = None,
        timezone: str | None = None,
        where: Where | None = None,
        guild_id: int | None = None,
    ) -> ReminderSettings:
        """Turn reminders on (or change them); unspecified parts keep their value.

        Raises UnknownTimezone for an unknown zone; ReminderError for an unreadable
        time, no time at all (neither given nor a guild default) or "channel"
        without a channel.
        Choosing "dm" again clears an earlier "DMs closed" mark: one more try.
        """
        own_time = parse_reminder_time(at) if at is not None else None
        zone = parse_zone(timezone) if timezone is not None else None
        return await self._run(lambda: self._set_reminder(user_id, own_time, zone, where, guild_id))

    async def turn_off(self, user_id: int) -> ReminderSettings:
        """No more reminders, from the very next sweep on (the claim re-checks this flag)."""
        return await self._run(lambda: self._turn_off(user_id))

    async def guild_default_time_changed(self, guild_id: int) -> int:
        """Reschedule learners who follow the guild's default time; how many there were."""
        return await self._run(lambda: self._reschedule_guild(guild_id))

    # ---- the sweep ----------------------------------------------------------------------

    async def due_reminders(self) -> list[DueReminder]:
        """Reminders to claim now.  Learners with nothing due, or whose day passed while
        the bot was down, are moved on to their next reminder time instead."""
        return await self._run(self._due_reminders)

    async def claim(self, reminder: DueReminder) -> ClaimedReminder | None:
        """The reminder, if this caller is the one who claimed it; None if someone else
        did, the learner turned reminders off, or nothing is due any more."""
        return await self._run(lambda: self._claim(reminder))

    async def record_outcome(
        self,
        claimed: ClaimedReminder,
        outcome: Outcome,
        *,
        detail: str | None = None,
        dms_closed: bool = False,
    ) -> Outcome:
        """Store what happened; RETRY becomes FAILED once retries run out or the day ends.

        ``dms_closed``: Discord refused the DM (50007), so the learner is marked and
        never sent a DM again until they choose "dm" in /remind.  Returns the
        outcome stored.
        """
        return await self._run(lambda: self._record(claimed, outcome, detail, dms_closed))

    async def remember_dm_channel(self, user_id: int, channel_id: int | None) -> None:
        """Cache the learner's DM channel id (None forgets it), so a reminder is one request."""
        await self._run(lambda: self._write(lambda s: rq.set_dm_channel(s, user_id, channel_id)))

    async def log(self, user_id: int) -> list[tuple[date, str, int]]:
        """(local date, status, attempts) of every reminder claimed for the learner."""
        return await self._run(lambda: self._log(user_id))

    # ---- units of work (worker threads) ---------------------------------------------

    def _write(self, change: Callable[..., object]) -> None:
        with self.database.transaction() as session:
            change(session)

    def _settings(self, user_id: int) -> ReminderSettings:
        with self.database.read_session() as session:
            learner = queries.get_learner(session, user_id)
            if learner is None:
                return ReminderSettings(user_id)  # the defaults: reminders off
            guild = rq.guild_settings(session, learner.reminder_guild_id)
            last = rq.latest_log_entry(session, user_id)
            return ReminderSettings(
                user_id=user_id,
                enabled=learner.reminders_enabled,
                time=learner.reminder_time or (guild.default_reminder_time if guild else None),
                own_time=learner.reminder_time is not None,
                timezone=learner.timezone,
                where="channel" if learner.reminder_where == "channel" else "dm",
                guild_id=learner.reminder_guild_id,
                channel_id=guild.reminder_channel_id if guild else None,
                next_reminder_at=learner.next_reminder_at,
                dms_closed=learner.dms_closed,
                dms_closed_at=learner.dms_closed_at,
                last_status=last.status if last else None,
                last_date=last.local_date if last else None,
            )

    def _set_reminder(
        self,
        user_id: int,
        own_time: time | None,
        zone: ZoneInfo | None,
        where: Where | None,
        guild_id: int | None,
    ) -> ReminderSettings:
        now = self.now()
        with self.database.transaction() as session:
            queries.ensure_learner(session, user_id, now)
            learner = learner_row(session, user_id)
            _apply_choices(learner, own_time, zone, where, guild_id)
            guild = rq.guild_settings(session, learner.reminder_guild_id)
            if time_in_force(learner, guild) is None:
                raise ReminderError("Give a time for your reminder, e.g. /remind time:18:30.")
            channel_id = guild.reminder_channel_id if guild else None
            if learner.reminder_where == "channel" and learner.reminder_guild_id is None:
                raise ReminderError(
                    "Channel reminders need a server: run /remind where:channel in the server "
                    "whose reminder channel should mention you, or choose where:dm here."
                )
            if learner.reminder_where == "channel" and channel_id is None:
                raise ReminderError(
                    "This server has no reminder channel yet: an instructor can set one with "
                    "/config reminder-channel. Meanwhile choose where:dm."
                )
            learner.reminders_enabled = True
            learner.next_reminder_at = next_reminder(learner, guild, now)
        return self._settings(user_id)

    def _turn_off(self, user_id: int) -> ReminderSettings:
        with self.database.transaction() as session:
            learner = rq.fresh_learner(session, user_id)
            if learner is not None:
                learner.reminders_enabled = False
                learner.next_reminder_at = None
        return self._settings(user_id)

    def _reschedule_guild(self, guild_id: int) -> int:
        now = self.now()
        with self.database.transaction() as session:
            guild = rq.guild_settings(session, guild_id)
            default = guild.default_reminder_time if guild else None
            at = None if default is None else parse_reminder_time(default)
            learners = rq.learners_on_guild_default(session, guild_id)  # one read, not one each
            for learner in learners:
                learner.next_reminder_at = (
                    None
                    if at is None
                    else next_reminder_after(now, at, learner_zone(learner.timezone))
                )
        return len(learners)

    def _due_reminders(self) -> list[DueReminder]:
        now = self.now()
        with self.database.read_session() as session:
            candidates = rq.reminder_candidates(session, now, self.batch_size)
            retries = rq.retry_candidates(session, now, self.batch_size)
        due: list[DueReminder] = []
        moves: list[Reschedule] = []
        for candidate in candidates:
            planned = plan_candidate(candidate, now)
            if isinstance(planned, DueReminder):
                due.append(planned)
            else:
                moves.append(planned)
        expired: list[tuple[int, str]] = []
        for retry in retries:
            if now >= day_end(retry.local_date, learner_zone(retry.timezone)):
                expired.append((retry.log_id, "the day ended"))
            elif retry.due_items == 0:
                expired.append((retry.log_id, "nothing due any more"))
            else:
                due.append(
                    DueReminder(
                        retry.user_id,
                        retry.local_date,
                        retry.due_items,
                        timezone=retry.timezone,
                        retry_log_id=retry.log_id,
                    )
                )
        if moves or expired:
            self._apply_moves(moves, expired, now)
        return due

    def _apply_moves(
        self, moves: Iterable[Reschedule], expired: Iterable[tuple[int, str]], now: datetime
    ) -> None:
        with self.database.transaction() as session:
            for move in moves:
                rq.move_next_reminder(session, move.user_id, move.seen, move.next_at)
            for log_id, why in expired:
                rq.set_log_status(session, log_id, Outcome.FAILED, now, detail=why)

    def _claim(self, reminder: DueReminder) -> ClaimedReminder | None:
        now = self.now()
        if now >= day_end(reminder.local_date, learner_zone(reminder.timezone)):
            return None  # a long backlog reached the learner's midnight: the reminder is void
        with self.database.transaction() as session:
            if reminder.retry_log_id is None:
                log_id = rq.claim_new_reminder(session, reminder.user_id, reminder.local_date, now)
                # whoever claimed, today's reminder is handled: look again on its next day
                rq.move_next_reminder(
                    session, reminder.user_id, reminder.seen_next_at, reminder.next_at
                )
            elif rq.reclaim_retry(session, reminder.retry_log_id, now):
                log_id = reminder.retry_log_id
            else:
                log_id = None
            if log_id is None:
                return None
            due_items = rq.count_due_items(session, reminder.user_id, now)
            if due_items == 0:
                rq.set_log_status(session, log_id, Outcome.NOTHING_DUE, now)
                return None
            return self._claimed(session, log_id, reminder, due_items, now)

    def _claimed(
        self, session: Session, log_id: int, reminder: DueReminder, due: int, now: datetime
    ) -> ClaimedReminder:
        learner = learner_row(session, reminder.user_id)
        attempts = rq.log_attempts(session, log_id)
        guild = rq.guild_settings(session, learner.reminder_guild_id)
        zone = learner_zone(learner.timezone)
        reviewed = rq.review_times_since(session, learner.user_id, now - STREAK_LOOKBACK)
        return ClaimedReminder(
            log_id=log_id,
            user_id=learner.user_id,
            local_date=reminder.local_date,
            timezone=learner.timezone,
            attempt=attempts,
            due_items=due,
            streak_days=self.scheduler.streak(reviewed, now, zone),
            where="channel" if learner.reminder_where == "channel" else "dm",
            dm_channel_id=learner.dm_channel_id,
            dms_closed=learner.dms_closed,
            guild_id=learner.reminder_guild_id,
            channel_id=guild.reminder_channel_id if guild else None,
        )

    def _record(
        self, claimed: ClaimedReminder, outcome: Outcome, detail: str | None, dms_closed: bool
    ) -> Outcome:
        now = self.now()
        retry_at = None
        if outcome is Outcome.RETRY:
            retry_at = retry_time(now, claimed.attempt, claimed.local_date, claimed.timezone)
            if retry_at is None:
                outcome = Outcome.FAILED
        with self.database.transaction() as session:
            if dms_closed:
                rq.mark_dms_closed(session, claimed.user_id, now)
            rq.set_log_status(
                session, claimed.log_id, outcome, now, detail=detail, retry_at=retry_at
            )
        return outcome

    def _log(self, user_id: int) -> list[tuple[date, str, int]]:
        with self.database.read_session() as session:
            entries = rq.log_entries(session, user_id)
            return [(e.local_date, e.status, e.attempts) for e in entries]


def _apply_choices(
    learner: Learner,
    own_time: time | None,
    zone: ZoneInfo | None,
    where: Where | None,
    guild_id: int | None,
) -> None:
    if own_time is not None:
        learner.reminder_time = format_reminder_time(own_time)
    if zone is not None:
        learner.timezone = zone.key
    if guild_id is not None:
        learner.reminder_guild_id = guild_id
    if where is not None:
        learner.reminder_where = where
        if where == "dm":
            learner.dms_closed = False  # the learner asks for DMs again: one more try
            learner.dms_closed_at = None


__all__ = [
    "ClaimedReminder",
    "DueReminder",
    "Outcome",
    "ReminderError",
    "ReminderService",
    "ReminderSettings",
]
