"""The Leitner scheduler: golden box/due sequences in real time zones, and the session queue."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.leitner import (
    ItemState,
    LeitnerConfig,
    LeitnerScheduler,
    ReviewSession,
    build_session,
    day_start,
    local_day,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def walk(
    scheduler: LeitnerScheduler, answers: list[tuple[datetime, bool]], tz: ZoneInfo
) -> list[tuple[int, datetime]]:
    """(box, due) after each answer, starting from a new item."""
    state = scheduler.new_state("card")
    seen = []
    for moment, correct in answers:
        state, _ = scheduler.review(state, correct, moment, tz)
        assert state.due is not None
        seen.append((state.box, state.due))
    return seen


# ---- golden sequences -------------------------------------------------------------------


def test_golden_sequence_across_new_york_spring_forward() -> None:
    scheduler = LeitnerScheduler()
    answers = [
        (utc(2026, 3, 6, 17), True),  # Fri 12:00 EST
        (utc(2026, 3, 8, 8), True),  # Sun 04:00 EDT, exactly when due; clocks moved at 02:00
        (utc(2026, 3, 13, 0), False),  # Thu 20:00 EDT
        (utc(2026, 3, 13, 8), True),  # Fri 04:00 EDT
    ]
    assert walk(scheduler, answers, NEW_YORK) == [
        (2, utc(2026, 3, 8, 8)),  # Sun 04:00 EDT: two local days, only 47 hours later
        (3, utc(2026, 3, 12, 8)),
        (1, utc(2026, 3, 13, 8)),
        (2, utc(2026, 3, 15, 8)),
    ]


def test_golden_sequence_across_new_york_fall_back() -> None:
    scheduler = LeitnerScheduler()
    answers = [
        (utc(2026, 10, 30, 16), True),  # Fri 12:00 EDT
        (utc(2026, 11, 1, 9), True),  # Sun 04:00 EST
        (utc(2026, 11, 5, 9), True),
    ]
    assert walk(scheduler, answers, NEW_YORK) == [
        (2, utc(2026, 11, 1, 9)),  # Sun 04:00 EST: two local days, 49 hours later
        (3, utc(2026, 11, 5, 9)),
        (4, utc(2026, 11, 13, 9)),
    ]


def test_golden_sequence_in_berlin_up_to_the_last_box() -> None:
    scheduler = LeitnerScheduler()
    state = ItemState("card", box=4, due=utc(2026, 3, 20, 3))
    state, log = scheduler.review(state, True, utc(2026, 3, 28, 21), BERLIN)  # Sat 22:00 CET
    assert (state.box, state.due) == (5, utc(2026, 4, 13, 2))  # 04:00 CEST, 16 days later
    assert (log.box_before, log.box_after, log.due_before) == (4, 5, utc(2026, 3, 20, 3))
    state, _ = scheduler.review(state, True, utc(2026, 4, 13, 10), BERLIN)
    assert (state.box, state.due) == (5, utc(2026, 4, 29, 2))  # the last box keeps 16 days
    state, _ = scheduler.review(state, True, utc(2026, 10, 24, 10), BERLIN)  # Sat 12:00 CEST
    assert (state.box, state.due) == (5, utc(2026, 11, 9, 3))  # 04:00 CET


def test_rollover_boundary_a_review_at_0359_counts_as_the_previous_day() -> None:
    scheduler = LeitnerScheduler()
    before, _ = scheduler.review(ItemState("card"), True, utc(2026, 3, 10, 7, 59), NEW_YORK)
    after, _ = scheduler.review(ItemState("card"), True, utc(2026, 3, 10, 8, 0), NEW_YORK)
    assert before.due == utc(2026, 3, 11, 8)  # 03:59 EDT is still Monday: Monday + 2 days
    assert after.due == utc(2026, 3, 12, 8)  # 04:00 EDT is Tuesday
    assert scheduler.local_day(utc(2026, 3, 10, 7, 59), NEW_YORK) == date(2026, 3, 9)
    assert scheduler.local_day(utc(2026, 3, 10, 8, 0), NEW_YORK) == date(2026, 3, 10)


def test_local_days_last_23_or_25_hours_across_dst() -> None:
    def length(day: date) -> timedelta:
        return day_start(day + timedelta(days=1), NEW_YORK, 4) - day_start(day, NEW_YORK, 4)

    assert length(date(2026, 3, 7)) == timedelta(hours=23)
    assert length(date(2026, 3, 8)) == timedelta(hours=24)
    assert length(date(2026, 10, 31)) == timedelta(hours=25)


@pytest.mark.parametrize(
    ("tz", "day", "hour", "expected"),
    [
        # 02:00 does not exist in New York on 2026-03-08: the day begins at the jump.
        (NEW_YORK, date(2026, 3, 8), 2, utc(2026, 3, 8, 7)),
        # 01:00 happens twice on 2026-11-01: the day begins at the first one (EDT).
        (NEW_YORK, date(2026, 11, 1), 1, utc(2026, 11, 1, 5)),
        (BERLIN, date(2026, 3, 29), 2, utc(2026, 3, 29, 1)),
        (BERLIN, date(2026, 10, 25), 2, utc(2026, 10, 25, 0)),
        # Lord Howe Island moves its clocks by 30 minutes: 02:00 jumps to 02:30.
        (ZoneInfo("Australia/Lord_Howe"), date(2026, 10, 4), 2, utc(2026, 10, 3, 15, 30)),
        # Troll station jumps two hours (01:00 -> 03:00): 02:00 lies inside the gap.
        (ZoneInfo("Antarctica/Troll"), date(2026, 3, 29), 2, utc(2026, 3, 29, 1)),
    ],
)
def test_nonexistent_and_ambiguous_rollover_times(
    tz: ZoneInfo, day: date, hour: int, expected: datetime
) -> None:
    assert day_start(day, tz, hour) == expected
    assert local_day(expected, tz, hour) == day
    assert local_day(expected - timedelta(seconds=1), tz, hour) == day - timedelta(days=1)


ZONES = st.sampled_from(
    [
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "America/Santiago",
        "America/Havana",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "Antarctica/Troll",
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(moment=INSTANTS, zone=ZONES, hour=st.integers(0, 23))
def test_every_instant_lies_within_its_local_day(moment: datetime, zone: str, hour: int) -> None:
    tz = ZoneInfo(zone)
    day = local_day(moment, tz, hour)
    start, end = day_start(day, tz, hour), day_start(day + timedelta(days=1), tz, hour)
    assert start.tzinfo is UTC
    assert start <= moment < end


@given(
    moment=INSTANTS,
    zone=ZONES,
    box=st.integers(1, 5),
    correct=st.booleans(),
    on_wrong=st.sampled_from(["reset", "down"]),
)
def test_review_schedules_whole_local_days_ahead(
    moment: datetime, zone: str, box: int, correct: bool, on_wrong: str
) -> None:
    tz = ZoneInfo(zone)
    scheduler = LeitnerScheduler(LeitnerConfig(on_wrong=on_wrong))  # type: ignore[arg-type]
    state, log = scheduler.review(ItemState("card", box=box), correct, moment, tz)
    assert 1 <= state.box <= 5
    assert state.box == (min(box + 1, 5) if correct else 1 if on_wrong == "reset" else box - 1 or 1)
    assert state.due is not None and state.due > moment
    days_ahead = scheduler.local_day(state.due, tz) - scheduler.local_day(moment, tz)
    assert days_ahead == timedelta(days=(1, 2, 4, 8, 16)[state.box - 1])
    assert state.due == scheduler.day_start(scheduler.local_day(state.due, tz), tz)
    assert log.due_after == state.due and log.reviewed_at == moment


# ---- configuration, counters, purity ----------------------------------------------------


def test_review_never_mutates_its_input_and_counts() -> None:
    scheduler = LeitnerScheduler()
    original = ItemState("card", box=3, due=utc(2026, 1, 1, 4), reviews=5, correct=4, lapses=1)
    snapshot = ItemState.from_dict(original.to_dict())
    wrong, _ = scheduler.review(original, False, utc(2026, 1, 2, 12))
    right, _ = scheduler.review(wrong, True, utc(2026, 1, 3, 12))
    assert original == snapshot
    assert (wrong.reviews, wrong.correct, wrong.lapses) == (6, 4, 2)
    assert (right.reviews, right.correct, right.lapses) == (7, 5, 2)
    assert right.last_review == utc(2026, 1, 3, 12)
    with pytest.raises(FrozenInstanceError):
        original.box = 2  # type: ignore[misc]


def test_configurable_intervals_and_on_wrong_down() -> None:
    scheduler = LeitnerScheduler(LeitnerConfig(intervals=(1, 3, 7), on_wrong="down"))
    now = utc(2026, 6, 1, 12)  # UTC, rollover 04:00: the day began at 04:00 UTC
    state, _ = scheduler.review(ItemState("card", box=3), False, now)
    assert (state.box, state.due) == (2, utc(2026, 6, 4, 4))
    state, _ = scheduler.review(state, False, now)
    assert (state.box, state.due) == (1, utc(2026, 6, 2, 4))
    state, _ = scheduler.review(state, False, now)
    assert state.box == 1
    state, _ = scheduler.review(ItemState("card", box=9), True, now)  # from a bigger config
    assert (state.box, state.due) == (3, utc(2026, 6, 8, 4))


def test_rollover_hour_is_configurable() -> None:
    scheduler = LeitnerScheduler(LeitnerConfig(rollover_hour=0))
    state, _ = scheduler.review(ItemState("card"), False, utc(2026, 6, 1, 3), BERLIN)  # 05:00
    assert state.due == utc(2026, 6, 1, 22)  # midnight CEST


@pytest.mark.parametrize(
    "kwargs",
    [
        {"intervals": ()},
        {"intervals": (1, 0)},
        {"intervals": (1, 2.5)},
        {"on_wrong": "sideways"},
        {"rollover_hour": 24},
        {"new_per_day": -1},
    ],
)
def test_bad_config_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        LeitnerConfig(**kwargs)  # type: ignore[arg-type]


def test_naive_datetimes_are_refused() -> None:
    scheduler = LeitnerScheduler()
    naive = datetime(2026, 1, 1, 12)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduler.review(ItemState("card"), True, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        build_session([], [], now=naive, tz=BERLIN)
    with pytest.raises(ValueError, match="timezone-aware"):
        ItemState.from_dict({"item_id": "card", "box": 1, "due": "2026-01-01T04:00:00"})


def test_item_state_round_trips_through_a_dict() -> None:
    state = ItemState("card", 2, utc(2026, 1, 1, 4), utc(2025, 12, 30, 9, 15), 3, 2, 1)
    assert ItemState.from_dict(state.to_dict()) == state
    assert ItemState.from_dict(ItemState("new").to_dict()) == ItemState("new")


def test_level_is_the_box() -> None:
    assert LeitnerScheduler.level_for(ItemState("card", box=4)) == 4


# ---- sessions ---------------------------------------------------------------------------

NOW = utc(2026, 5, 10, 12)


def test_session_serves_most_overdue_first_then_lower_boxes_then_new_items() -> None:
    states = [
        ItemState("late-box3", box=3, due=NOW - timedelta(days=3)),
        ItemState("late-box1", box=1, due=NOW - timedelta(days=3)),
        ItemState("latest", box=5, due=NOW - timedelta(days=9)),
        ItemState("due-now", box=2, due=NOW),
        ItemState("not-yet", box=1, due=NOW + timedelta(seconds=1)),
    ]
    session = build_session(states, ["fresh-1", "fresh-2"], now=NOW, tz=BERLIN)
    order = [session.next_item_id() for _ in range(session.remaining)]
    assert order == ["latest", "late-box1", "late-box3", "due-now", "fresh-1", "fresh-2"]
    assert session.next_item_id() is None
    assert session.new_item_ids == ("fresh-1", "fresh-2")


def test_new_items_are_capped_per_day_and_skip_known_ones() -> None:
    config = LeitnerConfig(new_per_day=3)
    candidates = ["known", "a", "b", "a", "c", "d"]
    states = [ItemState("known", box=2, due=NOW + timedelta(days=1))]
    fresh = build_session(states, candidates, now=NOW, tz=BERLIN, config=config)
    assert fresh.queue == ["a", "b", "c"]
    later = build_session(states, candidates, now=NOW, tz=BERLIN, config=config, introduced_today=2)
    assert later.queue == ["a"]
    done = build_session(states, candidates, now=NOW, tz=BERLIN, config=config, introduced_today=5)
    assert done.queue == []


def test_a_wrong_item_comes_back_once_at_the_end() -> None:
    session = build_session([], ["a", "b", "c"], now=NOW, tz=BERLIN)
    served = []
    while (item := session.next_item_id()) is not None:
        served.append(item)
        session.record(item, correct=item == "c")  # "a" and "b" are always wrong
    assert served == ["a", "b", "c", "a", "b"]
    assert session.remaining == 0


def test_recording_an_item_that_was_not_served_is_refused() -> None:
    session = build_session([], ["a", "b"], now=NOW, tz=BERLIN)
    with pytest.raises(ValueError, match="not served"):
        session.record("b", correct=False)


def test_an_item_taken_out_of_turn_is_served_once_and_can_come_back() -> None:
    session = build_session([], ["a", "b", "c"], now=NOW, tz=BERLIN)
    session.take("b")  # resumed from an earlier sitting
    session.record("b", correct=False)
    assert [session.next_item_id() for _ in range(4)] == ["a", "c", "b", None]


def test_taking_an_item_outside_the_queue_still_lets_it_be_recorded() -> None:
    session = build_session([], ["a"], now=NOW, tz=BERLIN)
    session.take("z")
    session.record("z", correct=True)
    assert session.queue == ["a"]


def test_an_item_retried_after_undo_comes_next_and_only_once() -> None:
    session = build_session([], ["a", "b", "c"], now=NOW, tz=BERLIN)
    assert session.next_item_id() == "a"
    session.record("a", correct=False)  # re-queued at the end...
    session.retry("a")  # ...then the answer was taken back
    assert [session.next_item_id() for _ in range(3)] == ["a", "b", "c"]
    assert session.next_item_id() is None


def test_a_miss_after_an_undone_miss_still_comes_back_once() -> None:
    session = build_session([], ["a", "b"], now=NOW, tz=BERLIN)
    session.next_item_id()
    session.record("a", correct=False)
    session.retry("a")  # the miss is taken back: it leaves no trace
    assert session.next_item_id() == "a"
    session.record("a", correct=False)  # missed again, for real this time
    assert [session.next_item_id() for _ in range(3)] == ["b", "a", None]


def test_session_round_trips_through_a_dict() -> None:
    session = build_session([], ["a", "b", "c"], now=NOW, tz=BERLIN)
    first = session.next_item_id()
    assert first == "a"
    session.record(first, correct=False)
    restored = ReviewSession.from_dict(session.to_dict())
    assert restored == session
    assert [restored.next_item_id() for _ in range(3)] == ["b", "c", "a"]
    restored.record("a", correct=False)
    assert restored.remaining == 0


@given(
    dues=st.lists(st.tuples(st.integers(-5, 5), st.integers(1, 5)), max_size=8),
    new_count=st.integers(0, 6),
    introduced=st.integers(0, 12),
    answers=st.lists(st.booleans(), min_size=30, max_size=30),  # outlasts any queue (<= 24)
)
def test_session_properties(
    dues: list[tuple[int, int]], new_count: int, introduced: int, answers: list[bool]
) -> None:
    states = [
        ItemState(f"s{i}", box=box, due=NOW + timedelta(hours=offset))
        for i, (offset, box) in enumerate(dues)
    ]
    new_ids = [f"n{i}" for i in range(new_count)]
    config = LeitnerConfig(new_per_day=4)
    session = build_session(
        states, new_ids, now=NOW, tz=NEW_YORK, config=config, introduced_today=introduced
    )
    due = [s for s in states if s.due is not None and s.due <= NOW]
    expected_new = new_ids[: max(0, 4 - introduced)]
    assert session.queue[: len(due)] == [
        s.item_id for s in sorted(due, key=lambda s: (s.due, s.box, s.item_id))
    ]
    assert session.queue[len(due) :] == expected_new
    first_pass = list(session.queue)
    served, wrong = [], set()
    for correct in answers:
        item = session.next_item_id()
        if item is None:
            break
        if not correct and item not in served:
            wrong.add(item)
        served.append(item)
        session.record(item, correct)
    assert served[: len(first_pass)] == first_pass
    assert sorted(served[len(first_pass) :]) == sorted(wrong)
    assert session.remaining == 0


def test_streak_counts_local_days_ending_today_or_yesterday() -> None:
    scheduler = LeitnerScheduler()
    zone = ZoneInfo("America/New_York")
    local = [
        datetime(2026, 3, 6, 9, 0, tzinfo=zone),
        datetime(2026, 3, 7, 23, 0, tzinfo=zone),
        datetime(2026, 3, 9, 3, 30, tzinfo=zone),  # before the 04:00 rollover: still the 8th
    ]
    reviewed = [moment.astimezone(UTC) for moment in local]
    tonight = datetime(2026, 3, 9, 20, 0, tzinfo=zone)
    assert scheduler.streak(reviewed, tonight, zone) == 3  # the 9th has no review yet
    assert scheduler.streak(reviewed, datetime(2026, 3, 10, 12, tzinfo=zone), zone) == 0
    assert scheduler.streak([], tonight, zone) == 0
