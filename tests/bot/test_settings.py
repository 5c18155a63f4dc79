"""Settings from the environment and a .env file, and logs that never show the token."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.logs import REDACTED, RedactingFormatter, configure_logging
from bot.settings import (
    DEFAULT_DATABASE_URL,
    MissingTokenError,
    Settings,
    SettingsError,
    read_env_file,
)

TOKEN = "MTAxNTk3.GsXyZq.secret-token-value_0123456789"  # noqa: S105 - a fake token


def test_environment_alone_gives_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN}, tmp_path / "missing.env")
    assert settings.token == TOKEN
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.sync_commands_on_start is True


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# chainrule\n"
        f"export DISCORD_TOKEN='{TOKEN}'\n"
        "\n"
        'CHAINRULE_DATABASE_URL="sqlite:///from-file.db"\n'
        "CHAINRULE_DEV_GUILD_ID=123456789012345678  # the test server\n"
        "CHAINRULE_LOG_LEVEL=debug\n",
        encoding="utf-8",
    )
    settings = Settings.from_env({"CHAINRULE_DATABASE_URL": "sqlite:///from-env.db"}, env_file)
    assert settings.token == TOKEN
    assert settings.database_url == "sqlite:///from-env.db"
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"


def test_quoted_values_are_taken_literally(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('A="x # not a comment"\nB=$HOME\nC=\n', encoding="utf-8")
    assert read_env_file(env_file) == {"A": "x # not a comment", "B": "$HOME", "C": ""}


def test_a_malformed_env_line_names_the_file_and_line(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=abc\nthis is not an assignment\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\.env:2"):
        read_env_file(env_file)


@pytest.mark.parametrize("token", ["", "   "])
def test_a_missing_token_is_refused(tmp_path: Path, token: str) -> None:
    with pytest.raises(MissingTokenError):
        Settings.from_env({"DISCORD_TOKEN": token}, tmp_path / "missing.env")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHAINRULE_DEV_GUILD_ID", "my-server"),
        ("CHAINRULE_LOG_LEVEL", "LOUD"),
        ("CHAINRULE_SYNC_COMMANDS", "maybe"),
        ("CHAINRULE_SHARD_IDS", "0,one"),
    ],
)
def test_malformed_settings_name_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"DISCORD_TOKEN": TOKEN, name: value}, tmp_path / "missing.env")


def test_shards_and_sync_flag(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": TOKEN,
            "CHAINRULE_SHARD_COUNT": "4",
            "CHAINRULE_SHARD_IDS": "2",
            "CHAINRULE_SYNC_COMMANDS": "off",
        },
        None,
    )
    assert (settings.shard_count, settings.shard_ids) == (4, (2,))
    assert settings.sync_commands_on_start is False


@pytest.mark.parametrize(
    ("count", "ids", "complaint"),
    [
        ("4", "2, 3", "exactly one shard"),
        ("", "1", "needs CHAINRULE_SHARD_COUNT"),
        ("2", "2", "0..1"),
    ],
)
def test_shard_settings_that_would_be_ignored_are_refused(
    count: str, ids: str, complaint: str
) -> None:
    environ = {"DISCORD_TOKEN": TOKEN, "CHAINRULE_SHARD_COUNT": count, "CHAINRULE_SHARD_IDS": ids}
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env(environ, None)


def test_repr_never_shows_the_token() -> None:
    assert TOKEN not in repr(Settings(token=TOKEN))


def test_log_lines_and_tracebacks_are_redacted() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging("INFO", secrets=[TOKEN], stream=stream)
    try:
        logger = logging.getLogger("discord.http")
        logger.info("logging in with %s", TOKEN)
        logger.warning(f"token inline {TOKEN}")  # noqa: G004 - a library might do this
        try:
            raise RuntimeError(f"bad header Authorization: Bot {TOKEN}")
        except RuntimeError:
            logger.exception("request failed")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(REDACTED) == 3  # message, inline, exception text
    assert "Traceback" in output  # the traceback itself is kept, only the secret goes


def test_redaction_prefers_the_longest_secret() -> None:
    formatter = RedactingFormatter(["abc", "abcdef", ""])
    assert formatter.redact("x abcdef y abc") == f"x {REDACTED} y {REDACTED}"


def test_the_deck_to_teach_is_the_shipped_one_unless_chainrule_deck_names_a_file(
    tmp_path: Path,
) -> None:
    shipped = Settings.from_env({"DISCORD_TOKEN": TOKEN}, None)
    assert shipped.deck_path is None
    assert shipped.load_deck().id == "lesson-04"
    trial = tmp_path / "trial.toml"
    trial.write_text(
        (Path(__file__).resolve().parents[2] / "quizzes/decks/lesson-04.toml")
        .read_text(encoding="utf-8")
        .replace('id = "lesson-04"', 'id = "lesson-04-copy"', 1),
        encoding="utf-8",
    )
    chosen = Settings.from_env({"DISCORD_TOKEN": TOKEN, "CHAINRULE_DECK": str(trial)}, None)
    assert chosen.deck_path == trial
    assert chosen.load_deck().id == "lesson-04-copy"


INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTA6" + "x1Y2_-" * 8


def test_interaction_tokens_in_discord_py_debug_lines_are_redacted() -> None:
    # the shapes of discord.py 2.7's own DEBUG lines (http.py, webhook/async_.py, gateway.py)
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging("DEBUG", secrets=[TOKEN], stream=stream)
    try:
        logging.getLogger("discord.http").warning(
            "%s %s with %s has returned %s",
            "POST",
            f"https://discord.com/api/v10/interactions/1234567/{INTERACTION_TOKEN}/callback",
            None,
            204,
        )
        logging.getLogger("discord.webhook.async_").debug(
            "Webhook ID %s with %s %s has returned status code %s",
            987,
            "PATCH",
            f"https://discord.com/api/v10/webhooks/987/{INTERACTION_TOKEN}/messages/@original",
            200,
        )
        event = {"t": "INTERACTION_CREATE", "d": {"id": "1", "token": INTERACTION_TOKEN}}
        logging.getLogger("discord.gateway").debug("WebSocket Event: %s", event)
        raw = json.dumps({"token": INTERACTION_TOKEN})
        logging.getLogger("discord.gateway").debug("raw %s", raw)
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    output = stream.getvalue()
    assert INTERACTION_TOKEN not in output
    assert output.count(REDACTED) == 4
    assert "/interactions/1234567/[redacted]/callback" in output  # which request stays readable


def test_alembic_says_nothing_at_the_default_level() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    alembic_level = logging.getLogger("alembic").level
    configure_logging("INFO", stream=stream)
    try:
        logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
        logging.getLogger("alembic.runtime.migration").warning("a real warning")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.getLogger("alembic").setLevel(alembic_level)
    assert "Context impl" not in stream.getvalue() and "a real warning" in stream.getvalue()
