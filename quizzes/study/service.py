"""StudyService: the async face of the study use cases.

Each public method runs one synchronous SQLAlchemy unit of work on the service's
own thread pool, so the event loop is never blocked by a query or by grading.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from quizzes.decks import Deck, default_deck
from quizzes.leitner import LeitnerScheduler, ReviewSession
from quizzes.storage.db import Database
from quizzes.study import answering, learner_settings, reports, serving, tutoring
from quizzes.study.context import StudyContext
from quizzes.study.oldest_first import OldestFirstExecutor
from quizzes.study.results import (
    ClassStats,
    LearnerStats,
    NothingDue,
    Progress,
    Recommendation,
    ServedItem,
    SubmitResult,
    UndoResult,
    WalkReply,
    WalkStep,
)
from quizzes.timezones import utc_now

T = TypeVar("T")
# Worker threads for the database work, by backend.  SQLite has one writer at a time, so
# more threads only add contenders for the GIL, which the event loop needs to answer
# Discord: with 2 rather than 4, bench/bot_load.py's reply p99 was 533-888 ms against
# 757-1162 (five interleaved runs each).  PostgreSQL waits on the network for every
# statement, GIL released, and writes rows in parallel: 4 did better than 2 there (p99
# 872-1185 ms against 1079-1453, four runs each).
DEFAULT_WORKERS = {"sqlite": 2, "postgresql": 4}


class StudyService:
    """Everything a front end calls.

    The front end keeps the ``ReviewSession`` from ``start_session`` and, after
    each submit that was not a replay, calls ``session.record(result.item_id,
    result.correct)`` so a missed item comes back once at the end.
    """

    def __init__(
        self,
        database: Database,
        *,
        deck: Deck | None = None,
        scheduler: LeitnerScheduler | None = None,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        max_workers: int | None = None,
        adaptive: bool = True,
    ) -> None:
        self.database = database
        self.context = StudyContext(
            database=database,
            deck=deck if deck is not None else default_deck(),
            scheduler=scheduler if scheduler is not None else LeitnerScheduler(),
            clock=clock,
            rng=rng if rng is not None else random.Random(),  # noqa: S311 - not secrets
            adaptive=adaptive,
        )
        if max_workers is None:
            max_workers = DEFAULT_WORKERS.get(database.backend, 4)
        self._executor = OldestFirstExecutor(max_workers, thread_name_prefix="study")

    @property
    def deck(self) -> Deck:
        return self.context.deck

    @property
    def scheduler(self) -> LeitnerScheduler:
        return self.context.scheduler

    async def _run(self, use_case: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(use_case, self.context, *args)
        return await loop.run_in_executor(self._executor, call)

    async def start_session(self, user_id: int, *, guild_id: int | None = None) -> ReviewSession:
        """Due items first, then today's new ones; enrols the learner in ``guild_id``."""
        return await self._run(serving.start_session, user_id, guild_id)

    async def start_review(
        self, user_id: int, *, guild_id: int | None = None
    ) -> tuple[ReviewSession, ServedItem | NothingDue]:
        """``start_session`` and the session's first ``next_item``, in one go."""
        return await self._run(serving.start_review, user_id, guild_id)

    async def next_item(
        self,
        user_id: int,
        *,
        guild_id: int | None = None,
        session: ReviewSession | None = None,
        practice_family: str | None = None,
        focus: str | None = None,
    ) -> ServedItem | NothingDue:
        """Store an attempt for the next item and return it, or NothingDue.

        With ``session``, the item comes from its queue; without, the most overdue
        item or a new one.  ``practice_family`` serves a practice problem of that
        family, which moves no Leitner box; with ``focus`` (a mistake code) one on which
        that mistake would show.  A missed problem comes back as a retest of its
        diagnosed mistake.
        """
        return await self._run(
            serving.next_item, user_id, guild_id, session, practice_family, focus
        )

    async def resume(self, user_id: int) -> ServedItem | None:
        """The unanswered item the learner's last review stopped on, or None.

        It keeps its attempt, so submitting it counts once, like any served item.
        """
        return await self._run(serving.resume, user_id)

    async def check_page(
        self, user_id: int, attempt_id: int, page: int, answers: Mapping[str, str]
    ) -> None:
        """Raise AnswerParseError if a page (0-based) of answers is unreadable; records nothing."""
        await self._run(answering.check_page, user_id, attempt_id, page, dict(answers))

    async def submit(
        self,
        user_id: int,
        attempt_id: int,
        answers: Mapping[str, str],
        *,
        seconds_taken: float | None = None,
    ) -> SubmitResult:
        """Grade and record an attempt once; a repeat returns the first result (replayed).

        Cards: ``{"recall": "knew" | "missed"}``; multiple choice: ``{"choice": "B"}``;
        problems: ``{quantity.name: text}``.
        """
        return await self._run(answering.submit, user_id, attempt_id, dict(answers), seconds_taken)

    async def recommend_practice(self, user_id: int) -> Recommendation:
        """The family (and mistake to focus on) that best exercises what the learner needs."""
        return await self._run(tutoring.recommend, user_id)

    async def start_walk(self, user_id: int, attempt_id: int) -> WalkStep:
        """Begin working through a missed problem, gate by gate: the first step.

        Raises NoWalk when no backward answer was wrong, NotYourAttempt for another's.
        """
        return await self._run(tutoring.start_walk, user_id, attempt_id)

    async def walk_answer(self, user_id: int, walk_id: int, text: str) -> WalkReply:
        """Check the walk's current step; AnswerParseError (recording nothing) if unreadable,
        WalkOver once it is finished or skipped."""
        return await self._run(tutoring.walk_answer, user_id, walk_id, text)

    async def skip_walk(self, user_id: int, walk_id: int) -> str:
        """Stop the walk; returns the corrected answer and its rule, in one line."""
        return await self._run(tutoring.skip_walk, user_id, walk_id)

    async def undo_last(self, user_id: int) -> UndoResult:
        return await self._run(answering.undo_last, user_id)

    async def progress(self, user_id: int) -> Progress:
        return await self._run(reports.progress, user_id)

    async def set_timezone(self, user_id: int, zone_name: str) -> str:
        """Make the learner's days (due dates, streak, reminder time) follow an IANA zone.

        ``zone_name`` is matched case-insensitively (``europe/paris``); the canonical
        name stored is returned.  Raises UnknownTimezone, storing nothing, for a name
        that is not a zone.  Reminders stay on or off as they were; if on, the next
        one moves to the reminder time in the new zone.
        """
        return await self._run(learner_settings.set_timezone, user_id, zone_name)

    async def timezone(self, user_id: int) -> str:
        """The learner's zone name ("UTC" until they choose one)."""
        return await self._run(learner_settings.timezone, user_id)

    async def class_stats(self, guild_id: int, since: datetime) -> ClassStats:
        return await self._run(reports.class_stats, guild_id, since)

    async def learner_stats(self, guild_id: int, user_id: int) -> LearnerStats:
        """Raises NotEnrolled for a learner who never studied in that guild."""
        return await self._run(reports.learner_stats, guild_id, user_id)

    async def export_learner(self, user_id: int) -> dict[str, Any]:
        return await self._run(reports.export_learner, user_id)

    async def forget_learner(self, user_id: int) -> bool:
        """Delete everything about the learner; False if there was nothing."""
        return await self._run(reports.forget_learner, user_id)

    async def close(self) -> None:
        """Finish running work, stop the worker threads and close the database's connections."""
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        self.database.close()
