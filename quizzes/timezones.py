"""Time zones at the edges: the UTC clock, a learner's stored zone, and names learners type.

Everything inside chainrule is aware UTC; a learner's IANA zone only decides which
local day a moment belongs to (due days, streaks) and when a reminder falls.  Both
the study service (``set_timezone``) and the reminders (``/remind timezone:``)
read a typed name with ``parse_zone``, so they accept and reject the same names.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime

from quizzes.problems.base import QuizError

DEFAULT_ZONE = "UTC"
MAX_ZONE_SUGGESTIONS = 25  # Discord shows at most 25 autocomplete choices


class UnknownTimezone(QuizError):
    """A zone name that is not an IANA zone this system knows; the message says so."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name.strip()[:40]!r} is not a time zone I know: give an IANA name such as "
            "Europe/Paris or America/New_York."
        )


def utc_now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _names_by_lower_case() -> dict[str, str]:
    return {zone.lower(): zone for zone in zone_names()}


def parse_zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone called ``name`` (case-insensitive, e.g. ``europe/paris``), else
    UnknownTimezone; its ``key`` is the canonical spelling to store."""
    exact = _names_by_lower_case().get(name.strip().lower())
    if exact is None:
        raise UnknownTimezone(name)
    return zoneinfo.ZoneInfo(exact)


def learner_zone(name: str | None) -> zoneinfo.ZoneInfo:
    """A stored zone; an unknown or missing name falls back to UTC rather than failing."""
    try:
        return zoneinfo.ZoneInfo(name or DEFAULT_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_ZONE)


def matching_zones(text: str, limit: int = MAX_ZONE_SUGGESTIONS) -> list[str]:
    """Zone names for autocomplete: names starting with ``text`` first, then containing it."""
    needle = text.strip().lower().replace(" ", "_")
    names = zone_names()
    if not needle:
        return list(names[:limit])
    starts = [n for n in names if n.lower().startswith(needle)]
    # learners type the city ("paris"), which sits after the region: match inside too
    inside = [n for n in names if needle in n.lower() and n not in starts]
    return (starts + inside)[:limit]
