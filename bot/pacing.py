"""A burst of interactions starts a few at a time, so the event loop never stalls on one.

When a class types /review together, Discord delivers the interactions in a handful of
gateway frames; discord.py reads the queued frames without yielding and starts a task per
interaction, and asyncio runs every ready task in the same turn of its loop.  200 handlers
each doing a millisecond of work before their first request is a 200 ms turn in which no
timer fires and no reply is read (bench/bot_load.py, the start of a run).  Each handler
therefore waits for its turn first: at most :data:`PER_TURN` begin in one turn of the loop,
the rest in the following turns, in the order they came.  A lone interaction waits for
nothing.
"""

from __future__ import annotations

import asyncio
from collections import deque

PER_TURN = 8  # handlers that may begin in one turn of the event loop


class Pacer:
    """Admits at most ``per_turn`` callers of :meth:`wait_turn` per turn of the event loop."""

    def __init__(self, per_turn: int = PER_TURN) -> None:
        if per_turn < 1:
            raise ValueError(f"per_turn must be at least 1, not {per_turn}")
        self.per_turn = per_turn
        self._begun = 0  # callers admitted in this turn
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._turn_ends: asyncio.Handle | None = None

    @property
    def waiting(self) -> int:
        return sum(1 for future in self._waiting if not future.done())

    async def wait_turn(self) -> None:
        """Return at once if this turn has room and nobody is queued; else queue (FIFO)."""
        loop = asyncio.get_running_loop()
        self._schedule_turn_end(loop)
        if self._begun < self.per_turn and not self._waiting:
            self._begun += 1
            return
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.append(future)
        await future

    def _schedule_turn_end(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._turn_ends is None:
            self._turn_ends = loop.call_soon(self._next_turn, loop)

    def _next_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        """Runs at the start of the next turn: wake the next few, who run in the turn after."""
        self._turn_ends = None
        self._begun = 0
        while self._waiting and self._begun < self.per_turn:
            future = self._waiting.popleft()
            if not future.done():  # a caller cancelled while queued gives up its place
                future.set_result(None)
                self._begun += 1
        if self._waiting or self._begun:
            self._schedule_turn_end(loop)
