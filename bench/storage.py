"""Storage benchmark: the study service on a SQLite file holding 100,000 learners x 40 items.

Prints the median and p99 of next_item + submit through StudyService, the same
statements issued through raw ``sqlite3`` in the same run and the ratio, the time
of the reminder sweep's count of due items for every learner with its query plan,
and the database size per learner.  Goals: next + submit median <= 2 ms, sweep <= 1 s.

    .venv/bin/python bench/storage.py                    # the full 4M item states
    .venv/bin/python bench/storage.py --learners 5000    # a quick run

Figures on the 2-core development machine (shared, loaded), 100,000 learners:
seeding 125 s; next_item + submit median 0.87 ms, p99 8.9 ms (raw sqlite3 0.16 ms,
ratio 5.3x on the flashcard path; problems incl. grading 1.38 ms); sweep 0.32 s
(raw 0.16 s) on the covering index ix_item_states_user_id_due; 10 KB per learner.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizzes.decks import default_deck  # noqa: E402
from quizzes.leitner import ItemState, LeitnerScheduler  # noqa: E402
from quizzes.storage import queries  # noqa: E402
from quizzes.storage.db import Database  # noqa: E402
from quizzes.storage.models import ItemStateRow  # noqa: E402
from quizzes.study import ServedItem, StudyService  # noqa: E402
from tests.storage.study_helpers import right_answers  # noqa: E402

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
ITEMS_PER_LEARNER = 40
GUILD = 1
SWEEP_SQL = "SELECT user_id, count(*) FROM item_states WHERE due <= ? GROUP BY user_id"


def sqlite_time(moment: datetime) -> str:
    """How SQLAlchemy's SQLite DATETIME stores an (aware UTC -> naive) instant."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def bench_items() -> tuple[str, ...]:
    """40 item ids: every problem family and the first cards."""
    deck = default_deck()
    cards = tuple(card.id for card in deck.cards[: ITEMS_PER_LEARNER - len(deck.families)])
    return cards + deck.families


def _item_state_rows(learners: int, items: tuple[str, ...]) -> Iterator[tuple[object, ...]]:
    rng = random.Random(1)
    first_seen = sqlite_time(NOW - timedelta(days=30))
    for user_id in range(1, learners + 1):
        for item_id in items:
            box = rng.randint(1, 5)
            # about 10% due now (up to 3 days overdue), the rest within the next 16 days
            due = NOW + (
                timedelta(minutes=-rng.randint(1, 3 * 1440))
                if rng.random() < 0.1
                else timedelta(minutes=rng.randint(1, 16 * 1440))
            )
            last = due - timedelta(days=2**box // 2 or 1)
            reviews = rng.randint(box, box + 5)
            yield (user_id, item_id, box, sqlite_time(due), sqlite_time(last), reviews,
                   reviews - 1, 1, first_seen)  # fmt: skip


def seed(path: Path, learners: int) -> float:
    """Fill the schema with raw executemany inside one transaction; seconds taken."""
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    created = sqlite_time(NOW - timedelta(days=30))
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO learners (user_id, timezone, reminders_enabled, reminder_where, "
        "dms_closed, created_at) VALUES (?, 'UTC', 0, 'dm', 0, ?)",
        ((user_id, created) for user_id in range(1, learners + 1)),
    )
    connection.executemany(
        "INSERT INTO guild_enrolments (guild_id, user_id, enrolled_at) VALUES (?, ?, ?)",
        ((GUILD, user_id, created) for user_id in range(1, learners + 1)),
    )
    connection.executemany(
        "INSERT INTO item_states (user_id, item_id, box, due, last_review, reviews, correct, "
        "lapses, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _item_state_rows(learners, bench_items()),
    )
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def _check_seeded_times_read_back(database: Database) -> None:
    with database.read_session() as session:
        row = session.scalars(select(ItemStateRow).limit(1)).one()
    assert row.due is not None and row.due.tzinfo is not None, "seeded times must read back"


# --- through the service ---------------------------------------------------------------


class StatementCounter:
    def __init__(self, database: Database) -> None:
        self.count = 0
        event.listen(database.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


async def bench_service(
    database: Database, learners: int, iterations: int
) -> tuple[dict[str, list[float]], float]:
    """Milliseconds per next_item + submit, by kind of item; statements per pair."""
    clock_now = [NOW]
    service = StudyService(
        database, clock=lambda: clock_now[0], rng=random.Random(2), deck=default_deck()
    )
    counter = StatementCounter(database)
    timings: dict[str, list[float]] = {"card": [], "problem": []}
    rng = random.Random(3)
    for _ in range(iterations):
        user_id = rng.randint(1, learners)
        clock_now[0] += timedelta(milliseconds=10)
        started = time.perf_counter()
        item = await service.next_item(user_id, guild_id=GUILD)
        if not isinstance(item, ServedItem):
            continue
        answers = {"recall": "knew"} if item.problem is None else right_answers(item.problem)
        await service.submit(user_id, item.attempt_id, answers)
        timings[item.kind].append((time.perf_counter() - started) * 1000)
    await service.close()
    pairs = len(timings["card"]) + len(timings["problem"])
    return timings, counter.count / max(pairs, 1)


# --- the same statements through raw sqlite3 -------------------------------------------


RAW_NEXT = (
    "INSERT INTO learners (user_id, created_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING",
    "INSERT INTO guild_enrolments (guild_id, user_id, enrolled_at) VALUES (?, ?, ?) "
    "ON CONFLICT (guild_id, user_id) DO NOTHING",
    "SELECT timezone FROM learners WHERE user_id = ?",
    "SELECT item_id, box, due, last_review, reviews, correct, lapses, first_seen "
    "FROM item_states WHERE user_id = ?",
    "INSERT INTO attempts (user_id, guild_id, item_id, kind, level, served_at, answered, "
    "practice) VALUES (?, ?, ?, 'card', ?, ?, 0, 0)",
)
RAW_SUBMIT = (
    "SELECT id, user_id, item_id, kind, served_at, answered FROM attempts WHERE id = ?",
    "UPDATE attempts SET answered = 1 WHERE id = ? AND answered = 0",
    "INSERT INTO item_states (user_id, item_id, box, first_seen) VALUES (?, ?, 1, ?) "
    "ON CONFLICT (user_id, item_id) DO NOTHING",
    "SELECT box, due, last_review, reviews, correct, lapses, first_seen FROM item_states "
    "WHERE user_id = ? AND item_id = ?",
    "SELECT timezone FROM learners WHERE user_id = ?",
    "UPDATE item_states SET box = ?, due = ?, last_review = ?, reviews = ?, correct = ?, "
    "lapses = ? WHERE user_id = ? AND item_id = ?",
    "INSERT INTO reviews (user_id, guild_id, item_id, attempt_id, correct, codes, answer_text, "
    "box_before, box_after, due_after, reviewed_at, undone, practice) "
    "VALUES (?, ?, ?, ?, 1, '[]', '{\"recall\": \"knew\"}', ?, ?, ?, ?, 0, 0)",
)


def _raw_next(connection: sqlite3.Connection, user_id: int, now: str) -> tuple[int, str, int]:
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(RAW_NEXT[0], (user_id, now))
    connection.execute(RAW_NEXT[1], (GUILD, user_id, now))
    connection.execute(RAW_NEXT[2], (user_id,)).fetchone()
    states = connection.execute(RAW_NEXT[3], (user_id,)).fetchall()
    item_id, box = min(states, key=lambda row: (row[2], row[1], row[0]))[:2]
    cursor = connection.execute(RAW_NEXT[4], (user_id, GUILD, item_id, box, now))
    connection.execute("COMMIT")
    return int(cursor.lastrowid or 0), str(item_id), int(box)


def _raw_submit(
    connection: sqlite3.Connection, scheduler: LeitnerScheduler, attempt_id: int, now: datetime
) -> None:
    stamp = sqlite_time(now)
    connection.execute("BEGIN IMMEDIATE")
    _, user_id, item_id, *_ = connection.execute(RAW_SUBMIT[0], (attempt_id,)).fetchone()
    connection.execute(RAW_SUBMIT[1], (attempt_id,))
    connection.execute(RAW_SUBMIT[2], (user_id, item_id, stamp))
    box, due, _, reviews, correct, lapses, _ = connection.execute(
        RAW_SUBMIT[3], (user_id, item_id)
    ).fetchone()
    connection.execute(RAW_SUBMIT[4], (user_id,)).fetchone()
    before = ItemState(item_id, box, None, None, reviews, correct, lapses)
    after, log = scheduler.review(before, True, now)
    due_after = sqlite_time(log.due_after)
    connection.execute(
        RAW_SUBMIT[5],
        (after.box, due_after, stamp, after.reviews, after.correct, after.lapses, user_id, item_id),
    )
    connection.execute(
        RAW_SUBMIT[6],
        (user_id, GUILD, item_id, attempt_id, log.box_before, log.box_after, due_after, stamp),
    )
    connection.execute("COMMIT")


def bench_raw(path: Path, learners: int, iterations: int) -> list[float]:
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        connection.execute(f"PRAGMA {pragma}")
    scheduler, rng, now = LeitnerScheduler(), random.Random(4), NOW
    timings = []
    for _ in range(iterations):
        user_id = rng.randint(1, learners)
        now += timedelta(milliseconds=10)
        started = time.perf_counter()
        attempt_id, _, _ = _raw_next(connection, user_id, sqlite_time(now))
        _raw_submit(connection, scheduler, attempt_id, now)
        timings.append((time.perf_counter() - started) * 1000)
    connection.close()
    return timings


# --- the reminder sweep and the size ----------------------------------------------------


def bench_sweep(database: Database, path: Path) -> tuple[float, float, int, list[str]]:
    """Seconds for the sweep's count through the repository and raw; learners due; plan."""
    started = time.perf_counter()
    with database.read_session() as session:
        due = queries.count_due_by_learner(session, NOW)
    through_repository = time.perf_counter() - started
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    connection.execute(SWEEP_SQL, (sqlite_time(NOW),)).fetchall()
    raw = time.perf_counter() - started
    plan = [row[-1] for row in connection.execute("EXPLAIN QUERY PLAN " + SWEEP_SQL, ("",))]
    connection.close()
    return through_repository, raw, len(due), plan


def file_size(path: Path) -> int:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def describe(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:<34} (none)"
    return (
        f"  {label:<34} n={len(values):>5}  median {statistics.median(values):6.3f} ms"
        f"  p99 {percentile(values, 0.99):6.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=2_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        run(Path(directory) / "bench.db", args.learners, args.iterations)


def run(path: Path, learners: int, iterations: int) -> None:
    database = Database(f"sqlite:///{path}")
    database.upgrade_to_head()
    seconds = seed(path, learners)
    print(f"seeded {learners:,} learners x {ITEMS_PER_LEARNER} items "
          f"({learners * ITEMS_PER_LEARNER:,} item states) in {seconds:.1f} s")  # fmt: skip
    _check_seeded_times_read_back(database)

    timings, statements = asyncio.run(bench_service(database, learners, iterations))
    both = timings["card"] + timings["problem"]
    raw = bench_raw(path, learners, iterations)
    print(f"next_item + submit (statements per pair: service {statements:.1f} incl. BEGIN, "
          f"commits not counted; raw {len(RAW_NEXT) + len(RAW_SUBMIT) + 4} incl. "
          "BEGIN and COMMIT):")  # fmt: skip
    print(describe("service, all items", both))
    print(describe("service, flashcards", timings["card"]))
    print(describe("service, problems (incl. grading)", timings["problem"]))
    print(describe("raw sqlite3 (flashcard path)", raw))
    ratio = statistics.median(timings["card"]) / statistics.median(raw)
    print(f"  ratio service/raw (flashcards, median): {ratio:.1f}x   goal: median <= 2 ms")

    through_repository, raw_sweep, due_learners, plan = bench_sweep(database, path)
    uses_index = any("USING" in step and "INDEX" in step for step in plan)
    print(f"reminder sweep (due items of every learner, {due_learners:,} learners with items due):")
    print(f"  through queries.count_due_by_learner {through_repository:.3f} s, "
          f"raw sqlite3 {raw_sweep:.3f} s   goal: <= 1 s")  # fmt: skip
    print(f"  plan uses an index: {uses_index}  ({' | '.join(plan)})")
    database.close()
    size = file_size(path)
    print(f"database size: {size / 2**20:.1f} MiB, {size / learners:,.0f} bytes per learner")


if __name__ == "__main__":
    main()
