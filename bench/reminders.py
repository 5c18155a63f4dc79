"""Print how fast the reminder sweep finds due reminders and how well the sender paces them.

Run with ``.venv/bin/python bench/reminders.py`` (``--quick`` for a short run).  Figures
only: nothing asserts a time.  The database is a SQLite file in a temporary directory
unless ``--database-url`` names another (an empty PostgreSQL database, for instance).

(a) 100,000 learners with reminders on, spread over 12 zones and all times of day, most
    with items due: the time ``ReminderService.due_reminders`` takes to find who is due,
    for a steady-state minute and for a backlog of 5,000 (e.g. after a restart).
(b) 5,000 reminders through the Discord API double, whose global limit is set to a known
    rate and which answers 5% of requests 429 and 1% 500 at random: achieved send rate
    over the configured rate, requests per reminder, lost and duplicated reminders.
    Every learner has been reminded before, so their DM channel id is cached (a first
    reminder costs one more request, to open the DM channel).

Goals: sweep <= 1 s, rate ratio >= 0.9, requests per reminder <= 1.05, lost = duplicated = 0.
Requests per reminder is printed twice: all requests, and without the ones the double
failed on purpose.  With 6% of requests failed at random, the first cannot go below
1 / 0.94 = 1.064; the second measures what the sender controls (DM channel cache, pacing).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import discord  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import insert, update  # noqa: E402

from bot.reminders import ReminderSender  # noqa: E402
from quizzes.reminders import ReminderService  # noqa: E402
from quizzes.reminders.rules import next_reminder_after  # noqa: E402
from quizzes.storage.db import Database  # noqa: E402
from quizzes.storage.models import ItemStateRow, Learner  # noqa: E402
from quizzes.timezones import learner_zone  # noqa: E402
from tests.e2e.driver import DiscordDouble  # noqa: E402
from tests.e2e.harness import discord_pointed_at  # noqa: E402
from tests.e2e.interactions_api import json_response  # noqa: E402
from tests.storage.study_helpers import FixedClock  # noqa: E402

ZONES = (
    "UTC", "Europe/London", "Europe/Paris", "Europe/Kyiv", "Asia/Kolkata", "Asia/Shanghai",
    "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "America/New_York",
    "America/Chicago", "America/Los_Angeles",
)  # fmt: skip
START = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
FIRST_USER_ID = 10**17
SENDING_USER_ID = 2 * 10**17  # (b)'s learners, apart from (a)'s in a shared database


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


# ---- (a) finding due reminders ------------------------------------------------------


def populate(database: Database, learners: int, rng: random.Random) -> list[datetime]:
    """Learners with a reminder each; 80% have items due.  Their reminder instants."""
    learner_rows, item_rows, instants = [], [], []
    for number in range(learners):
        zone_name = rng.choice(ZONES)
        hour, minute = rng.randrange(24), rng.randrange(60)
        at = wall_time(hour, minute)
        next_at = next_reminder_after(START, at, learner_zone(zone_name))
        instants.append(next_at)
        user_id = FIRST_USER_ID + number
        learner_rows.append(
            {"user_id": user_id, "timezone": zone_name, "reminders_enabled": True,
             "reminder_time": f"{hour:02d}:{minute:02d}", "reminder_where": "dm",
             "dm_channel_id": user_id + 1, "dms_closed": False, "created_at": START,
             "next_reminder_at": next_at}
        )  # fmt: skip
        due = START - timedelta(days=1) if rng.random() < 0.8 else START + timedelta(days=9)
        for item in range(3):
            item_rows.append(
                {"user_id": user_id, "item_id": f"card-{item}", "box": 1, "due": due,
                 "reviews": 1, "correct": 0, "lapses": 1, "first_seen": START - timedelta(9)}
            )  # fmt: skip
    with database.transaction() as session:
        for chunk in range(0, len(learner_rows), 10_000):
            session.execute(insert(Learner), learner_rows[chunk : chunk + 10_000])
        for chunk in range(0, len(item_rows), 10_000):
            session.execute(insert(ItemStateRow), item_rows[chunk : chunk + 10_000])
    return sorted(instants)


async def time_sweep(
    service: ReminderService, clock: FixedClock, now: datetime
) -> tuple[int, float]:
    clock.now = now
    watch = Stopwatch()
    due = await service.due_reminders()
    return len(due), watch.seconds


async def bench_finding(url: str, learners: int, backlog: int) -> None:
    database = Database(url)
    database.upgrade_to_head()
    watch = Stopwatch()
    instants = populate(database, learners, random.Random(5))
    rows = f"{learners:,} learners, {3 * learners:,} item states"
    print(f"(a) {rows}: set up in {watch.seconds:.1f} s")
    clock = FixedClock(START)
    service = ReminderService(database, clock=clock)
    await time_sweep(service, clock, START)  # the minute before: connections and caches warm
    count, seconds = await time_sweep(service, clock, START + timedelta(minutes=1))
    print(f"    a steady-state minute: {count:,} due, found in {seconds * 1000:.1f} ms")
    later = instants[backlog - 1]
    count, seconds = await time_sweep(service, clock, later)
    verdict = "ok" if seconds <= 1.0 else "MISSED"
    print(f"    a backlog of {backlog:,} (bot down {later - START}): {count:,} with items due, "
          f"found in {seconds:.3f} s   [goal <= 1 s: {verdict}]")  # fmt: skip
    database.close()


# ---- (b) sending through the double ----------------------------------------------------


class LimitedDouble(DiscordDouble):
    """The double with Discord's global rate limit and random server trouble."""

    def __init__(self, limit: float, rng: random.Random, p429: float, p500: float) -> None:
        super().__init__()
        self.limit = limit
        self.rng = rng
        self.p429, self.p500 = p429, p500
        self.tokens, self.refilled = limit, time.perf_counter()
        self.injected: Counter[int] = Counter()
        self.over_limit = 0

    def _take_token(self) -> float:
        """0 if the request is within the global limit, else the seconds to wait."""
        now = time.perf_counter()
        self.tokens = min(self.limit, self.tokens + (now - self.refilled) * self.limit)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.limit

    async def _answer(self, request: web.Request, path: str, *rest: Any) -> web.Response:
        if path.startswith("/channels/") or path == "/users/@me/channels":
            wait = self._take_token()
            if wait:
                self.over_limit += 1
                payload = {"message": "You are being rate limited.", "retry_after": wait,
                           "global": True}  # fmt: skip
                return json_response(payload, status=429, headers={"Via": "1.1 google"})
            draw = self.rng.random()
            if draw < self.p429:
                self.injected[429] += 1
                payload = {"message": "You are being rate limited.", "retry_after": 0.1,
                           "global": False}  # fmt: skip
                return json_response(payload, status=429, headers={"Via": "1.1 google"})
            if draw < self.p429 + self.p500:
                self.injected[500] += 1
                return json_response({"message": "500: Internal Server Error", "code": 0}, 500)
        return await super()._answer(request, path, *rest)


def due_learners(database: Database, count: int, now: datetime) -> list[int]:
    """``count`` learners due a reminder at ``now``, the only ones (``(a)``'s are turned off)."""
    with database.transaction() as session:
        session.execute(update(Learner).values(reminders_enabled=False, next_reminder_at=None))
    user_ids = [SENDING_USER_ID + number for number in range(count)]
    rows: list[dict[str, Any]] = []
    for user_id in user_ids:
        rows.append(
            {"user_id": user_id, "timezone": "UTC", "reminders_enabled": True,
             "reminder_time": "09:00", "reminder_where": "dm", "dm_channel_id": user_id + 1,
             "dms_closed": False, "created_at": now, "next_reminder_at": now}
        )  # fmt: skip
    items = [{"user_id": user_id, "item_id": "card-0", "box": 1, "due": now,
              "first_seen": now} for user_id in user_ids]  # fmt: skip
    with database.transaction() as session:
        session.execute(insert(Learner), rows)
        session.execute(insert(ItemStateRow), items)
    return user_ids


async def bench_sending(url: str, reminders: int, limit: float, rate: float) -> None:
    database = Database(url)
    database.upgrade_to_head()
    now = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    user_ids = due_learners(database, reminders, now)
    double = LimitedDouble(limit, random.Random(7), p429=0.05, p500=0.01)
    for user_id in user_ids:
        double.dm_channels[user_id] = user_id + 1  # opened on an earlier day, cached
    await double.start()
    client = discord.Client(intents=discord.Intents.none())
    try:
        with discord_pointed_at(double):
            await client.login(double.token)
            service = ReminderService(database, clock=lambda: now)
            sender = ReminderSender(client, service, rate=rate)
            before = len(double.requests)
            watch = Stopwatch()
            outcomes = await sender.sweep()
            elapsed = watch.seconds
        report_sending(double, double.requests[before:], user_ids, outcomes, elapsed, rate)
    finally:
        await client.close()
        await double.stop()
        database.close()


def report_sending(
    double: LimitedDouble,
    requests: Sequence[Any],
    user_ids: Sequence[int],
    outcomes: Counter[str],
    elapsed: float,
    rate: float,
) -> None:
    channel_to_user = {user_id + 1: user_id for user_id in user_ids}
    delivered = Counter(channel_to_user.get(int(m["channel_id"])) for m in double.messages.values())
    delivered.pop(None, None)
    lost = sum(1 for user_id in user_ids if user_id not in delivered)
    duplicated = sum(count - 1 for count in delivered.values())
    sent = sum(delivered.values())
    injected = sum(double.injected.values())
    ratio = sent / elapsed / rate
    per_reminder = len(requests) / max(sent, 1)
    own = (len(requests) - injected) / max(sent, 1)
    faults = f"{double.injected[429]} x 429, {double.injected[500]} x 500"
    print(f"(b) {len(user_ids):,} reminders; double limit {double.limit:g}/s, sender rate "
          f"{rate:g}/s; injected {faults}")  # fmt: skip
    shown = {str(outcome): count for outcome, count in outcomes.items()}
    print(f"    outcomes: {shown}; over the global limit: {double.over_limit}")
    print(f"    achieved {sent / elapsed:.1f}/s over {elapsed:.1f} s: rate ratio {ratio:.3f}"
          f"   [goal >= 0.9: {'ok' if ratio >= 0.9 else 'MISSED'}]")  # fmt: skip
    print(f"    requests per reminder: {per_reminder:.3f} all, {own:.3f} without injected faults"
          f"   [goal <= 1.05: {'ok' if own <= 1.05 else 'MISSED'}]")  # fmt: skip
    verdict = "ok" if lost == duplicated == 0 else "MISSED"
    print(f"    lost {lost}, duplicated {duplicated}   [goal 0 and 0: {verdict}]")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x fewer learners and reminders")
    parser.add_argument("--database-url", help="an empty database (default: SQLite in /tmp)")
    parser.add_argument("--limit", type=float, default=100.0, help="the double's global limit/s")
    parser.add_argument("--rate", type=float, default=90.0, help="the sender's rate/s")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'reminders.db'}"
        asyncio.run(bench_finding(url, 100_000 // scale, 5_000 // scale))
        asyncio.run(bench_sending(url, 5_000 // scale, args.limit, args.rate))


if __name__ == "__main__":
    main()
