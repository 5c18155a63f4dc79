"""Load the real bot through the Discord API double: many learners answering at once.

Run with ``.venv/bin/python bench/bot_load.py`` (``--learners 20`` for a short run).
Figures only: nothing here asserts a time, since timings depend on the machine.

Each learner runs one /review as fast as the replies come: reveal and grade a
flashcard, answer two problems through the form, stop — ten interactions and
three reviews each. The double runs on its own thread and event loop, as Discord
is another machine, so the event-loop lag printed is the bot's alone.

Printed: interactions per second, p50/p99 from the gateway dispatch to the
interaction's callback (Discord allows 3 s) and to the finished reply, and the
largest event-loop lag. Then checked: every interaction got exactly one
callback, and the database holds exactly the expected reviews.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizzes.storage.db import Database  # noqa: E402
from tests.e2e.chainrule import (  # noqa: E402
    SteppingClock,
    make_bot,
    make_service,
    showing,
    study_deck,
)
from tests.e2e.driver import DiscordDouble  # noqa: E402
from tests.e2e.harness import ErrorLogGuard, discord_pointed_at, running  # noqa: E402
from tests.e2e.payloads import (  # noqa: E402
    JSON,
    FakeUser,
    text_inputs,  # noqa: E402
)
from tests.e2e.records import InteractionRecord  # noqa: E402

T = TypeVar("T")
REVIEWS_PER_LEARNER = 3  # the flashcard and two problems
STEP_TIMEOUT = 120.0  # seconds a learner waits for one reply before the run fails
DISCORD_LIMIT = 3.0  # seconds Discord waits for an interaction's callback
CLICK_ATTEMPTS = 3
LAG_PROBE_INTERVAL = 0.01
# A learner acts this long after the bot's reply left Discord: about a fast human. With
# less, a click can reach the bot before discord.py has stored the reply's view (it does
# so only after parsing the HTTP answer, which event-loop lag delays) and go unanswered.
REACTION_TIME = 0.25


class DoubleThread:
    """The Discord double on its own thread and event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="discord-double")

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self.submit(coroutine))

    def start(self, reaction_time: float) -> DiscordDouble:
        self._thread.start()

        async def started() -> DiscordDouble:
            double = DiscordDouble(reaction_time=reaction_time)
            await double.start()
            return double

        return self.submit(started()).result()

    def stop(self, double: DiscordDouble) -> None:
        self.submit(double.stop()).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class Learner:
    """A learner clicking through one /review as fast as the bot answers.

    Like a person, a learner whose click got no answer within Discord's 3 s (Discord
    shows "This interaction failed") clicks again; the run counts those clicks.
    """

    def __init__(self, double: DiscordDouble, user: FakeUser) -> None:
        self.double = double
        self.user = user
        self.unanswered: list[InteractionRecord] = []

    async def step(
        self, act: Callable[[], Awaitable[InteractionRecord]], done: Callable[[JSON], bool]
    ) -> tuple[InteractionRecord, JSON | None]:
        for _attempt in range(CLICK_ATTEMPTS):
            record = await act()
            try:
                await self.double.wait_until(lambda r=record: r.callbacks, timeout=DISCORD_LIMIT)
            except AssertionError:
                if record.callbacks or self.double.errors:
                    raise
                self.unanswered.append(record)
                continue
            if record.modal is not None:
                return record, None
            reply = await self.double.wait_for_reply(record, done, timeout=STEP_TIMEOUT)
            return record, reply
        raise AssertionError(f"{self.user.username}: {CLICK_ATTEMPTS} clicks went unanswered")

    async def click(self, message: JSON, label: str, *then: str) -> JSON:
        _, reply = await self.step(
            lambda: self.double.click(self.user, message, label=label), showing(*then)
        )
        assert reply is not None
        return reply

    async def review(self) -> None:
        double, user = self.double, self.user
        _, message = await self.step(lambda: double.slash(user, "review"), showing("Show answer"))
        assert message is not None
        message = await self.click(message, "Show answer", "Knew it")
        message = await self.click(message, "Knew it", "Next")
        for _problem in range(2):
            message = await self.click(message, "Next", "Answer")
            opened, _ = await self.step(
                lambda m=message: double.click(user, m, label="Answer"), showing()
            )
            assert opened.modal is not None
            answers = {field["custom_id"]: "1" for field in text_inputs(opened.modal)}
            _, message = await self.step(
                lambda o=opened, a=answers: double.submit_modal(user, o, a), showing("Next")
            )
            assert message is not None
        await self.click(message, "Stop")


async def timed_with_lag_probe(work: Awaitable[None], lags: list[float]) -> float:
    """Seconds ``work`` took, sampling the event loop's lag meanwhile into ``lags``."""
    stop = asyncio.Event()
    probe = asyncio.create_task(measure_lag(stop, lags))
    started = time.perf_counter()
    try:
        await work
    finally:
        stop.set()
        await probe
    return time.perf_counter() - started


async def measure_lag(stop: asyncio.Event, lags: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(LAG_PROBE_INTERVAL)
        lags.append(loop.time() - before - LAG_PROBE_INTERVAL)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(double: DiscordDouble, seconds: float, lags: Sequence[float]) -> None:
    records = list(double.interactions.values())
    to_callback = [r.callbacks[0].at - r.dispatched_at for r in records if r.callbacks]
    finished = [r for r in records if r.replied_at is not None]
    to_reply = [_reply_latency(r) for r in finished]
    print(f"interactions          {len(records)} in {seconds:.1f} s")
    print(f"throughput            {len(records) / seconds:.1f} interactions/s")
    print(
        f"dispatch -> callback  p50 {percentile(to_callback, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(to_callback, 0.99) * 1000:.0f} ms, max {max(to_callback) * 1000:.0f} ms"
    )
    print(
        f"dispatch -> reply     p50 {percentile(to_reply, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(to_reply, 0.99) * 1000:.0f} ms  ({len(to_reply)} replies)"
    )
    print(
        f"event-loop lag        max {max(lags) * 1000:.0f} ms, "
        f"p99 {percentile(lags, 0.99) * 1000:.0f} ms"
    )
    over = sum(1 for latency in to_callback if latency > 3.0)
    print(f"callbacks over 3 s    {over}")


def _reply_latency(record: InteractionRecord) -> float:
    assert record.replied_at is not None
    return record.replied_at - record.dispatched_at


async def check(double: DiscordDouble, service: Any, learners: Sequence[Learner]) -> list[str]:
    problems = []
    counts = [len(r.callbacks) for r in double.interactions.values()]
    if any(count != 1 for count in counts):
        problems.append(f"{sum(c != 1 for c in counts)} interactions without exactly one callback")
    unanswered = [r for learner in learners for r in learner.unanswered]
    if unanswered:
        ids = sorted({str(r.payload["data"].get("custom_id", "/review")) for r in unanswered})
        problems.append(f"{len(unanswered)} clicks never answered, e.g. {ids[:3]}")
    expected = [study_deck().cards[0].id, *study_deck().families]
    for learner in learners:
        reviews = (await service.export_learner(learner.user.id))["reviews"]
        items = [r["item_id"] for r in sorted(reviews, key=lambda r: r["id"])]
        if items != expected:
            problems.append(f"{learner.user.username}: reviews {items}, expected {expected}")
    return problems


async def run(learner_count: int, database_url: str, diagrams: bool, reaction_time: float) -> int:
    database = Database(database_url)
    database.upgrade_to_head()
    service = make_service(database, SteppingClock())
    double_thread = DoubleThread()
    double = double_thread.start(reaction_time)
    guild = double.add_guild()
    users = [double.add_user(f"learner{n:03d}", guild=guild) for n in range(learner_count)]
    learners = [Learner(double, user) for user in users]
    guard = ErrorLogGuard()
    lags: list[float] = []
    try:
        with guard.installed(), discord_pointed_at(double):
            bot = make_bot(double, guild, service)
            bot.render_diagrams = diagrams
            async with running(bot, double, timeout=60):
                seconds = await timed_with_lag_probe(
                    double_thread.run(all_learners(double, learners)), lags
                )
        report(double, seconds, lags)
        problems = await check(double, service, learners)
    finally:
        double_thread.stop(double)
        await service.close()
    problems += [f"ERROR log: {guard.describe()}"] if guard.describe() else []
    problems += double.errors
    print("checks                " + ("all passed" if not problems else "FAILED"))
    for problem in problems[:20]:
        print(f"  {problem}")
    return 1 if problems else 0


async def all_learners(double: DiscordDouble, learners: Sequence[Learner]) -> None:
    await asyncio.gather(*(learner.review() for learner in learners))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--no-diagrams", action="store_true", help="skip matplotlib rendering")
    parser.add_argument(
        "--reaction-time",
        type=float,
        default=REACTION_TIME,
        help=f"seconds a learner takes to act on a reply (default {REACTION_TIME})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.db'}"
        print(
            f"{args.learners} learners, database {url.split('://')[0]}, "
            f"diagrams {'off' if args.no_diagrams else 'on'}, reaction time {args.reaction_time} s"
        )
        code = asyncio.run(run(args.learners, url, not args.no_diagrams, args.reaction_time))
        sys.exit(code)


if __name__ == "__main__":
    main()
