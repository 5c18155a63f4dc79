"""Repository functions of the study service: every SQL statement it issues.

Each function takes an open ``Session`` and leaves committing to the caller, so a
use case composes several of them into one transaction.  Writes that must not
race (claiming an attempt, creating an item state) are single conditional
statements that the database arbitrates, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from quizzes.storage.models import (
    Attempt,
    Base,
    FamilyLevel,
    GuildEnrolment,
    ItemStateRow,
    Learner,
    ReminderLogEntry,
    Review,
    Walk,
)

# The hot path (next_item, submit) runs statements built once, on Core tables: no
# per-call statement construction, no unit-of-work flush, no ORM object per row.
ATTEMPTS = cast(Table, Attempt.__table__)
ITEM_STATES = cast(Table, ItemStateRow.__table__)
LEARNERS = cast(Table, Learner.__table__)
ENROLMENTS = cast(Table, GuildEnrolment.__table__)
REVIEWS = cast(Table, Review.__table__)
STATE_COLUMNS = ("box", "due", "last_review", "reviews", "correct", "lapses", "first_seen")

_LEARNER_ZONE = select(LEARNERS.c.timezone).where(LEARNERS.c.user_id == bindparam("p_user"))
_ENROLLED = select(ENROLMENTS.c.user_id).where(
    ENROLMENTS.c.guild_id == bindparam("p_guild"), ENROLMENTS.c.user_id == bindparam("p_user")
)
_ONE_STATE = (
    ITEM_STATES.c.user_id == bindparam("p_user"),
    ITEM_STATES.c.item_id == bindparam("p_item"),
)
_DUE_ITEMS = (
    select(ITEM_STATES.c.item_id, ITEM_STATES.c.box)
    .where(
        ITEM_STATES.c.user_id == bindparam("p_user"),
        or_(ITEM_STATES.c.due.is_(None), ITEM_STATES.c.due <= bindparam("p_now")),
    )
    .order_by(ITEM_STATES.c.due.asc().nulls_first(), ITEM_STATES.c.box, ITEM_STATES.c.item_id)
)
_BOX_AND_DUE = select(ITEM_STATES.c.box, ITEM_STATES.c.due).where(*_ONE_STATE)
_LOCK_STATE = (
    select(*(ITEM_STATES.c[name] for name in STATE_COLUMNS)).where(*_ONE_STATE).with_for_update()
)
_WRITE_STATE = (
    update(ITEM_STATES)
    .where(*_ONE_STATE)
    .values({name: bindparam(f"new_{name}") for name in STATE_COLUMNS})
)
_ADD_ATTEMPT = insert(ATTEMPTS).returning(ATTEMPTS.c.id)
_ATTEMPT_WITH_ZONE = (
    select(ATTEMPTS, LEARNERS.c.timezone)
    .join(LEARNERS, LEARNERS.c.user_id == ATTEMPTS.c.user_id)
    .where(ATTEMPTS.c.id == bindparam("p_attempt"))
)
_CLAIM_ATTEMPT = (
    update(ATTEMPTS)
    .where(ATTEMPTS.c.id == bindparam("p_attempt"), ATTEMPTS.c.answered.is_(False))
    .values(answered=True)
)
_ADD_REVIEW = insert(REVIEWS)


def dialect_insert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT in the session's SQL dialect, so it can take an ON CONFLICT clause."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def _insert_ignoring_duplicates(
    session: Session, model: type[Base], values: dict[str, Any], keys: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: racing inserts of one key leave one row, no error."""
    statement = dialect_insert(session, model).values(**values)
    session.execute(statement.on_conflict_do_nothing(index_elements=keys))


# --- learners and guilds -------------------------------------------------------------


def ensure_learner(session: Session, user_id: int, now: datetime) -> str:
    """Create the learner on first use (racing creators leave one row); their zone name."""
    zone = session.scalar(_LEARNER_ZONE, {"p_user": user_id})
    if zone is None:
        _insert_ignoring_duplicates(
            session, Learner, {"user_id": user_id, "created_at": now}, ["user_id"]
        )
        zone = session.scalar(_LEARNER_ZONE, {"p_user": user_id})
    return zone or "UTC"


def learner_timezone(session: Session, user_id: int) -> str | None:
    """The learner's stored zone name; None for someone who has no learner row yet."""
    return session.scalar(_LEARNER_ZONE, {"p_user": user_id})


def set_learner_timezone(session: Session, user_id: int, zone_name: str) -> None:
    session.execute(
        update(LEARNERS).where(LEARNERS.c.user_id == user_id).values(timezone=zone_name)
    )


def get_learner(session: Session, user_id: int) -> Learner | None:
    return session.get(Learner, user_id)


def enrol(session: Session, guild_id: int, user_id: int, now: datetime) -> None:
    if is_enrolled(session, guild_id, user_id):
        return
    _insert_ignoring_duplicates(
        session,
        GuildEnrolment,
        {"guild_id": guild_id, "user_id": user_id, "enrolled_at": now},
        ["guild_id", "user_id"],
    )


def is_enrolled(session: Session, guild_id: int, user_id: int) -> bool:
    return session.scalar(_ENROLLED, {"p_guild": guild_id, "p_user": user_id}) is not None


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


def most_due_item(
    session: Session, user_id: int, item_ids: Collection[str], now: datetime
) -> tuple[str, int] | None:
    """(item id, box) of the learner's most overdue item among ``item_ids``, or None.

    Items never scheduled come first; ties go to the lower box, then the id.  Few
    items are due at once, so filtering ``item_ids`` here beats an IN list.
    """
    for item_id, box in session.execute(_DUE_ITEMS, {"p_user": user_id, "p_now": now}):
        if item_id in item_ids:
            return str(item_id), int(box)
    return None


def known_item_ids(session: Session, user_id: int) -> set[str]:
    statement = select(ItemStateRow.item_id).where(ItemStateRow.user_id == user_id)
    return set(session.scalars(statement))


def earliest_due(session: Session, user_id: int, item_ids: Collection[str]) -> datetime | None:
    statement = select(func.min(ItemStateRow.due)).where(
        ItemStateRow.user_id == user_id, ItemStateRow.item_id.in_(item_ids)
    )
    return session.scalar(statement)


def item_box_and_due(session: Session, user_id: int, item_id: str) -> tuple[int, datetime | None]:
    """Where the item stands for the learner: (1, None) for an item never reviewed."""
    row = session.execute(_BOX_AND_DUE, {"p_user": user_id, "p_item": item_id}).first()
    return (1, None) if row is None else (row.box, row.due)


def lock_item_state(session: Session, user_id: int, item_id: str, now: datetime) -> dict[str, Any]:
    """The learner's state for the item (created if missing), locked until commit.

    PostgreSQL: ``FOR UPDATE`` makes concurrent submits of the same item queue up
    and each read the state the previous one committed.  SQLite: the transaction
    already holds the database's write lock (BEGIN IMMEDIATE).
    """
    key = {"p_user": user_id, "p_item": item_id}
    row = session.execute(_LOCK_STATE, key).first()
    if row is None:
        _insert_ignoring_duplicates(
            session,
            ItemStateRow,
            {"user_id": user_id, "item_id": item_id, "box": 1, "first_seen": now},
            ["user_id", "item_id"],
        )
        row = session.execute(_LOCK_STATE, key).one()
    return dict(row._mapping)


def write_item_state(session: Session, user_id: int, item_id: str, values: dict[str, Any]) -> None:
    """Overwrite every column of STATE_COLUMNS (all must be given) of one item state."""
    parameters = {f"new_{name}": values[name] for name in STATE_COLUMNS}
    session.execute(_WRITE_STATE, {"p_user": user_id, "p_item": item_id, **parameters})


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


def add_attempt(session: Session, values: dict[str, Any]) -> int:
    """Insert an attempt; its id."""
    return int(session.execute(_ADD_ATTEMPT, values).scalar_one())


def attempt_with_zone(session: Session, attempt_id: int) -> dict[str, Any] | None:
    """The attempt's columns plus its learner's ``timezone``, or None."""
    row = session.execute(_ATTEMPT_WITH_ZONE, {"p_attempt": attempt_id}).first()
    return None if row is None else dict(row._mapping)


def claim_attempt(session: Session, attempt_id: int) -> bool:
    """Mark the attempt answered if nobody has; True for the one caller who did.

    A conditional UPDATE is atomic on both databases: of any number of racing
    submits of one attempt, exactly one sees a changed row.
    """
    result = session.execute(_CLAIM_ATTEMPT, {"p_attempt": attempt_id})
    return bool(getattr(result, "rowcount", 0) == 1)


def latest_review_attempt_id(session: Session, user_id: int) -> int | None:
    """The id of the learner's most recently served review (not practice) attempt."""
    statement = (
        select(Attempt.id)
        .where(Attempt.user_id == user_id, Attempt.practice.is_(False))
        .order_by(Attempt.served_at.desc(), Attempt.id.desc())
        .limit(1)
    )
    return session.scalars(statement).one_or_none()


def learner_attempts(session: Session, user_id: int) -> list[Attempt]:
    statement = select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.id)
    return list(session.scalars(statement))


# --- reviews -------------------------------------------------------------------------


def add_review(session: Session, values: dict[str, Any]) -> None:
    session.execute(_ADD_REVIEW, values)


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
    session: Session,
    user_id: int,
    *,
    since: datetime | None = None,
    undone: bool = False,
    seen_from_guild: int | None = None,
) -> list[Review]:
    """The learner's reviews in time order; undone ones only when ``undone`` is True.

    With ``seen_from_guild``, only what that guild's instructors may see: reviews made in
    that guild or in DMs, as for the class (see :func:`class_reviews`).
    """
    statement = select(Review).where(Review.user_id == user_id)
    if seen_from_guild is not None:
        statement = statement.where(
            or_(Review.guild_id == seen_from_guild, Review.guild_id.is_(None))
        )
    if since is not None:
        statement = statement.where(Review.reviewed_at >= since)
    if not undone:
        statement = statement.where(Review.undone.is_(False))
    return list(session.scalars(statement.order_by(Review.reviewed_at, Review.id)))


def class_reviews(guild_id: int, since: datetime) -> tuple[ColumnElement[bool], ...]:
    """The WHERE clauses of a guild class's reviews (join Review to GuildEnrolment on user).

    Reviews since ``since``, not undone, by learners enrolled in the guild.  A review
    made in another guild belongs to that guild's class and is left out; one made in
    DMs (guild_id NULL, e.g. from a reminder) counts for every class the learner is
    enrolled in.
    """
    return (
        GuildEnrolment.guild_id == guild_id,
        or_(Review.guild_id == guild_id, Review.guild_id.is_(None)),
        Review.reviewed_at >= since,
        Review.undone.is_(False),
    )


def guild_reviews(session: Session, guild_id: int, since: datetime) -> list[Review]:
    """The class's reviews since ``since`` (see :func:`class_reviews`), in time order."""
    statement = (
        select(Review)
        .join(GuildEnrolment, GuildEnrolment.user_id == Review.user_id)
        .where(*class_reviews(guild_id, since))
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
        "family_levels": _rows_of(session, FamilyLevel, user_id),
        "walks": _rows_of(session, Walk, user_id),
    }


def _rows_of(session: Session, model: Any, user_id: int) -> list[Any]:
    return list(session.scalars(select(model).where(model.user_id == user_id)))


def column_values(row: Base) -> dict[str, Any]:
    """A row's columns as a dict, in table order."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def rows_as_dicts(rows: Iterable[Base]) -> list[dict[str, Any]]:
    return [column_values(row) for row in rows]
