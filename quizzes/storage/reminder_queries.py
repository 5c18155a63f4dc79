"""Every SQL statement of the reminder service.

Each function takes an open ``Session`` and leaves committing to the caller.  The
two claims (:func:`claim_new_reminder`, :func:`reclaim_retry`) are single
conditional writes the database arbitrates, so any number of sweeps in any
number of processes claim one learner's reminder for one local day once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from quizzes.storage.models import (
    GuildSettings,
    ItemStateRow,
    Learner,
    ReminderLogEntry,
    Review,
)
from quizzes.storage.queries import dialect_insert

SENDING = "sending"
RETRY = "retry"


@dataclass(frozen=True)
class CandidateRow:
    """A learner whose reminder time has come, as the sweep's query found them."""

    user_id: int
    timezone: str
    reminder_time: str | None  # the learner's own, else the guild's default
    reminder_guild_id: int | None
    next_reminder_at: datetime
    due_items: int


@dataclass(frozen=True)
class RetryRow:
    log_id: int
    user_id: int
    timezone: str
    local_date: date
    attempts: int
    due_items: int


def _is_due(now: datetime) -> ColumnElement[bool]:
    # an item never scheduled (due NULL) is due, as in the study service's progress
    return or_(ItemStateRow.due.is_(None), ItemStateRow.due <= now)


def _due_items_of(user_id_column: InstrumentedAttribute[int], now: datetime) -> ScalarSelect[int]:
    """A correlated count of the learner's due items (served by ix_item_states_user_id_due)."""
    return (
        select(func.count())
        .where(ItemStateRow.user_id == user_id_column, _is_due(now))
        .scalar_subquery()
    )


def reminder_candidates(session: Session, now: datetime, limit: int) -> list[CandidateRow]:
    """Learners with reminders on whose ``next_reminder_at`` has passed, oldest first.

    One range scan of ``ix_learners_next_reminder_at``; the due count is one index
    lookup per candidate, so the cost follows the candidates, not the class size.
    """
    statement = (
        select(
            Learner.user_id,
            Learner.timezone,
            # a learner without a time of their own follows their guild's default
            func.coalesce(Learner.reminder_time, GuildSettings.default_reminder_time),
            Learner.reminder_guild_id,
            Learner.next_reminder_at,
            _due_items_of(Learner.user_id, now),
        )
        .outerjoin(GuildSettings, GuildSettings.guild_id == Learner.reminder_guild_id)
        .where(Learner.next_reminder_at <= now, Learner.reminders_enabled.is_(True))
        .order_by(Learner.next_reminder_at, Learner.user_id)
        .limit(limit)
    )
    return [
        CandidateRow(user_id, zone, at, guild_id, next_at, due)
        for user_id, zone, at, guild_id, next_at, due in session.execute(statement)
        if next_at is not None  # always, by the WHERE clause
    ]


def retry_candidates(session: Session, now: datetime, limit: int) -> list[RetryRow]:
    """Reminders that met a server error and whose retry time has come."""
    statement = (
        select(
            ReminderLogEntry.id,
            ReminderLogEntry.user_id,
            Learner.timezone,
            ReminderLogEntry.local_date,
            ReminderLogEntry.attempts,
            _due_items_of(ReminderLogEntry.user_id, now),
        )
        .join(Learner, Learner.user_id == ReminderLogEntry.user_id)
        .where(
            ReminderLogEntry.retry_at <= now,
            ReminderLogEntry.status == RETRY,
            Learner.reminders_enabled.is_(True),
        )
        .order_by(ReminderLogEntry.retry_at, ReminderLogEntry.id)
        .limit(limit)
    )
    return [RetryRow(*row) for row in session.execute(statement)]


def claim_new_reminder(
    session: Session, user_id: int, local_date: date, now: datetime
) -> int | None:
    """Insert the day's log row if the learner still wants reminders and nobody has.

    ``INSERT ... SELECT ... FROM learners WHERE reminders_enabled ON CONFLICT DO
    NOTHING RETURNING id``: one statement, so a /remind off committed a moment
    earlier wins, and of racing sweeps exactly one gets the id back.
    """
    source = select(
        Learner.user_id,
        literal(local_date, ReminderLogEntry.local_date.type),
        literal(SENDING),
        literal(now, ReminderLogEntry.at.type),
        literal(1),
    ).where(Learner.user_id == user_id, Learner.reminders_enabled.is_(True))
    statement = (
        dialect_insert(session, ReminderLogEntry)
        .from_select(["user_id", "local_date", "status", "at", "attempts"], source)
        .on_conflict_do_nothing(index_elements=["user_id", "local_date"])
        .returning(ReminderLogEntry.id)
    )
    return session.execute(statement).scalar_one_or_none()


def reclaim_retry(session: Session, log_id: int, now: datetime) -> bool:
    """Take a reminder waiting for its retry; True for the one caller who did."""
    statement = (
        update(ReminderLogEntry)
        .where(
            ReminderLogEntry.id == log_id,
            ReminderLogEntry.status == RETRY,
            ReminderLogEntry.retry_at <= now,
        )
        .values(
            status=SENDING,
            attempts=ReminderLogEntry.attempts + 1,
            retry_at=None,
            at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(session.execute(statement), "rowcount", 0) == 1)


def move_next_reminder(
    session: Session, user_id: int, seen: datetime | None, next_at: datetime | None
) -> bool:
    """Set ``next_reminder_at`` unless it changed since it was read as ``seen``.

    The comparison keeps a sweep from overwriting a /remind change committed
    between the sweep's read and this write.
    """
    column = Learner.next_reminder_at
    statement = (
        update(Learner)
        .where(Learner.user_id == user_id, column.is_(None) if seen is None else column == seen)
        .values(next_reminder_at=next_at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(session.execute(statement), "rowcount", 0) == 1)


def set_log_status(
    session: Session,
    log_id: int,
    status: str,
    now: datetime,
    *,
    detail: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    session.execute(
        update(ReminderLogEntry)
        .where(ReminderLogEntry.id == log_id)
        .values(status=status, detail=detail, retry_at=retry_at, at=now)
        .execution_options(synchronize_session=False)
    )


def log_attempts(session: Session, log_id: int) -> int:
    statement = select(ReminderLogEntry.attempts).where(ReminderLogEntry.id == log_id)
    return int(session.scalar(statement) or 0)


def latest_log_entry(session: Session, user_id: int) -> ReminderLogEntry | None:
    statement = (
        select(ReminderLogEntry)
        .where(ReminderLogEntry.user_id == user_id)
        .order_by(ReminderLogEntry.local_date.desc(), ReminderLogEntry.id.desc())
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def log_entries(session: Session, user_id: int) -> list[ReminderLogEntry]:
    statement = (
        select(ReminderLogEntry)
        .where(ReminderLogEntry.user_id == user_id)
        .order_by(ReminderLogEntry.local_date, ReminderLogEntry.id)
    )
    return list(session.scalars(statement))


def count_due_items(session: Session, user_id: int, now: datetime) -> int:
    statement = select(func.count()).where(ItemStateRow.user_id == user_id, _is_due(now))
    return int(session.scalar(statement) or 0)


def review_times_since(session: Session, user_id: int, since: datetime) -> list[datetime]:
    """When the learner answered (not undone), for the streak."""
    statement = select(Review.reviewed_at).where(
        Review.user_id == user_id, Review.reviewed_at >= since, Review.undone.is_(False)
    )
    return list(session.scalars(statement))


def guild_settings(session: Session, guild_id: int | None) -> GuildSettings | None:
    return None if guild_id is None else session.get(GuildSettings, guild_id)


def set_dm_channel(session: Session, user_id: int, channel_id: int | None) -> None:
    session.execute(
        update(Learner)
        .where(Learner.user_id == user_id)
        .values(dm_channel_id=channel_id)
        .execution_options(synchronize_session=False)
    )


def mark_dms_closed(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(Learner)
        .where(Learner.user_id == user_id)
        .values(dms_closed=True, dms_closed_at=now, dm_channel_id=None)
        .execution_options(synchronize_session=False)
    )


def learners_on_guild_default(session: Session, guild_id: int) -> list[Learner]:
    """Learners with reminders on who follow the guild's default time (no time of their own)."""
    statement = select(Learner).where(
        and_(
            Learner.reminder_guild_id == guild_id,
            Learner.reminder_time.is_(None),
            Learner.reminders_enabled.is_(True),
        )
    )
    return list(session.scalars(statement))


def fresh_learner(session: Session, user_id: int) -> Learner | None:
    """The learner's row re-read from the database (not a stale identity-map copy)."""
    return session.get(Learner, user_id, populate_existing=True)
