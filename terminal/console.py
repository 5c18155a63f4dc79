"""``chainrule try``: open the database, name the learner, run the loop on stdin/stdout.

Exit codes follow ``chainrule run``: 0 after the session (q, end of input and
Ctrl-C included), 1 when the database cannot be reached or the output was
closed (``chainrule try | head``), 2 for a bad setting
(a malformed database URL, an unknown ``--practice`` family or ``--timezone`` zone).
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from quizzes.decks import Deck
from quizzes.problems import FAMILIES, get_family
from quizzes.problems.base import UnknownFamilyError
from quizzes.storage.db import Database
from quizzes.study import StudyService
from quizzes.timezones import UnknownTimezone, parse_zone
from terminal.session import TerminalStudy

EXIT_OK = 0
EXIT_UNREACHABLE = 1
EXIT_CONFIG = 2
EXIT_OUTPUT_CLOSED = 1  # as Python's documentation suggests for a closed pipe
LEARNER_ID_BYTES = 6  # ids from -2**48 to -1: far inside a signed 64-bit column
FALLBACK_USER = "learner"


def terminal_learner_id(name: str) -> int:
    """A stable negative learner id for a terminal user name.

    Discord user ids are positive snowflakes, so a negative id never belongs to a
    Discord learner; the same name always maps to the same learner.
    """
    digest = hashlib.sha256(f"chainrule-terminal:{name}".encode()).digest()
    return -(int.from_bytes(digest[:LEARNER_ID_BYTES], "big") + 1)


def default_user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return FALLBACK_USER


class StdinReader:
    """``input`` for the loop: Ctrl-C interrupts a wait for a line at once, but during
    database work it only takes effect at the next prompt, so an answer being
    recorded is never cut off half-way."""

    def __init__(self) -> None:
        self.interrupted = False
        self._reading = False

    def __call__(self, prompt: str) -> str:
        if self.interrupted:
            raise KeyboardInterrupt
        self._reading = True
        try:
            return input(prompt)
        finally:
            self._reading = False

    def on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self._reading:
            raise KeyboardInterrupt
        self.interrupted = True


def study(
    database_url: str,
    *,
    user: str | None = None,
    practice: str | None = None,
    diagrams: Path | None = None,
    timezone: str | None = None,
    deck: Deck | None = None,
) -> int:
    """Run one terminal session; the exit code.

    ``timezone`` (an IANA name) is stored as the learner's zone before the session;
    without it the zone stored earlier (UTC at first) is used."""
    if timezone is not None:
        try:
            timezone = parse_zone(timezone).key
        except UnknownTimezone as error:
            print(f"chainrule: {error}", file=sys.stderr)
            return EXIT_CONFIG
    if practice is not None:
        try:
            get_family(practice)
        except UnknownFamilyError as error:
            families = ", ".join(sorted(FAMILIES))
            print(f"chainrule: {error}; choose one of: {families}", file=sys.stderr)
            return EXIT_CONFIG
    try:
        database = Database(database_url)
    except (ValueError, SQLAlchemyError) as error:
        print(f"chainrule: cannot use the database URL: {error}", file=sys.stderr)
        return EXIT_CONFIG
    reader = StdinReader()
    previous = signal.signal(signal.SIGINT, reader.on_interrupt)
    try:
        name = user or default_user_name()
        asyncio.run(_study(database, deck, name, timezone, practice, diagrams, reader))
    except SQLAlchemyError as error:
        print(f"chainrule: database error: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except BrokenPipeError:
        # Whoever read the output went away (`chainrule try | head`); every answer
        # was stored as it was given, so there is nothing to save, only to stop quietly.
        silence_stdout()
        return EXIT_OUTPUT_CLOSED
    finally:
        signal.signal(signal.SIGINT, previous)
        database.close()
    return EXIT_OK


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def _study(
    database: Database,
    deck: Deck | None,
    user: str,
    timezone: str | None,
    practice: str | None,
    diagrams: Path | None,
    reader: StdinReader,
) -> None:
    await asyncio.to_thread(database.upgrade_to_head)
    service = StudyService(database, deck=deck)
    user_id = terminal_learner_id(user)
    where = make_url(database.url).render_as_string(hide_password=True)
    print(f"Studying as {user} (learner {user_id}) with {where}")
    try:
        if timezone is not None:  # stored before the session: its due days follow the zone
            await service.set_timezone(user_id, timezone)
        session = TerminalStudy(
            service, user_id, read=reader, write=print, practice_family=practice, diagrams=diagrams
        )
        await session.run()
    finally:
        await service.close()
