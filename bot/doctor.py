"""``chainrule doctor``: check the configuration without starting the bot or calling Discord.

Each check is a small function in ``CHECKS`` (most fundamental first) that
returns a :class:`CheckResult`; ``doctor`` prints one ``✓``/``✗`` line per check,
a ``fix:`` line under each problem, and a last line counting the problems.
Exit code 0 when every check passes, 1 otherwise.

Nothing here writes: a SQLite file that does not exist is not created, and an
existing one is opened read-only.  The token is never printed, not even in part;
only the bot user id its first part encodes.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.deck_check import DeckFileReport, check_deck_file, deck_summary
from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, read_env_file
from bot.token_shape import MalformedToken, token_user_id
from quizzes.decks import DEFAULT_DECK_FILE, shipped_deck_paths
from quizzes.presentation import plural
from quizzes.storage.db import DatabaseDriverMissing, normalise_database_url
from quizzes.storage.schema_revision import SchemaRevision, read_schema_revision

EXIT_HEALTHY = 0
EXIT_PROBLEMS = 1

PROBE_ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe")
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
MAX_DECK_PROBLEMS_SHOWN = 10

DISCORD_SETUP_STEPS = (
    "open https://discord.com/developers/applications, choose your application, then "
    "Bot -> Reset Token, and put it in .env as DISCORD_TOKEN=... "
    '(README, "Discord setup")'
)
UPGRADE_AT_START = "`chainrule run` and `chainrule try` upgrade it at start-up (back it up first)"


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str  # may span lines; the first is the verdict
    fix: str = ""  # what to do about a failed check

    def lines(self) -> list[str]:
        first, *more = self.detail.splitlines() or [""]
        lines = [f"{'✓' if self.ok else '✗'} {self.name}: {first}"]
        lines += [f"    {line}" for line in more]
        if not self.ok and self.fix:
            lines.append(f"    fix: {self.fix}")
        return lines


@dataclass(frozen=True)
class Setup:
    """What the checks look at: the merged configuration values and, if they parse, Settings."""

    values: Mapping[str, str]  # the .env file overlaid with the environment, as Settings reads
    env_file: Path | None
    settings: Settings | None
    settings_error: str | None
    load_zone: Callable[[str], tzinfo]

    @property
    def database_url(self) -> str:
        if self.settings is not None:
            return self.settings.database_url
        return self.values.get("CHAINRULE_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL

    @property
    def deck_path(self) -> Path | None:
        if self.settings is not None:
            return self.settings.deck_path
        raw = self.values.get("CHAINRULE_DECK", "").strip()
        return Path(raw).expanduser() if raw else None


def read_setup(
    environ: Mapping[str, str] | None,
    env_file: Path | None,
    load_zone: Callable[[str], tzinfo],
) -> Setup:
    environ = os.environ if environ is None else environ
    try:
        values = read_env_file(env_file, skip_malformed=True) if env_file is not None else {}
    except (OSError, UnicodeDecodeError):
        values = {}  # the settings check reports why
    values.update(environ)
    try:
        settings = Settings.from_env(environ, env_file, require_token=False)
    except (SettingsError, OSError, UnicodeDecodeError) as error:
        return Setup(values, env_file, None, str(error) or type(error).__name__, load_zone)
    return Setup(values, env_file, settings, None, load_zone)


# --- settings -------------------------------------------------------------------------------


def check_settings(setup: Setup) -> CheckResult:
    if setup.settings_error is not None:
        return CheckResult(
            "settings",
            False,
            setup.settings_error,
            "correct that setting in the environment or .env (the README lists every "
            "setting), or remove it to use its default",
        )
    if setup.env_file is None:
        source = "the environment"
    elif setup.env_file.is_file():
        source = f"the environment and {setup.env_file}"
    else:
        source = f"the environment; there is no {setup.env_file} file"
    return CheckResult("settings", True, f"every setting is valid, read from {source}")


# --- token ----------------------------------------------------------------------------------


def check_token(setup: Setup) -> CheckResult:
    token = setup.values.get("DISCORD_TOKEN", "").strip()  # stripped, as Settings does
    if not token:
        where = "the environment"
        if setup.env_file is not None:
            where += f" or {setup.env_file}"
        return CheckResult(
            "token", False, f"DISCORD_TOKEN is not set in {where}", DISCORD_SETUP_STEPS
        )
    try:
        user_id = token_user_id(token)
    except MalformedToken as problem:
        return CheckResult(
            "token", False, f"DISCORD_TOKEN is malformed: {problem}", DISCORD_SETUP_STEPS
        )
    return CheckResult(
        "token",
        True,
        f"looks well-formed, for bot user {user_id} "
        "(Discord checks it at `chainrule run`; this check stays offline)",
    )


# --- database -------------------------------------------------------------------------------


def check_database(setup: Setup) -> CheckResult:
    try:
        url = make_url(normalise_database_url(setup.database_url))
    except (ValueError, ArgumentError):
        return CheckResult(
            "database",
            False,
            "CHAINRULE_DATABASE_URL is not a database URL",
            "set it to e.g. sqlite:///chainrule.db or postgresql+psycopg://user:password@host/db",
        )
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or ":memory:")
        if str(path) == ":memory:":
            return CheckResult("database", True, "in memory: nothing is kept between runs")
        if not path.exists():
            return _sqlite_file_to_be_created(path.absolute())
        return _revision_check(str(path.absolute()), url)
    return _revision_check(url.render_as_string(hide_password=True), url)


def _sqlite_file_to_be_created(path: Path) -> CheckResult:
    directory = path.parent
    if directory.is_dir() and os.access(directory, os.W_OK | os.X_OK):
        return CheckResult(
            "database",
            True,
            f"{path} does not exist yet — it will be created and migrated at the first "
            "`chainrule run` / `chainrule try`",
        )
    why = "is not writable" if directory.is_dir() else "does not exist"
    return CheckResult(
        "database",
        False,
        f"{path} does not exist, and its directory {why}",
        "create the directory (writable by the bot's user), or point CHAINRULE_DATABASE_URL "
        "at a file in a writable directory",
    )


def _revision_check(shown: str, url: URL) -> CheckResult:
    """Read the schema's revision (changing nothing) and compare it with the newest migration."""
    try:
        revision = read_schema_revision(url, connect_timeout=POSTGRES_CONNECT_TIMEOUT_SECONDS)
    except DatabaseDriverMissing as error:
        return CheckResult(
            "database",
            False,
            f"{shown}: the database driver is not installed ({error.module})",
            str(error),
        )
    except RuntimeError as error:
        return CheckResult("database", False, str(error), "run chainrule from its checkout")
    except SQLAlchemyError as error:
        return CheckResult(
            "database",
            False,
            f"{shown}: cannot read it: {_first_line(error, url)}",
            "start the database server / check the URL, the password and the network "
            "(CHAINRULE_DATABASE_URL), then run chainrule doctor again",
        )
    return _compare_revisions(shown, revision)


def _compare_revisions(shown: str, revision: SchemaRevision) -> CheckResult:
    current, head = revision.current, revision.head
    if revision.at_head:
        return CheckResult("database", True, f"{shown}: at the latest migration ({head})")
    if current is None:
        return CheckResult(
            "database",
            True,
            f"{shown}: reachable and empty — `chainrule run` / `chainrule try` create the "
            "schema at start-up",
        )
    if current in revision.known:
        return CheckResult(
            "database",
            False,
            f"{shown}: at revision {current}, the code expects {head}",
            UPGRADE_AT_START,
        )
    return CheckResult(
        "database",
        False,
        f"{shown}: at revision {current}, which this chainrule does not know "
        "(a newer version migrated it)",
        "upgrade chainrule (git pull, then pip install -e .) before running it on this database",
    )


def _first_line(error: SQLAlchemyError, url: URL) -> str:
    lines = str(error).strip().splitlines()
    line = lines[0] if lines else type(error).__name__
    if url.password:
        line = line.replace(str(url.password), "***")
    return line


# --- time zones -----------------------------------------------------------------------------


def check_timezones(setup: Setup) -> CheckResult:
    missing = []
    for name in PROBE_ZONES:
        try:
            setup.load_zone(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            missing.append(name)
    if not missing:
        return CheckResult("time zones", True, f"the IANA data loads ({', '.join(PROBE_ZONES)})")
    return CheckResult(
        "time zones",
        False,
        f"cannot load {', '.join(missing)}: no IANA time zone data",
        "pip install tzdata (a chainrule dependency: pip install -e .), or install the "
        "operating system's time zone database (e.g. apt install tzdata)",
    )


# --- decks ----------------------------------------------------------------------------------


def check_decks(setup: Setup) -> CheckResult:
    shipped = [check_deck_file(path) for path in shipped_deck_paths()]
    configured = None if setup.deck_path is None else check_deck_file(setup.deck_path)
    broken = [report for report in (*shipped, configured) if report and not report.ok]
    if broken:
        return _broken_decks(broken, configured)
    if configured is not None and configured.deck is not None:
        taught = f"{configured.path} (CHAINRULE_DECK): {deck_summary(configured.deck)}"
    else:
        default = next((r for r in shipped if r.path.name == DEFAULT_DECK_FILE), None)
        if default is None or default.deck is None:
            return CheckResult(
                "decks",
                False,
                f"the shipped deck {DEFAULT_DECK_FILE} is missing",
                "restore quizzes/decks/ from git or reinstall chainrule, or set CHAINRULE_DECK",
            )
        taught = f"{default.path.name}: {deck_summary(default.deck)}"
    count = plural(len(shipped), "shipped deck")
    return CheckResult("decks", True, f"{count} valid; the bot teaches {taught}")


def _broken_decks(broken: list[DeckFileReport], configured: DeckFileReport | None) -> CheckResult:
    lines = [f"{plural(len(broken), 'deck file')} cannot be used:"]
    for report in broken:
        problems = (report.not_a_file,) if report.not_a_file else report.problems
        lines += [f"{report.path}: {problem}" for problem in problems[:MAX_DECK_PROBLEMS_SHOWN]]
        if len(problems) > MAX_DECK_PROBLEMS_SHOWN:
            hidden = len(problems) - MAX_DECK_PROBLEMS_SHOWN
            lines.append(f"{report.path}: … and {hidden} more (chainrule decks validate lists all)")
    fixes = []
    if configured is not None and not configured.ok:
        fixes.append(
            "correct CHAINRULE_DECK's file (docs/decks.md has the schema; "
            "`chainrule decks validate PATH` rechecks it), or unset CHAINRULE_DECK to teach "
            "the shipped lesson 4"
        )
    if any(report is not configured for report in broken):
        fixes.append("a shipped deck is damaged: restore it from git or reinstall chainrule")
    return CheckResult("decks", False, "\n".join(lines), "; ".join(fixes))


# --- the command ----------------------------------------------------------------------------

CHECKS: tuple[Callable[[Setup], CheckResult], ...] = (
    check_settings,
    check_token,
    check_database,
    check_timezones,
    check_decks,
)


def run_checks(setup: Setup) -> list[CheckResult]:
    return [check(setup) for check in CHECKS]


def summary_line(problems: int) -> str:
    if problems == 0:
        return "All checks passed."
    if problems == 1:
        return "1 problem: fix it and run chainrule doctor again."
    return f"{problems} problems: fix them and run chainrule doctor again."


def doctor(
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
    write: Callable[[str], None] = print,
    *,
    load_zone: Callable[[str], tzinfo] = zoneinfo.ZoneInfo,
) -> int:
    """Check everything ``chainrule run`` needs, offline; 0 if all is well, else 1."""
    results = run_checks(read_setup(environ, env_file, load_zone))
    for result in results:
        for line in result.lines():
            write(line)
    problems = sum(not result.ok for result in results)
    write(summary_line(problems))
    return EXIT_HEALTHY if problems == 0 else EXIT_PROBLEMS
