"""The bot's settings, read from the environment and an optional ``.env`` file.

Only :meth:`Settings.from_env` reads the environment; everything else receives a
``Settings``, so tests (and the end-to-end double) build one directly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from quizzes.decks import Deck, default_deck, load_deck

DEFAULT_DATABASE_URL = "sqlite:///chainrule.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_VARIABLE_NAME = re.compile(r"(?:DISCORD|CHAINRULE)_[A-Z0-9_]*(?=\s|$)")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message tells the operator what to fix."""


class MissingTokenError(SettingsError):
    pass


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)  # never printed: repr, logs and tracebacks stay clean
    database_url: str = DEFAULT_DATABASE_URL
    dev_guild_id: int | None = None  # commands sync to this guild instantly instead of globally
    log_level: str = "INFO"
    sync_commands_on_start: bool = True
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    reminders_per_second: float = 10.0  # per process; keep the sum of all processes under 50
    deck_path: Path | None = None  # the deck to teach; None: the shipped lesson-4 deck

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: Path | None = Path(".env"),
        *,
        require_token: bool = True,
    ) -> Settings:
        """Settings from ``environ`` (default ``os.environ``), falling back to ``env_file``.

        Variables already set in the environment win over the file, as with
        docker and systemd ``EnvironmentFile`` conventions.
        """
        values = dict(read_env_file(env_file)) if env_file is not None else {}
        values.update(os.environ if environ is None else environ)
        token = values.get("DISCORD_TOKEN", "").strip()
        if require_token and not token:
            raise MissingTokenError("DISCORD_TOKEN is not set")
        shard_count = _optional_int(values, "CHAINRULE_SHARD_COUNT")
        shard_ids = _optional_int_list(values, "CHAINRULE_SHARD_IDS")
        _check_shards(shard_count, shard_ids)
        return cls(
            token=token,
            database_url=values.get("CHAINRULE_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            dev_guild_id=_optional_int(values, "CHAINRULE_DEV_GUILD_ID"),
            log_level=_log_level(values.get("CHAINRULE_LOG_LEVEL", "INFO")),
            sync_commands_on_start=_flag(values, "CHAINRULE_SYNC_COMMANDS", default=True),
            shard_count=shard_count,
            shard_ids=shard_ids,
            reminders_per_second=_positive_float(values, "CHAINRULE_REMINDER_RATE", default=10.0),
            deck_path=_optional_path(values, "CHAINRULE_DECK"),
        )

    def load_deck(self) -> Deck:
        """The deck to teach: ``CHAINRULE_DECK`` or the shipped lesson 4 (DeckError if invalid)."""
        return default_deck() if self.deck_path is None else load_deck(self.deck_path)


def _check_shards(count: int | None, ids: tuple[int, ...] | None) -> None:
    """One shard per process (see docs/deployment.md); refuse what would be silently ignored."""
    if ids is None:
        return
    if count is None:
        raise SettingsError("CHAINRULE_SHARD_IDS needs CHAINRULE_SHARD_COUNT (the total) too")
    if len(ids) != 1:
        raise SettingsError(
            f"CHAINRULE_SHARD_IDS must name exactly one shard per process, not {ids}: "
            "run one chainrule process per shard"
        )
    if not 0 <= ids[0] < count:
        raise SettingsError(f"shard id {ids[0]} is outside 0..{count - 1} (CHAINRULE_SHARD_COUNT)")


def read_env_file(path: Path, *, skip_malformed: bool = False) -> dict[str, str]:
    """``KEY=value`` lines of a dotenv file; a missing file is an empty mapping.

    Supports comments, blank lines, ``export KEY=...`` and single or double quotes;
    no variable expansion (a token must be taken literally).  A malformed line is a
    SettingsError naming it, unless ``skip_malformed`` (``chainrule doctor`` reports
    that line once and still checks the good ones).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match is None:
            if skip_malformed:
                continue
            raise SettingsError(f"{path}:{number}: expected KEY=value{_missing_equals(line)}")
        values[match["key"]] = _unquote(match["value"].strip())
    return values


def _missing_equals(line: str) -> str:
    """``(no '=' after NAME)`` when the line starts with a variable's name; never echoes
    anything else from the line, which may hold a token."""
    match = _VARIABLE_NAME.match(line.strip())
    return f" (no '=' after {match[0]})" if match else ""


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    # an unquoted value may carry a trailing comment: KEY=value  # note
    return re.split(r"\s+#", value, maxsplit=1)[0]


def _optional_int(values: Mapping[str, str], name: str) -> int | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _optional_int_list(values: Mapping[str, str], name: str) -> tuple[int, ...] | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"{name} must be comma-separated whole numbers, not {raw!r}") from None


def _optional_path(values: Mapping[str, str], name: str) -> Path | None:
    raw = values.get(name, "").strip()
    return Path(raw).expanduser() if raw else None


def _positive_float(values: Mapping[str, str], name: str, *, default: float) -> float:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        number = float(raw)
    except ValueError:
        number = 0.0
    if not number > 0 or number == float("inf"):
        raise SettingsError(f"{name} must be a positive number, not {raw!r}")
    return number


def _flag(values: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = values.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _log_level(raw: str) -> str:
    level = raw.strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(f"CHAINRULE_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return level
