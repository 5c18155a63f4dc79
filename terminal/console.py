"""``chainrule try``: open the database, name the learner, run the loop on stdin/stdout.

Exit codes follow ``chainrule run``: 0 after the session (q, end of input and
Ctrl-C at a prompt included), 1 when the database cannot be reached or the
output was closed (``chainrule try | head``), 2 for a bad setting (a malformed
database URL or a missing driver, an unknown ``--practice`` family or
``--timezone`` zone), 130 for Ctrl-C before the first prompt (while connecting
or migrating).
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from quizzes.decks import Deck
from quizzes.presentation import AUTO_PRACTICE
from quizzes.problems import FAMILIES, get_family
from quizzes.problems.base import UnknownFamilyError
from quizzes.storage.db import Database, DatabaseDriverMissing
from quizzes.study import StudyService
from quizzes.timezones import UnknownTimezone, parse_zone
from terminal import formatting
from terminal.session import TerminalStudy

EXIT_OK = 0
EXIT_UNREACHABLE = 1
EXIT_CONFIG = 2
EXIT_OUTPUT_CLOSED = 1  # as Python's documentation suggests for a closed pipe
EXIT_INTERRUPTED = 130  # the shell's convention for a program stopped by Ctrl-C
LEARNER_ID_BYTES = 6  # ids from -2**48 to -1: far inside a signed 64-bit column
FALLBACK_USER = "learner"


def print_to_width(text: str) -> None:
    """Print, wrapped to the terminal's width as it is now (a resized window is followed;
    in a pipe, COLUMNS or 80)."""
    width = shutil.get_terminal_size(fallback=(80, 24)).columns - 1
    print(formatting.fit_to_width(text, max(width, 40)))


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
        # a terminal echoes what is typed; for piped answers, echo them so the output
        # reads like the session it was (and the next line does not join the prompt)
        self.echo = not sys.stdin.isatty()

    def __call__(self, prompt: str) -> str:
        if self.interrupted:
            raise KeyboardInterrupt
        self._reading = True
        try:
            text = input(prompt)
        finally:
            self._reading = False
        if self.echo:
            print(text)
        return text

    def on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self._reading:
            raise KeyboardInterrupt
        self.interrupted = True


class OptionError(Exception):
    """A bad option or setting; the message says what to fix (exit code 2)."""


@dataclass(frozen=True)
class Sitting:
    """Who studies what, checked: everything a session needs besides the database."""

    user: str
    practice: str | None
    diagrams: Path | None
    timezone: str | None  # canonical IANA name, stored before the session
    deck: Deck | None


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
    try:
        sitting = Sitting(
            user or default_user_name(), known_family(practice), diagrams, zone_key(timezone), deck
        )
        database = open_database(database_url)
    except OptionError as error:
        print(f"chainrule: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return run_sitting(database, sitting)
    finally:
        database.close()


def zone_key(name: str | None) -> str | None:
    try:
        return None if name is None else parse_zone(name).key
    except UnknownTimezone as error:
        raise OptionError(str(error)) from error


def known_family(family: str | None) -> str | None:
    if family == AUTO_PRACTICE:
        return AUTO_PRACTICE
    try:
        return None if family is None else get_family(family).id
    except UnknownFamilyError as error:
        raise OptionError(f"{error}; choose one of: {', '.join(sorted(FAMILIES))}") from error


def open_database(url: str) -> Database:
    try:
        return Database(url)
    except DatabaseDriverMissing as error:
        raise OptionError(str(error)) from error
    except (ValueError, SQLAlchemyError) as error:
        raise OptionError(f"cannot use the database URL: {error}") from error


def run_sitting(database: Database, sitting: Sitting) -> int:
    reader = StdinReader()
    try:
        asyncio.run(_study(database, sitting, reader))
    except KeyboardInterrupt:  # Ctrl-C before the first prompt: connecting or migrating
        print("chainrule: stopped before the session began.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SQLAlchemyError as error:
        print(f"chainrule: database error: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except BrokenPipeError:
        # Whoever read the output went away (`chainrule try | head`); every answer
        # was stored as it was given, so there is nothing to save, only to stop quietly.
        silence_stdout()
        return EXIT_OUTPUT_CLOSED
    return EXIT_OK


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def _study(database: Database, sitting: Sitting, reader: StdinReader) -> None:
    # Until the first prompt, Ctrl-C cancels at once (asyncio's own handler); from
    # then on the reader defers it past any answer being recorded.
    try:
        await asyncio.to_thread(database.upgrade_to_head)
    except asyncio.CancelledError:  # Ctrl-C: say so now; a connection attempt may take
        print("\nchainrule: stopping…", file=sys.stderr)  # its timeout to give up
        raise
    service = StudyService(database, deck=sitting.deck)
    user_id = terminal_learner_id(sitting.user)
    where = make_url(database.url).render_as_string(hide_password=True)
    print(f"Studying as {sitting.user} with {where}")
    previous = signal.signal(signal.SIGINT, reader.on_interrupt)
    try:
        if sitting.timezone is not None:  # stored first: the session's days follow the zone
            await service.set_timezone(user_id, sitting.timezone)
        session = TerminalStudy(
            service,
            user_id,
            read=reader,
            write=print_to_width,
            practice_family=sitting.practice,
            diagrams=sitting.diagrams,
            stop_requested=lambda: reader.interrupted,
        )
        await session.run()
    finally:
        await service.close()  # first: a Ctrl-C now must not count as "before the session"
        signal.signal(signal.SIGINT, previous)
