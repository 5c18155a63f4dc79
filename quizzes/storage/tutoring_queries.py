"""Queries of the learning loop: problem levels apart from the box, walks, retests, skills."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizzes.storage.models import Attempt, FamilyLevel, GuildEnrolment, Review, Walk
from quizzes.storage.queries import dialect_insert


def family_level(session: Session, user_id: int, family: str) -> tuple[int, int] | None:
    """(level, streak) of the learner's problems of ``family``, or None if never set."""
    row = session.get(FamilyLevel, (user_id, family))
    return None if row is None else (row.level, row.streak)


def write_family_level(
    session: Session, user_id: int, family: str, level: int, streak: int, now: datetime
) -> None:
    values = {"user_id": user_id, "family": family, "level": level, "streak": streak}
    statement = dialect_insert(session, FamilyLevel).values(values | {"updated_at": now})
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "family"],
        set_={"level": level, "streak": streak, "updated_at": now},
    )
    session.execute(statement)


def delete_family_level(session: Session, user_id: int, family: str) -> None:
    row = session.get(FamilyLevel, (user_id, family))
    if row is not None:
        session.delete(row)


def last_miss_codes(session: Session, user_id: int, item_id: str) -> list[str]:
    """The diagnosed codes of the learner's latest review of the item if it was a miss."""
    statement = (
        select(Review.correct, Review.codes)
        .where(Review.user_id == user_id, Review.item_id == item_id, Review.undone.is_(False))
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
        .limit(1)
    )
    row = session.execute(statement).first()
    return [] if row is None or row.correct else list(row.codes or [])


def add_walk(session: Session, values: dict[str, Any]) -> int:
    walk = Walk(**values)
    session.add(walk)
    session.flush()
    return walk.id


def get_walk(session: Session, walk_id: int) -> Walk | None:
    return session.get(Walk, walk_id)


def learner_walks(session: Session, user_id: int, since: datetime | None = None) -> list[Walk]:
    statement = select(Walk).where(Walk.user_id == user_id)
    if since is not None:
        statement = statement.where(Walk.started_at >= since)
    return list(session.scalars(statement.order_by(Walk.started_at, Walk.id)))


def guild_walks(session: Session, guild_id: int, since: datetime) -> list[Walk]:
    """The walks of the guild's class made in the guild or in DMs (as for reviews)."""
    statement = (
        select(Walk)
        .join(GuildEnrolment, GuildEnrolment.user_id == Walk.user_id)
        .where(
            GuildEnrolment.guild_id == guild_id,
            (Walk.guild_id == guild_id) | Walk.guild_id.is_(None),
            Walk.started_at >= since,
        )
        .order_by(Walk.started_at, Walk.id)
    )
    return list(session.scalars(statement))


def retest_codes(session: Session, attempt_ids: list[int]) -> dict[int, str]:
    """For the attempts that were retests, the mistake code each retested."""
    if not attempt_ids:
        return {}
    statement = select(Attempt.id, Attempt.retest_code).where(
        Attempt.id.in_(attempt_ids), Attempt.retest_code.is_not(None)
    )
    return {row.id: row.retest_code for row in session.execute(statement)}
