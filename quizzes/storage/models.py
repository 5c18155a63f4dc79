"""The tables that hold learners' progress.

Every row that belongs to a learner references ``learners.user_id`` with
``ON DELETE CASCADE``, so forgetting a learner is one ``DELETE`` of their
``Learner`` row.  Times are ``UTCDateTime``: aware UTC in, aware UTC out.

Relationships are many-to-one only (``row.learner``, ``review.attempt``): they
let one flush insert a learner and its rows in the right order.  There are no
one-to-many collections on purpose: the database enforces the cascades, so ORM
and database can never disagree about what a delete removes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ITEM_ID_LENGTH = 64  # card ids and family ids: "chain-rule-1", "add-mul"
ZONE_LENGTH = 64  # IANA zone names; the longest today is 32 characters


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in as aware UTC and comes out as aware UTC.

    SQLite has no time zones, so values are stored there as naive UTC text
    (which also keeps string comparison in time order); PostgreSQL stores a
    ``timestamptz``.  A naive datetime is refused: its meaning is a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass an aware UTC time")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def _learner_fk() -> ForeignKey:
    return ForeignKey("learners.user_id", ondelete="CASCADE")


class Learner(Base):
    """A Discord user who has studied at least once."""

    __tablename__ = "learners"
    __table_args__ = (
        CheckConstraint("reminder_where IN ('dm', 'channel')", name="reminder_where"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(ZONE_LENGTH), default="UTC", server_default="UTC")
    reminders_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    reminder_time: Mapped[str | None] = mapped_column(String(5))  # local "HH:MM"
    reminder_where: Mapped[str] = mapped_column(String(8), default="dm", server_default="dm")
    reminder_guild_id: Mapped[int | None] = mapped_column(BigInteger)  # for "channel"
    dm_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    dms_closed: Mapped[bool] = mapped_column(default=False, server_default=false())
    dms_closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # when the reminder sweep should next look at this learner: NULL when reminders are
    # off, so the every-minute sweep is one range scan of this index
    next_reminder_at: Mapped[datetime | None] = mapped_column(index=True)


class GuildEnrolment(Base):
    """A learner studies in a guild, so its instructors see their statistics."""

    __tablename__ = "guild_enrolments"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(
        BigInteger, _learner_fk(), primary_key=True, autoincrement=False, index=True
    )
    enrolled_at: Mapped[datetime]

    learner: Mapped[Learner] = relationship()


class GuildSettings(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    instructor_role_id: Mapped[int | None] = mapped_column(BigInteger)
    reminder_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    default_reminder_time: Mapped[str | None] = mapped_column(String(5))  # local "HH:MM"


class ItemStateRow(Base):
    """One learner's Leitner state for one item (a card id or a problem family id)."""

    __tablename__ = "item_states"
    __table_args__ = (
        CheckConstraint("box >= 1", name="box_positive"),
        # the reminder sweep counts due items across all learners
        Index("ix_item_states_due", "due"),
        Index("ix_item_states_user_id_due", "user_id", "due"),
    )

    user_id: Mapped[int] = mapped_column(
        BigInteger, _learner_fk(), primary_key=True, autoincrement=False
    )
    item_id: Mapped[str] = mapped_column(String(ITEM_ID_LENGTH), primary_key=True)
    box: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    due: Mapped[datetime | None]
    last_review: Mapped[datetime | None]
    reviews: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    correct: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    lapses: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    first_seen: Mapped[datetime]

    learner: Mapped[Learner] = relationship()


class Attempt(Base):
    """One item served to a learner, stored before it is shown.

    A problem is rebuilt exactly from (family, generator_version, seed, level),
    so what was served can always be graded and audited.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("kind IN ('card', 'problem')", name="kind"),
        Index("ix_attempts_user_id_served_at", "user_id", "served_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _learner_fk())
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    item_id: Mapped[str] = mapped_column(String(ITEM_ID_LENGTH))
    kind: Mapped[str] = mapped_column(String(8))
    family: Mapped[str | None] = mapped_column(String(ITEM_ID_LENGTH))
    generator_version: Mapped[int | None]
    seed: Mapped[int | None] = mapped_column(BigInteger)
    level: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    served_at: Mapped[datetime]
    answered: Mapped[bool] = mapped_column(default=False, server_default=false())
    practice: Mapped[bool] = mapped_column(default=False, server_default=false())
    # the mistake code this problem retests (drawn so that the mistake would show)
    retest_code: Mapped[str | None] = mapped_column(String(32))

    learner: Mapped[Learner] = relationship()


class FamilyLevel(Base):
    """How hard one learner's problems of one family are, apart from its Leitner box."""

    __tablename__ = "family_levels"
    __table_args__ = (CheckConstraint("level >= 1", name="level_positive"),)

    user_id: Mapped[int] = mapped_column(
        BigInteger, _learner_fk(), primary_key=True, autoincrement=False
    )
    family: Mapped[str] = mapped_column(String(ITEM_ID_LENGTH), primary_key=True)
    level: Mapped[int]
    streak: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    updated_at: Mapped[datetime]

    learner: Mapped[Learner] = relationship()


class Walk(Base):
    """A step-by-step walk through the gate a learner got wrong, after one attempt.

    ``steps`` lists each step as answered: what was asked, its skill, whether it was
    right at the first try, the tries, and when.  A walk moves no box.
    """

    __tablename__ = "walks"
    __table_args__ = (Index("ix_walks_user_id_started_at", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _learner_fk())
    guild_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    family: Mapped[str] = mapped_column(String(ITEM_ID_LENGTH))
    code: Mapped[str | None] = mapped_column(String(32))  # the diagnosis it starts from
    gate: Mapped[int | None]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="open")  # open, done, skipped
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    learner: Mapped[Learner] = relationship()


class Review(Base):
    """The graded answer to one attempt.

    ``attempt_id`` is unique: a second submit of the same attempt cannot record
    a second review, which is what makes submit idempotent.  ``state_before``
    is the item state before this review (``ItemState.to_dict()``), so undo
    restores it exactly; it is None for practice, which changes no state.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_user_id_reviewed_at", "user_id", "reviewed_at"),
        Index("ix_reviews_guild_id_reviewed_at", "guild_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _learner_fk())
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    item_id: Mapped[str] = mapped_column(String(ITEM_ID_LENGTH))
    family: Mapped[str | None] = mapped_column(String(ITEM_ID_LENGTH))
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), unique=True
    )
    correct: Mapped[bool]
    results: Mapped[dict[str, Any] | None]  # Grade.to_dict(); None for flashcards
    codes: Mapped[list[str]] = mapped_column(default=list)  # diagnosis codes, in order
    answer_text: Mapped[str | None] = mapped_column(Text)
    seconds_taken: Mapped[float | None] = mapped_column(Float)
    box_before: Mapped[int]
    box_after: Mapped[int]
    due_after: Mapped[datetime | None]
    reviewed_at: Mapped[datetime]
    undone: Mapped[bool] = mapped_column(default=False, server_default=false())
    undone_at: Mapped[datetime | None]
    state_before: Mapped[dict[str, Any] | None]
    practice: Mapped[bool] = mapped_column(default=False, server_default=false())

    learner: Mapped[Learner] = relationship()
    attempt: Mapped[Attempt] = relationship()


class ReminderLogEntry(Base):
    """A daily reminder, claimed before it is sent.

    Unique per (learner, local date): the sweep claims a reminder by inserting
    this row, so two sweeps or two processes can never both send it.
    """

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("user_id", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _learner_fk())
    local_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))  # claimed, sent, failed, ...
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    # sending attempts so far; a 5xx sets retry_at and a later sweep re-claims the row
    attempts: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    retry_at: Mapped[datetime | None] = mapped_column(index=True)

    learner: Mapped[Learner] = relationship()
