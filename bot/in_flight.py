"""The interactions being handled right now, so the bot can close without cutting them off.

discord.py runs every command, button and form handler in its own task and
keeps no list of them.  Each handler passes through an ``interaction_check``
first (the command tree's, a view's or a form's), inside that very task: there
:meth:`ChainruleBot.admit` hands the task to :class:`InFlightInteractions`.
Closing then waits, for a bounded time, until those tasks are done, before the
HTTP session they reply through is closed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

CANCEL_WAIT_SECONDS = 1.0  # a cancelled handler gets this long to unwind


class InFlightInteractions:
    """Handler tasks, each held from its ``interaction_check`` until it finishes."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closing = False

    def adopt_current_task(self) -> bool:
        """Hold the current task; False if it was held already (or there is none)."""
        task = asyncio.current_task()
        if task is None or task in self._tasks:
            return False
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, grace_seconds: float) -> int:
        """Wait up to ``grace_seconds`` for the handlers (including ones admitted meanwhile)
        to finish, then cancel what is left; returns how many were cancelled."""
        self.closing = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_seconds
        while pending := self._others():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.wait(pending, timeout=remaining)
        abandoned = self._others()
        for task in abandoned:
            task.cancel()
        if abandoned:
            log.warning(
                "closing: %d interaction handlers still running after %.1f s were cancelled",
                len(abandoned),
                grace_seconds,
            )
            await asyncio.wait(abandoned, timeout=CANCEL_WAIT_SECONDS)
        return len(abandoned)

    def _others(self) -> set[asyncio.Task[Any]]:
        """The handlers, minus the task that is closing the bot (a handler may close it)."""
        current = asyncio.current_task()
        return {task for task in self._tasks if task is not current and not task.done()}
