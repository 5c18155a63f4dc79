"""The learner's own settings: the time zone their days (due dates, streak) follow."""

from __future__ import annotations

from datetime import datetime

from quizzes.reminders.schedule import follow_zone_change
from quizzes.storage import queries
from quizzes.storage.db import retry_when_locked
from quizzes.study.context import StudyContext
from quizzes.timezones import DEFAULT_ZONE, parse_zone


def set_timezone(context: StudyContext, user_id: int, zone_name: str) -> str:
    """Store the zone (UnknownTimezone before any write); its canonical name."""
    canonical = parse_zone(zone_name).key
    now = context.now()
    return retry_when_locked(lambda: _set_timezone_once(context, user_id, canonical, now))


def _set_timezone_once(context: StudyContext, user_id: int, zone_name: str, now: datetime) -> str:
    with context.database.transaction() as session:
        queries.ensure_learner(session, user_id, now)
        queries.set_learner_timezone(session, user_id, zone_name)
        # a reminder already scheduled was computed in the old zone: move it, in this transaction
        follow_zone_change(session, user_id, now)
    return zone_name


def timezone(context: StudyContext, user_id: int) -> str:
    with context.database.read_session() as session:
        return queries.learner_timezone(session, user_id) or DEFAULT_ZONE
