"""When a learner's next reminder is: the rules both the reminder service and a time-zone
change (quizzes.study) need, kept apart from the service so neither imports the other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from quizzes.reminders.rules import next_reminder_after, parse_reminder_time
from quizzes.storage import reminder_queries as rq
from quizzes.storage.models import GuildSettings, Learner
from quizzes.timezones import learner_zone


def follow_zone_change(session: Session, user_id: int, now: datetime) -> None:
    """After the learner's zone changed (in ``session``): a learner with reminders on gets
    the next one at their reminder time in the new zone; reminders stay off if they were."""
    learner = learner_row(session, user_id)
    if learner.reminders_enabled:
        guild = rq.guild_settings(session, learner.reminder_guild_id)
        learner.next_reminder_at = next_reminder(learner, guild, now)


def time_in_force(learner: Learner, guild: GuildSettings | None) -> str | None:
    """The learner's own "HH:MM", else their guild's default (None: no time at all)."""
    return learner.reminder_time or (guild.default_reminder_time if guild else None)


def next_reminder(learner: Learner, guild: GuildSettings | None, now: datetime) -> datetime | None:
    """The first reminder after ``now`` at the time in force, in the learner's zone."""
    at = time_in_force(learner, guild)
    if at is None:
        return None
    return next_reminder_after(now, parse_reminder_time(at), learner_zone(learner.timezone))


def learner_row(session: Session, user_id: int) -> Learner:
    """The learner's row, fresh from the database; it exists (ensured or just claimed)."""
    learner = rq.fresh_learner(session, user_id)
    if learner is None:
        raise LookupError(f"learner {user_id} vanished mid-transaction")
    return learner
