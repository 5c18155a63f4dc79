"""Repository functions of the study service: every SQL statement it issues.

Each function takes an open ``Session`` and leaves committing to the caller, so a
use case composes several of them into one transaction.  Writes that must not
race (claiming an attempt, creating an item state) are single conditional
statements that the database arbitrates, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from quizzes.storage.models import (
    Attempt,
    Base,
    GuildEnrolment,
    ItemStateRow,
    Learner,
    ReminderLogEntry,
    Review,
)


def _insert_ignoring_duplicates(
    session: Session, model: type[Base], values: dict[str, Any], keys: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: racing inserts of one key leave one row, no error."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    session.execute(statement)


# --- learners and guilds -------------------------------------------------------------


def ensure_learner(session: Session, user_id: int, now: datetime) -> None:
    _insert_ignoring_duplicates(
        session, Learner, {"user_id": user_id, "created_at": now}, ["user_id"]
    )


def get_learner(session: Session, user_id: int) -> Learner | None:
    return session.get(Learner, user_id)


def enrol(session: Session, guild_id: int, user_id: int, now: datetime) -> None:
    _insert_ignoring_duplicates(
        session,
        GuildEnrolment,
        {"guild_id": guild_id, "user_id": user_id, "enrolled_at": now},
        ["guild_id", "user_id"],
    )


def is_enrolled(session: Session, guild_id: int, user_id: int) -> bool:
    return session.get(GuildEnrolment, (guild_id, user_id)) is not None


def enrolled_user_ids(session: Session, guild_id: int) -> list[int]:
    statement = select(GuildEnrolment.user_id).where(GuildEnrolment.guild_id == guild_id)
    return list(session.scalars(statement))


def delete_learner(session: Session, user_id: int) -> bool:
    """Delete the learner; the foreign keys' ON DELETE CASCADE removes everything else."""
    # Children first as well, so a database without enforced foreign keys keeps no orphans.
    for model in (Review, Attempt, ItemStateRow, GuildEnrolment, ReminderLogEntry):
        session.execute(delete(model).where(model.user_id == user_id))
    result = session.execute(delete(Learner).where(Learner.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))


# --- item states ---------------------------------------------------------------------


def item_state_rows(session: Session, user_id: int) -> list[ItemStateRow]:
    statement = select(ItemStateRow).where(ItemStateRow.user_id == user_id)
    return list(session.scalars(statement))


def item_state_row(session: Session, user_id: int, item_id: str) -> ItemStateRow | None:
    return session.get(ItemStateRow, (user_id, item_id))


def lock_item_state(session: Session, user_id: int, item_id: str, now: datetime) -> ItemStateRow:
    """The learner's state row for the item, created if missing, locked until commit.

    PostgreSQL: ``FOR UPDATE`` makes concurrent submits of the same item queue up
    and each read the state the previous one committed.  SQLite: the transaction
    already holds the database's write lock (BEGIN IMMEDIATE).
    """
    _insert_ignoring_duplicates(
        session,
        ItemStateRow,
        {"user_id": user_id, "item_id": item_id, "box": 1, "first_seen": now},
        ["user_id", "item_id"],
    )
    statement = (
        select(ItemStateRow)
        .where(ItemStateRow.user_id == user_id, ItemStateRow.item_id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).one()


def delete_item_state(session: Session, user_id: int, item_id: str) -> None:
    session.execute(
        delete(ItemStateRow).where(ItemStateRow.user_id == user_id, ItemStateRow.item_id == item_id)
    )


def introduced_since(session: Session, user_id: int, since: datetime) -> int:
    """How many items the learner met for the first time at or after ``since``."""
    statement = select(func.count()).where(
        ItemStateRow.user_id == user_id, ItemStateRow.first_seen >= since
    )
    return int(session.scalar(statement) or 0)


def guild_item_state_rows(session: Session, guild_id: int) -> list[ItemStateRow]:
    statement = (
        select(ItemStateRow)
        .join(GuildEnrolment, GuildEnrolment.user_id == ItemStateRow.user_id)
        .where(GuildEnrolment.guild_id == guild_id)
    )
    return list(session.scalars(statement))


def count_due_by_learner(session: Session, now: datetime) -> dict[int, int]:
    """Due items per learner across everyone: the reminder sweep's question."""
    statement = (
        select(ItemStateRow.user_id, func.count())
        .where(ItemStateRow.due <= now)
        .group_by(ItemStateRow.user_id)
    )
    return {int(user_id): int(count) for user_id, count in session.execute(statement)}


# --- attempts ------------------------------------------------------------------------


def add_attempt(session: Session, attempt: Attempt) -> Attempt:
    session.add(attempt)
    session.flush()  # assigns attempt.id
    return attempt


def get_attempt(session: Session, attempt_id: int) -> Attempt | None:
    return session.get(Attempt, attempt_id)


def claim_attempt(session: Session, attempt_id: int) -> bool:
    """Mark the attempt answered if nobody has; True for the one caller who did.

    A conditional UPDATE is atomic on both databases: of any number of racing
    submits of one attempt, exactly one sees a changed row.
    """
    statement = (
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.answered.is_(False))
        .values(answered=True)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0) == 1)


def learner_attempts(session: Session, user_id: int) -> list[Attempt]:
    statement = select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.id)
    return list(session.scalars(statement))


# --- reviews -------------------------------------------------------------------------


def add_review(session: Session, review: Review) -> Review:
    session.add(review)
    session.flush()
    return review


def review_for_attempt(session: Session, attempt_id: int) -> Review | None:
    statement = select(Review).where(Review.attempt_id == attempt_id)
    return session.scalars(statement).one_or_none()


def latest_review(session: Session, user_id: int) -> Review | None:
    """The learner's most recent review that has not been undone."""
    statement = (
        select(Review)
        .where(Review.user_id == user_id, Review.undone.is_(False))
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalars(statement).one_or_none()


def learner_reviews(
    session: Session, user_id: int, *, since: datetime | None = None, undone: bool = False
) -> list[Review]:
    """The learner's reviews in time order; undone ones only when ``undone`` is True."""
    statement = select(Review).where(Review.user_id == user_id)
    if since is not None:
        statement = statement.where(Review.reviewed_at >= since)
    if not undone:
        statement = statement.where(Review.undone.is_(False))
    return list(session.scalars(statement.order_by(Review.reviewed_at, Review.id)))


def guild_reviews(session: Session, guild_id: int, since: datetime) -> list[Review]:
    """Reviews since ``since`` (not undone) by learners enrolled in the guild."""
    statement = (
        select(Review)
        .join(GuildEnrolment, GuildEnrolment.user_id == Review.user_id)
        .where(
            GuildEnrolment.guild_id == guild_id,
            Review.reviewed_at >= since,
            Review.undone.is_(False),
        )
        .order_by(Review.reviewed_at, Review.id)
    )
    return list(session.scalars(statement))


def learner_rows(session: Session, user_id: int) -> dict[str, list[Any]]:
    """Every row stored for the learner, by table (for export)."""
    return {
        "enrolments": _rows_of(session, GuildEnrolment, user_id),
        "item_states": _rows_of(session, ItemStateRow, user_id),
        "attempts": learner_attempts(session, user_id),
        "reviews": learner_reviews(session, user_id, undone=True),
        "reminders": _rows_of(session, ReminderLogEntry, user_id),
    }


def _rows_of(session: Session, model: Any, user_id: int) -> list[Any]:
    return list(session.scalars(select(model).where(model.user_id == user_id)))


def column_values(row: Base) -> dict[str, Any]:
    """A row's columns as a dict, in table order."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def rows_as_dicts(rows: Iterable[Base]) -> list[dict[str, Any]]:
    return [column_values(row) for row in rows]
