"""``chainrule doctor``: a good setup passes every check; each broken one is named, with its fix.

The checks run on real parts: a database migrated by Alembic (PostgreSQL too when
CHAINRULE_TEST_DATABASE_URL is set), deck files on disk, the real time zone data
unless a test injects a loader that fails.  The token is never printed.
"""

from __future__ import annotations

import base64
import re
import socket
import subprocess
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import tzinfo
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.doctor import doctor
from quizzes.storage.db import Database, alembic_config
from tests.cli import run_chainrule

BOT_USER_ID = "123456789012345678"
# the shape of a Discord bot token: base64url(user id) . 6 characters . 27 characters
TOKEN = (
    base64.urlsafe_b64encode(BOT_USER_ID.encode()).decode().rstrip("=")
    + ".GxRtVq."
    + "k3P9sQ_zW-8nYb2LcV5mH1dTf0u"
)
CHECK_NAMES = ["settings", "token", "database", "time zones", "decks"]


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def run_doctor(
    environ: Mapping[str, str],
    env_file: Path | None = None,
    load_zone: Callable[[str], tzinfo] = zoneinfo.ZoneInfo,
) -> tuple[int, list[str]]:
    lines: list[str] = []
    exit_code = doctor(environ, env_file, lines.append, load_zone=load_zone)
    return exit_code, lines


def healthy_environ(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Everything fine: a well-formed token and a SQLite file still to be created."""
    return {
        "DISCORD_TOKEN": TOKEN,
        "CHAINRULE_DATABASE_URL": f"sqlite:///{tmp_path / 'chainrule.db'}",
        **overrides,
    }


def failure(lines: list[str], name: str) -> tuple[str, str]:
    """The ✗ line of check ``name`` and its fix line; fails if that check passed."""
    for index, line in enumerate(lines):
        if line.startswith(f"✗ {name}: "):
            fix = next(later for later in lines[index + 1 :] if later.startswith("    fix: "))
            return line, fix
    raise AssertionError(f"no ✗ {name} line in:\n" + "\n".join(lines))


def assert_only_failure(exit_code: int, lines: list[str], name: str) -> tuple[str, str]:
    assert exit_code == 1
    assert [line[0] for line in lines if line[0] in "✓✗"].count("✗") == 1, lines
    assert lines[-1] == "1 problem: fix it and run chainrule doctor again."
    return failure(lines, name)


def test_a_good_setup_passes_every_check_without_printing_the_token(database: Database) -> None:
    exit_code, lines = run_doctor({"DISCORD_TOKEN": TOKEN, "CHAINRULE_DATABASE_URL": database.url})

    assert exit_code == 0
    assert [line.split(":")[0] for line in lines[:-1]] == [f"✓ {name}" for name in CHECK_NAMES]
    assert lines[-1] == "All checks passed."
    output = "\n".join(lines)
    assert f"at the latest migration ({head_revision()})" in output
    assert BOT_USER_ID in output  # what the token says about itself is fine to show
    for secret in [TOKEN, *TOKEN.split(".")[1:]]:
        assert secret not in output
    password = make_url(database.url).password
    if password:
        assert f":{password}@" not in output


def test_a_malformed_env_line_is_named_once_and_the_good_lines_still_count(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DISCORD_TOKEN {TOKEN}\nCHAINRULE_DATABASE_URL=sqlite:///{tmp_path / 'from-env.db'}\n",
        encoding="utf-8",
    )

    exit_code, lines = run_doctor({}, env_file)

    output = "\n".join(lines)
    assert exit_code == 1
    assert f"✗ settings: {env_file}:1: expected KEY=value (no '=' after DISCORD_TOKEN)" in lines
    assert "✗ token: DISCORD_TOKEN is not set" in output  # its line could not be read
    assert str(tmp_path / "from-env.db") in output  # the next line still counted
    assert TOKEN.split(".")[0] not in output


def test_a_missing_token_points_to_the_discord_setup(tmp_path: Path) -> None:
    environ = healthy_environ(tmp_path)
    del environ["DISCORD_TOKEN"]

    line, fix = assert_only_failure(*run_doctor(environ), "token")

    assert line == "✗ token: DISCORD_TOKEN is not set in the environment"
    assert "https://discord.com/developers/applications" in fix
    assert "Reset Token" in fix
    assert "DISCORD_TOKEN=" in fix
    assert "Discord setup" in fix


@pytest.mark.parametrize(
    ("pasted", "named_mistake"),
    [
        (f"Bot {TOKEN}", 'starts with "Bot "'),
        (f"{TOKEN[:20]} {TOKEN[20:]}", "contains whitespace"),
        (f'"{TOKEN}', "contains quote marks"),
        (TOKEN.rsplit(".", 1)[0], "three parts joined by dots, not 2"),
        (f"{TOKEN}.extra", "three parts joined by dots, not 4"),
        (BOT_USER_ID, "that is the application id"),
        ("k3P9sQ_zW-8nYb2LcV5mH1dTf0uAbCdE", "OAuth2 client secret"),
        (
            base64.urlsafe_b64encode(b"not-an-id").decode() + ".GxRtVq.k3P9sQ",
            "does not encode a user id",
        ),
        (TOKEN.replace("_", "+"), "only letters, digits, '-' and '_'"),
    ],
)
def test_a_malformed_token_says_which_mistake_and_prints_none_of_it(
    tmp_path: Path, pasted: str, named_mistake: str
) -> None:
    line, fix = assert_only_failure(
        *run_doctor(healthy_environ(tmp_path, DISCORD_TOKEN=pasted)), "token"
    )

    assert line.startswith("✗ token: DISCORD_TOKEN is malformed: ")
    assert named_mistake in line
    assert "Reset Token" in fix
    for piece in re.split(r"[\s.\"]+", pasted.removeprefix("Bot ")):
        if len(piece) >= 6:
            assert piece not in line + fix


def test_a_token_from_the_env_file_counts(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f'DISCORD_TOKEN="{TOKEN}"\n', encoding="utf-8")
    environ = healthy_environ(tmp_path)
    del environ["DISCORD_TOKEN"]

    exit_code, lines = run_doctor(environ, env_file)

    assert exit_code == 0, lines
    assert (
        lines[0] == f"✓ settings: every setting is valid, read from the environment and {env_file}"
    )
    assert TOKEN not in "\n".join(lines)


def test_a_database_behind_head_names_both_revisions(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "0001")

    line, fix = assert_only_failure(
        *run_doctor({"DISCORD_TOKEN": TOKEN, "CHAINRULE_DATABASE_URL": database_url}), "database"
    )

    assert line.endswith(f": at revision 0001, the code expects {head_revision()}")
    assert "upgrade it at start-up" in fix
    assert "back it up first" in fix


def test_a_database_from_a_newer_chainrule_asks_for_an_upgrade(database: Database) -> None:
    with database.transaction() as session:
        session.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed1234'"))

    line, fix = assert_only_failure(
        *run_doctor({"DISCORD_TOKEN": TOKEN, "CHAINRULE_DATABASE_URL": database.url}), "database"
    )

    assert "at revision f00dfeed1234, which this chainrule does not know" in line
    assert "upgrade chainrule" in fix


def test_a_missing_sqlite_file_is_fine_and_is_not_created(tmp_path: Path) -> None:
    exit_code, lines = run_doctor(healthy_environ(tmp_path))

    assert exit_code == 0, lines
    assert lines[2] == (
        f"✓ database: {tmp_path / 'chainrule.db'} does not exist yet — it will be created and "
        "migrated at the first `chainrule run` / `chainrule try`"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_file_in_a_missing_directory_fails_and_nothing_is_made(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 'chainrule.db'}"

    line, fix = assert_only_failure(
        *run_doctor(healthy_environ(tmp_path, CHAINRULE_DATABASE_URL=url)), "database"
    )

    assert line.endswith("does not exist, and its directory does not exist")
    assert "create the directory" in fix
    assert list(tmp_path.iterdir()) == []


@pytest.mark.sqlite_only
def test_an_existing_sqlite_file_is_only_read(tmp_path: Path) -> None:
    path = tmp_path / "chainrule.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade_to_head()
    database.close()
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}

    exit_code, lines = run_doctor(healthy_environ(tmp_path))

    assert exit_code == 0, lines
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    assert after == before


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it any more


def test_an_unreachable_postgresql_server_is_reported_without_its_password(
    tmp_path: Path,
) -> None:
    port = closed_port()
    url = f"postgresql+psycopg://u:secret@127.0.0.1:{port}/x"

    line, fix = assert_only_failure(
        *run_doctor(healthy_environ(tmp_path, CHAINRULE_DATABASE_URL=url)), "database"
    )

    assert line.startswith(f"✗ database: postgresql+psycopg://u:***@127.0.0.1:{port}/x: cannot ")
    assert "secret" not in line + fix
    assert "CHAINRULE_DATABASE_URL" in fix


def test_a_database_driver_that_is_not_installed_is_named(tmp_path: Path) -> None:
    environ = healthy_environ(tmp_path, CHAINRULE_DATABASE_URL="postgresql+pg8000://u@h/x")
    line, fix = assert_only_failure(*run_doctor(environ), "database")
    assert line.endswith("the database driver is not installed (pg8000)")
    assert "postgresql+pg8000 URLs need a driver chainrule does not install" in fix


def test_a_value_that_is_not_a_database_url_is_named(tmp_path: Path) -> None:
    environ = healthy_environ(tmp_path, CHAINRULE_DATABASE_URL="chainrule.db")
    line, _ = assert_only_failure(*run_doctor(environ), "database")
    assert line == "✗ database: CHAINRULE_DATABASE_URL is not a database URL"


def one_card_deck(folder: Path, *, front: str) -> Path:
    deck = folder / "my-deck.toml"
    deck.write_text(
        'id = "mine"\ntitle = "Mine"\nfamilies = []\n[objectives]\nrule = "The chain rule."\n'
        f'[[cards]]\nid = "first-card"\nfront = {front}\nback = "b"\nobjective = "rule"\n'
        'tags = []\nsource = "s"\n',
        encoding="utf-8",
    )
    return deck


def test_a_broken_configured_deck_names_file_card_and_field(tmp_path: Path) -> None:
    deck = one_card_deck(tmp_path, front='""')

    exit_code, lines = run_doctor(healthy_environ(tmp_path, CHAINRULE_DECK=str(deck)))

    line, fix = assert_only_failure(exit_code, lines, "decks")
    assert line == "✗ decks: 1 deck file cannot be used:"
    assert f"    {deck}: card 'first-card', field 'front': must not be empty" in lines
    assert "CHAINRULE_DECK" in fix


def test_a_valid_configured_deck_is_the_one_reported_as_taught(tmp_path: Path) -> None:
    deck = one_card_deck(tmp_path, front='"f"')

    exit_code, lines = run_doctor(healthy_environ(tmp_path, CHAINRULE_DECK=str(deck)))

    assert exit_code == 0, lines
    assert lines[4].endswith(
        f'the bot teaches {deck} (CHAINRULE_DECK): deck "mine" — 1 card, '
        "1 objective, 0 problem families"
    )


def test_missing_time_zone_data_says_how_to_install_it(tmp_path: Path) -> None:
    def load_zone_without_data(name: str) -> tzinfo:
        if name == "UTC":
            return zoneinfo.ZoneInfo(name)
        raise zoneinfo.ZoneInfoNotFoundError(f"No time zone found with key {name}")

    line, fix = assert_only_failure(
        *run_doctor(healthy_environ(tmp_path), load_zone=load_zone_without_data), "time zones"
    )

    assert line == (
        "✗ time zones: cannot load America/New_York, Europe/Berlin, Australia/Lord_Howe: "
        "no IANA time zone data"
    )
    assert "pip install tzdata" in fix


def test_a_bad_setting_comes_first_and_the_other_checks_still_run(tmp_path: Path) -> None:
    environ = healthy_environ(tmp_path, CHAINRULE_LOG_LEVEL="LOUD")
    del environ["DISCORD_TOKEN"]

    exit_code, lines = run_doctor(environ)

    assert exit_code == 1
    assert lines[0].startswith("✗ settings: CHAINRULE_LOG_LEVEL must be one of DEBUG")
    assert failure(lines, "token")
    assert [line.split(":")[0][2:] for line in lines if line[0] in "✓✗"] == CHECK_NAMES
    assert lines[-1] == "2 problems: fix them and run chainrule doctor again."


def run_doctor_command(cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_chainrule(["doctor"], cwd)


def test_the_command_reads_dot_env_in_the_working_directory_and_sets_the_exit_code(
    tmp_path: Path,
) -> None:
    without_token = run_doctor_command(tmp_path)
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\n", encoding="utf-8")
    configured = run_doctor_command(tmp_path)

    assert without_token.returncode == 1
    assert "✗ token: DISCORD_TOKEN is not set in the environment or .env" in without_token.stdout
    assert (configured.returncode, configured.stderr) == (0, "")
    assert configured.stdout.endswith("All checks passed.\n")
    assert TOKEN not in configured.stdout
    assert not (tmp_path / "chainrule.db").exists()
