"""Repository functions of the instructor service: guild settings and class activity.

Like ``queries``, each function takes an open ``Session`` and leaves committing
to the caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quizzes.storage.models import GuildEnrolment, GuildSettings, Review
from quizzes.storage.queries import class_reviews, dialect_insert

GUILD_SETTING_COLUMNS = ("instructor_role_id", "reminder_channel_id", "default_reminder_time")


def get_guild_settings(session: Session, guild_id: int) -> GuildSettings | None:
    return session.get(GuildSettings, guild_id)


def save_guild_settings(session: Session, guild_id: int, values: dict[str, Any]) -> None:
    """Set some of a guild's settings, creating its row if needed; others are kept.

    One INSERT ... ON CONFLICT DO UPDATE, so two admins configuring a new guild at
    the same moment cannot both try to create its row.
    """
    unknown = set(values) - set(GUILD_SETTING_COLUMNS)
    if unknown:
        raise ValueError(f"not a guild setting: {', '.join(sorted(unknown))}")
    if not values:
        return
    statement = (
        dialect_insert(session, GuildSettings)
        .values(guild_id=guild_id, **values)
        .on_conflict_do_update(index_elements=["guild_id"], set_=values)
    )
    session.execute(statement)


def active_learner_count(session: Session, guild_id: int, since: datetime) -> int:
    """Learners with a review of the guild's class at or after ``since``.

    The same rule as the study service's ``ClassStats.active``, for a shorter window.
    """
    statement = (
        select(func.count(func.distinct(Review.user_id)))
        .join(GuildEnrolment, GuildEnrolment.user_id == Review.user_id)
        .where(*class_reviews(guild_id, since))
    )
    return int(session.scalar(statement) or 0)
