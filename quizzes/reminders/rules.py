"""The rules of daily reminders: when one falls, what the sweep does, when to retry.

A reminder is a learner's "HH:MM" in their IANA zone, as aware UTC.

A reminder belongs to a local calendar date.  On a daylight-saving day the wall
time may not exist (the clocks jump over it: the reminder goes at the jump, the
first instant the time has passed) or may occur twice (the clocks fall back: the
first occurrence, and only that one, because the claim is per local date).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from quizzes.leitner import local_day, wall_instant
from quizzes.problems.base import QuizError
from quizzes.storage.reminder_queries import CandidateRow
from quizzes.timezones import learner_zone

_REMINDER_TIME = re.compile(r"^\s*(?P<hour>[01]?\d|2[0-3])\s*[:h.]\s*(?P<minute>[0-5]\d)\s*$")
Where = Literal["dm", "channel"]
# after the n-th failed attempt, wait RETRY_DELAYS[n-1]; then give up for the day
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


class ReminderError(QuizError):
    """A reminder setting the learner gave cannot be used; the message says why."""


def parse_reminder_time(text: str) -> time:
    """``"18:30"`` (also ``"9:05"``, ``"18.30"``, ``"18h30"``) as a time, else ReminderError."""
    match = _REMINDER_TIME.match(text)
    if match is None:
        raise ReminderError(f"{text.strip()[:20]!r} is not a time: give HH:MM, e.g. 18:30.")
    return time(int(match["hour"]), int(match["minute"]))


def format_reminder_time(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def reminder_instant(day: date, at: time, zone: tzinfo) -> datetime:
    """The aware UTC instant the wall time ``at`` on local ``day`` happens (see module doc)."""
    return wall_instant(day, at, zone)


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The learner's calendar date at ``moment``."""
    return local_day(moment, zone, rollover_hour=0)


def day_end(day: date, zone: tzinfo) -> datetime:
    """The instant local ``day`` ends: the next local midnight (or the jump over it)."""
    return reminder_instant(day + timedelta(days=1), time(0, 0), zone)


def next_reminder_after(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The first reminder instant after ``now``: today's if still ahead, else tomorrow's."""
    today = local_date(now, zone)
    for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
        instant = reminder_instant(day, at, zone)
        if instant > now:
            return instant
    raise AssertionError("unreachable: a wall time recurs within two days")  # pragma: no cover


class Outcome(enum.StrEnum):
    """What became of a claimed reminder (stored as reminder_log.status)."""

    SENT_DM = "sent-dm"
    SENT_CHANNEL = "sent-channel"  # a mention in the guild's reminder channel
    DMS_CLOSED = "dms-closed"  # DMs refused (50007) and no reminder channel to fall back to
    NO_CHANNEL = "no-channel"  # "channel" chosen but the guild has none configured
    RETRY = "retry"  # a Discord server error: claimed again later the same day
    FAILED = "failed"
    NOTHING_DUE = "nothing-due"  # everything was reviewed between the sweep and the claim


@dataclass(frozen=True)
class ReminderSettings:
    """What /remind shows a learner."""

    user_id: int
    enabled: bool = False
    time: str | None = None  # "HH:MM" in force: the learner's own, else the guild's default
    own_time: bool = False
    timezone: str = "UTC"
    where: Where = "dm"
    guild_id: int | None = None
    channel_id: int | None = None  # the guild's reminder channel (the fallback when DMs close)
    next_reminder_at: datetime | None = None
    dms_closed: bool = False
    dms_closed_at: datetime | None = None
    last_status: str | None = None
    last_date: date | None = None


@dataclass(frozen=True)
class ClaimedReminder:
    """A reminder this process alone now sends."""

    log_id: int
    user_id: int
    local_date: date
    timezone: str
    attempt: int
    due_items: int
    streak_days: int
    where: Where
    dm_channel_id: int | None
    dms_closed: bool
    guild_id: int | None
    channel_id: int | None  # the guild's reminder channel, when one is configured


@dataclass(frozen=True)
class DueReminder:
    """A reminder the sweep found; ``claim`` it before sending."""

    user_id: int
    local_date: date
    due_items: int
    timezone: str = "UTC"  # the learner's zone: the reminder is void once its date ends there
    seen_next_at: datetime | None = None  # next_reminder_at as read (compare-and-set)
    next_at: datetime | None = None  # where next_reminder_at moves once claimed
    retry_log_id: int | None = None  # set when this is a retry of a claimed reminder


@dataclass(frozen=True)
class Reschedule:
    """Move a learner's ``next_reminder_at`` from ``seen`` to ``next_at`` (None: stop)."""

    user_id: int
    seen: datetime | None
    next_at: datetime | None


def plan_candidate(candidate: CandidateRow, now: datetime) -> DueReminder | Reschedule:
    """What the sweep does with a learner whose ``next_reminder_at`` has passed.

    Their reminder is due for today's local date if today's reminder time has
    passed (late is fine, the same local day).  Otherwise -- their day ended while
    the bot was down, nothing is due, or no time is set -- move them on.
    """
    seen = candidate.next_reminder_at
    if candidate.reminder_time is None:
        return Reschedule(candidate.user_id, seen, None)
    zone = learner_zone(candidate.timezone)
    at = parse_reminder_time(candidate.reminder_time)
    today = local_date(now, zone)
    today_at = reminder_instant(today, at, zone)
    if today_at > now:
        # the scheduled day ended unsent; today's time is still ahead
        return Reschedule(candidate.user_id, seen, today_at)
    tomorrow_at = reminder_instant(today + timedelta(days=1), at, zone)
    if candidate.due_items == 0:
        return Reschedule(candidate.user_id, seen, tomorrow_at)
    return DueReminder(
        candidate.user_id,
        today,
        candidate.due_items,
        timezone=candidate.timezone,
        seen_next_at=seen,
        next_at=tomorrow_at,
    )


def retry_time(now: datetime, attempt: int, day: date, zone_name: str) -> datetime | None:
    """When to try again after failed attempt number ``attempt``; None to give up."""
    if attempt > len(RETRY_DELAYS):
        return None
    retry_at = now + RETRY_DELAYS[attempt - 1]
    return retry_at if retry_at < day_end(day, learner_zone(zone_name)) else None
