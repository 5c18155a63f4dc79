"""A pure Leitner scheduler: ``review(state, correct, now) -> (state, log)``.

Items live in numbered boxes.  A right answer moves an item up one box, a wrong
one back to box 1 (or down one box, if configured); box *n* waits
``intervals[n - 1]`` days, and the last box keeps its interval.

Intervals count the learner's **local days**, not 24-hour periods: like Anki, a
day begins at ``rollover_hour`` (04:00 by default) local time, so a review at
03:59 still belongs to the previous day, and an item due "in 2 days" becomes due
when the day two days after today begins, whatever the hour of the review.  A
local day may last 23 or 25 hours across a daylight-saving change.  Every
datetime stored or returned is timezone-aware UTC; the learner's zone is used
only to find where their days begin.

When the rollover wall time does not exist on some day (the clocks jump over it),
that day begins at the instant of the jump: the first moment the clock shows a
time at or after the rollover hour.  When it happens twice (the clocks fall back
over it), the day begins at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

UTC_ZONE = ZoneInfo("UTC")
OnWrong = Literal["reset", "down"]
_ON_WRONG: tuple[OnWrong, ...] = ("reset", "down")


@dataclass(frozen=True)
class LeitnerConfig:
    """How many boxes, how long each waits (in local days) and what a wrong answer does."""

    intervals: tuple[int, ...] = (1, 2, 4, 8, 16)
    on_wrong: OnWrong = "reset"
    rollover_hour: int = 4
    new_per_day: int = 10

    def __post_init__(self) -> None:
        if not self.intervals or any(
            isinstance(days, bool) or not isinstance(days, int) or days < 1
            for days in self.intervals
        ):
            raise ValueError(f"intervals must be whole days >= 1, got {self.intervals!r}")
        if self.on_wrong not in _ON_WRONG:
            raise ValueError(f"on_wrong must be one of {_ON_WRONG}, got {self.on_wrong!r}")
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError(f"rollover_hour must be 0..23, got {self.rollover_hour!r}")
        if self.new_per_day < 0:
            raise ValueError(f"new_per_day must be >= 0, got {self.new_per_day!r}")

    @property
    def boxes(self) -> int:
        return len(self.intervals)


def _require_aware(moment: datetime, what: str) -> datetime:
    """``moment`` converted to UTC; a naive datetime is refused rather than guessed at."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _datetime_to_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _datetime_from_text(text: str | None, what: str) -> datetime | None:
    return None if text is None else _require_aware(datetime.fromisoformat(text), what)


@dataclass(frozen=True)
class ItemState:
    """Where one learner stands on one item.  ``due`` None means never scheduled.

    ``lapses`` counts wrong answers.
    """

    item_id: str
    box: int = 1
    due: datetime | None = None
    last_review: datetime | None = None
    reviews: int = 0
    correct: int = 0
    lapses: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "box": self.box,
            "due": _datetime_to_text(self.due),
            "last_review": _datetime_to_text(self.last_review),
            "reviews": self.reviews,
            "correct": self.correct,
            "lapses": self.lapses,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemState:
        return cls(
            item_id=str(data["item_id"]),
            box=int(data["box"]),
            due=_datetime_from_text(data.get("due"), "due"),
            last_review=_datetime_from_text(data.get("last_review"), "last_review"),
            reviews=int(data.get("reviews", 0)),
            correct=int(data.get("correct", 0)),
            lapses=int(data.get("lapses", 0)),
        )


@dataclass(frozen=True)
class ReviewLog:
    """What one review changed; enough to undo it."""

    item_id: str
    correct: bool
    box_before: int
    box_after: int
    due_before: datetime | None
    due_after: datetime
    reviewed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "correct": self.correct,
            "box_before": self.box_before,
            "box_after": self.box_after,
            "due_before": _datetime_to_text(self.due_before),
            "due_after": _datetime_to_text(self.due_after),
            "reviewed_at": _datetime_to_text(self.reviewed_at),
        }


def local_day(now: datetime, tz: tzinfo, rollover_hour: int) -> date:
    """The learner's calendar day at ``now``; before the rollover hour it is still yesterday."""
    local = _require_aware(now, "now").astimezone(tz)
    # Wall-clock arithmetic on purpose: only the local date and hour matter here.
    return (local.replace(tzinfo=None) - timedelta(hours=rollover_hour)).date()


def day_start(day: date, tz: tzinfo, rollover_hour: int) -> datetime:
    """The aware UTC instant at which local ``day`` begins (see the module docstring)."""
    return wall_instant(day, time(rollover_hour), tz)


def wall_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """The aware UTC instant the wall time ``at`` happens on local ``day``.

    A wall time the clocks jump over happens at the jump; one they fall back over
    happens at its first occurrence (see the module docstring).
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first  # the wall time exists; fold=0 picked its first occurrence
    # The clocks jump over ``wall``: find the jump, the first second whose wall time is
    # >= ``wall``.  fold=1 maps before the jump and fold=0 after it, so bisect between.
    low = int(wall.replace(tzinfo=tz, fold=1).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall_time(middle, tz) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _wall_time(timestamp: int, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).astimezone(tz).replace(tzinfo=None)


class LeitnerScheduler:
    """Turns a review into a new state and a log; never mutates what it is given."""

    def __init__(self, config: LeitnerConfig | None = None) -> None:
        self.config = config or LeitnerConfig()

    def new_state(self, item_id: str) -> ItemState:
        return ItemState(item_id=item_id)

    def review(
        self, state: ItemState, correct: bool, now: datetime, tz: tzinfo = UTC_ZONE
    ) -> tuple[ItemState, ReviewLog]:
        now_utc = _require_aware(now, "now")
        box_before = self._clamp_box(state.box)
        box_after = self._next_box(box_before, correct)
        days = self.config.intervals[box_after - 1]
        due_after = self.day_start(self.local_day(now_utc, tz) + timedelta(days=days), tz)
        new_state = replace(
            state,
            box=box_after,
            due=due_after,
            last_review=now_utc,
            reviews=state.reviews + 1,
            correct=state.correct + (1 if correct else 0),
            lapses=state.lapses + (0 if correct else 1),
        )
        log = ReviewLog(
            item_id=state.item_id,
            correct=correct,
            box_before=state.box,
            box_after=box_after,
            due_before=state.due,
            due_after=due_after,
            reviewed_at=now_utc,
        )
        return new_state, log

    def local_day(self, now: datetime, tz: tzinfo = UTC_ZONE) -> date:
        return local_day(now, tz, self.config.rollover_hour)

    def day_start(self, day: date, tz: tzinfo = UTC_ZONE) -> datetime:
        return day_start(day, tz, self.config.rollover_hour)

    def streak(self, reviewed: Iterable[datetime], now: datetime, tz: tzinfo = UTC_ZONE) -> int:
        """Consecutive local study days ending today, or yesterday if today has none yet."""
        days = {self.local_day(moment, tz) for moment in reviewed}
        day = self.local_day(now, tz)
        if day not in days:
            day -= timedelta(days=1)
        count = 0
        while day in days:
            count += 1
            day -= timedelta(days=1)
        return count

    @staticmethod
    def level_for(state: ItemState) -> int:
        """The problem level an item is served at: its box."""
        return max(1, state.box)

    def _clamp_box(self, box: int) -> int:
        # A state may come from a config with more boxes than this one.
        return max(1, min(box, self.config.boxes))

    def _next_box(self, box: int, correct: bool) -> int:
        if correct:
            return min(box + 1, self.config.boxes)
        if self.config.on_wrong == "down":
            return max(1, box - 1)
        return 1


@dataclass
class ReviewSession:
    """The queue of item ids for one sitting.

    An item answered wrongly goes once more to the end of the queue; a second
    wrong answer in the same session does not bring it back again.
    """

    queue: list[str]
    new_item_ids: tuple[str, ...] = ()
    requeued: set[str] = field(default_factory=set)
    served: list[str] = field(default_factory=list)

    def next_item_id(self) -> str | None:
        """Pop and return the next item id, or None when the session is over."""
        if not self.queue:
            return None
        item_id = self.queue.pop(0)
        self.served.append(item_id)
        return item_id

    def take(self, item_id: str) -> None:
        """Serve ``item_id`` now, out of turn: an item resumed from an earlier sitting."""
        if item_id in self.queue:
            self.queue.remove(item_id)
        self.served.append(item_id)

    def retry(self, item_id: str) -> None:
        """An answer taken back (undo): the item comes next, once, and the answer leaves no
        trace: had it been a miss, a miss of the new answer still comes back at the end."""
        if item_id in self.queue:
            self.queue.remove(item_id)
        self.requeued.discard(item_id)
        self.queue.insert(0, item_id)

    def record(self, item_id: str, correct: bool) -> None:
        if item_id not in self.served:
            raise ValueError(f"{item_id!r} was not served in this session")
        if not correct and item_id not in self.requeued:
            self.requeued.add(item_id)
            self.queue.append(item_id)

    @property
    def remaining(self) -> int:
        return len(self.queue)

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue": list(self.queue),
            "new_item_ids": list(self.new_item_ids),
            "requeued": sorted(self.requeued),
            "served": list(self.served),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReviewSession:
        return cls(
            queue=[str(item) for item in data["queue"]],
            new_item_ids=tuple(str(item) for item in data.get("new_item_ids", ())),
            requeued={str(item) for item in data.get("requeued", ())},
            served=[str(item) for item in data.get("served", ())],
        )


def _due_order(state: ItemState) -> tuple[datetime, int, str]:
    # Most overdue first (earliest due), lower boxes first on ties, then a stable id order.
    return (state.due or datetime.min.replace(tzinfo=UTC), state.box, state.item_id)


def build_session(
    states: Iterable[ItemState],
    new_item_ids: Sequence[str],
    *,
    now: datetime,
    tz: tzinfo = UTC_ZONE,
    config: LeitnerConfig | None = None,
    introduced_today: int = 0,
) -> ReviewSession:
    """Due items first, then unseen items up to the day's cap for new ones.

    ``introduced_today`` is how many new items the learner already met today; a
    state that was never scheduled (``due`` None) counts as due.  ``tz`` is accepted
    so callers pass the learner's zone consistently; due instants are already UTC.
    """
    config = config or LeitnerConfig()
    now_utc = _require_aware(now, "now")
    state_list = list(states)
    due = sorted((s for s in state_list if s.due is None or s.due <= now_utc), key=_due_order)
    known = {s.item_id for s in state_list}
    budget = max(0, config.new_per_day - max(0, introduced_today))
    fresh: list[str] = []
    for item_id in new_item_ids:
        if len(fresh) >= budget:
            break
        if item_id not in known and item_id not in fresh:
            fresh.append(item_id)
    return ReviewSession(queue=[s.item_id for s in due] + fresh, new_item_ids=tuple(fresh))
