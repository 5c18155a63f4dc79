"""What an instructor sees and sets: a guild's settings and its class report.

``InstructorService`` sits beside the ``StudyService`` it reads statistics from
and shares its database and clock.  Each call runs its synchronous SQLAlchemy
work in a worker thread (``asyncio.to_thread``), so the event loop never waits
on a query.  Who counts as an instructor is decided here too
(:meth:`GuildConfig.admits`), so every front end applies the same rule.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from quizzes.problems.base import QuizError
from quizzes.reminders import ReminderService
from quizzes.reminders.rules import format_reminder_time, parse_reminder_time
from quizzes.storage import instructor_queries
from quizzes.storage.db import Database, retry_when_locked
from quizzes.study import ClassStats, LearnerStats, StudyService

REPORT_DAYS = 14  # reviews per day, hardest items and mistakes cover this many UTC days
ACTIVE_DAYS = 7  # a learner with a review this recently is active


class InstructorError(QuizError):
    """An instructor-side error; the message is safe to show in Discord."""


class NotAnInstructor(InstructorError):
    def __init__(self) -> None:
        super().__init__(
            "Class statistics are for instructors: members with Manage Server "
            "or the instructor role set with /config instructor-role."
        )


class NotAGuildManager(InstructorError):
    def __init__(self) -> None:
        super().__init__("Only members with Manage Server can change chainrule's settings.")


@dataclass(frozen=True)
class GuildConfig:
    guild_id: int
    instructor_role_id: int | None = None
    reminder_channel_id: int | None = None
    default_reminder_time: str | None = None  # "HH:MM" in each learner's own zone

    def admits(self, *, manages_guild: bool, role_ids: Collection[int]) -> bool:
        """May this member see the guild's statistics?  Manage Server, or the instructor role."""
        if manages_guild:
            return True
        return self.instructor_role_id is not None and self.instructor_role_id in role_ids


@dataclass(frozen=True)
class ClassReport:
    """A guild's statistics over the last ``REPORT_DAYS`` days, as /stats shows them."""

    stats: ClassStats
    active_recently: int  # learners with a review in the last ACTIVE_DAYS days
    active_days: int
    generated_at: datetime


def report_start(now: datetime, days: int = REPORT_DAYS) -> datetime:
    """Midnight UTC ``days - 1`` days before ``now``, so the report covers ``days`` UTC days."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


class InstructorService:
    """Guild settings and class reports, for the instructors of a guild."""

    def __init__(self, study: StudyService) -> None:
        self.study = study

    @property
    def database(self) -> Database:
        return self.study.database

    def now(self) -> datetime:
        return self.study.context.now()

    async def guild_config(self, guild_id: int) -> GuildConfig:
        return await asyncio.to_thread(self._read_config, guild_id)

    async def set_instructor_role(self, guild_id: int, role_id: int | None) -> GuildConfig:
        return await self._save(guild_id, instructor_role_id=role_id)

    async def set_reminder_channel(self, guild_id: int, channel_id: int | None) -> GuildConfig:
        return await self._save(guild_id, reminder_channel_id=channel_id)

    async def set_reminder_time(self, guild_id: int, text: str | None) -> GuildConfig:
        """Set (``"HH:MM"``, learner-local) or clear (None) the guild's default reminder time.

        Raises ReminderError for text that is not a time of day.  Learners who follow
        the default are rescheduled at once, so the sweep uses the new time today.
        """
        value = None if text is None else format_reminder_time(parse_reminder_time(text))
        config = await self._save(guild_id, default_reminder_time=value)
        await ReminderService.from_study(self.study).guild_default_time_changed(guild_id)
        return config

    async def class_report(self, guild_id: int) -> ClassReport:
        now = self.now()
        stats = await self.study.class_stats(guild_id, report_start(now))
        active = await asyncio.to_thread(
            self._count_active, guild_id, now - timedelta(days=ACTIVE_DAYS)
        )
        return ClassReport(stats, active, ACTIVE_DAYS, now)

    async def learner_report(self, guild_id: int, user_id: int) -> LearnerStats:
        """One learner's detail; raises NotEnrolled unless they study in this guild."""
        return await self.study.learner_stats(guild_id, user_id)

    # ---- worker-thread side ----------------------------------------------------
    def _read_config(self, guild_id: int) -> GuildConfig:
        with self.database.read_session() as session:
            row = instructor_queries.get_guild_settings(session, guild_id)
            if row is None:
                return GuildConfig(guild_id)
            return GuildConfig(
                guild_id=guild_id,
                instructor_role_id=row.instructor_role_id,
                reminder_channel_id=row.reminder_channel_id,
                default_reminder_time=row.default_reminder_time,
            )

    async def _save(self, guild_id: int, **values: Any) -> GuildConfig:
        def write() -> None:
            with self.database.transaction() as session:
                instructor_queries.save_guild_settings(session, guild_id, values)

        await asyncio.to_thread(retry_when_locked, write)
        return await self.guild_config(guild_id)

    def _count_active(self, guild_id: int, since: datetime) -> int:
        with self.database.read_session() as session:
            return instructor_queries.active_learner_count(session, guild_id, since)
