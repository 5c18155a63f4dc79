"""``chainrule run``: a missing or rejected token is one helpful paragraph and exit code 2."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
from aiohttp import web

import bot.runner
from bot.__main__ import EXIT_CONFIG, main
from tests.cli import interrupt_while_connecting, run_chainrule, run_python

REJECTED_TOKEN = "MTAx.rejected.token-that-must-not-be-printed"  # noqa: S105


def assert_setup_help(stderr: str) -> None:
    stderr = " ".join(stderr.split())  # wrapped to the terminal: phrases may span lines
    assert "Traceback" not in stderr
    for needed in ("DISCORD_TOKEN", "https://discord.com/developers/applications", "'bot'"):
        assert needed in stderr
    assert "'applications.commands'" in stderr
    assert "Send Messages" in stderr


@pytest.mark.parametrize("command", ["run", "sync-commands"])
def test_a_missing_token_explains_the_setup_and_exits_2(tmp_path: Path, command: str) -> None:
    result = run_chainrule([command], tmp_path, {})
    assert result.returncode == EXIT_CONFIG
    assert_setup_help(result.stderr)
    assert "none was found" in " ".join(result.stderr.split())


def test_the_token_may_come_from_a_dotenv_file(tmp_path: Path) -> None:
    # a malformed guild id is reported after the token is found, so no network is needed
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN={REJECTED_TOKEN}\nCHAINRULE_DEV_GUILD_ID=not-a-number\n", encoding="utf-8"
    )
    result = run_chainrule(["run"], tmp_path, {})
    assert result.returncode == EXIT_CONFIG
    assert "CHAINRULE_DEV_GUILD_ID must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr and REJECTED_TOKEN not in result.stderr


def test_a_broken_deck_is_named_before_anything_connects(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('id = "x"\ntitle = 3\n', encoding="utf-8")
    env = {"DISCORD_TOKEN": REJECTED_TOKEN, "CHAINRULE_DECK": "broken.toml"}
    result = run_chainrule(["run"], tmp_path, env)
    assert result.returncode == EXIT_CONFIG
    assert "broken.toml" in result.stderr and "title" in result.stderr
    assert "Traceback" not in result.stderr and REJECTED_TOKEN not in result.stderr
    assert not (tmp_path / "chainrule.db").exists()  # refused before the database was opened


def test_a_missing_database_driver_is_named_before_connecting_to_discord(tmp_path: Path) -> None:
    env = {
        "DISCORD_TOKEN": REJECTED_TOKEN,
        "CHAINRULE_DATABASE_URL": "postgresql+pg8000://u:p@127.0.0.1/x",
    }
    result = run_chainrule(["run"], tmp_path, env)
    assert result.returncode == EXIT_CONFIG
    assert "postgresql+pg8000 URLs need a driver chainrule does not install" in result.stderr
    assert "Traceback" not in result.stderr and REJECTED_TOKEN not in result.stderr


def test_ctrl_c_while_connecting_to_the_database_stops_without_a_traceback(
    tmp_path: Path,
) -> None:
    env = {
        "DISCORD_TOKEN": REJECTED_TOKEN,
        "CHAINRULE_DATABASE_URL": "postgresql://u:p@127.0.0.1:{port}/x",
    }
    returncode, errors = interrupt_while_connecting(["run"], tmp_path, env)
    assert returncode == 130, errors.decode(errors="replace")
    assert b"stopped before the bot was serving" in errors and b"Traceback" not in errors


def test_try_refuses_a_broken_deck_with_its_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('id = "x"\ntitle = 3\n', encoding="utf-8")
    result = run_chainrule(["try", "--deck", "broken.toml"], tmp_path, {})
    assert result.returncode == EXIT_CONFIG
    assert "broken.toml" in result.stderr and "title" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [["try", "--db", "probe.db", "--user", "ada"], ["doctor"], ["decks", "validate", "x.toml"]],
    ids=["try", "doctor", "decks-validate"],
)
def test_commands_that_need_no_discord_start_without_discord_py_or_matplotlib(
    tmp_path: Path, args: list[str]
) -> None:
    probe = (
        "import sys\n"
        "from bot.__main__ import main\n"
        f"main({args!r})\n"
        "heavy = ('discord', 'matplotlib', 'bot.client')\n"
        "loaded = [name for name in heavy if name in sys.modules]\n"
        "print('loaded:', loaded)\n"
    )
    result = run_python(probe, tmp_path, stdin="q\n")
    assert "loaded: []" in result.stdout, result.stderr


def test_an_unknown_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    result = run_chainrule(["dance"], tmp_path, {})
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


class RejectingDiscord:
    """A stand-in for discord.com that answers every token with 401, on its own thread
    (``main`` runs its own event loop with asyncio.run)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._unauthorized)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    @staticmethod
    async def _unauthorized(request: web.Request) -> web.Response:
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    def __enter__(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return f"http://127.0.0.1:{self.port}/api/v10"

    def __exit__(self, *exc: object) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def rejecting_discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    # `main(["run"])` runs in this process: the long-running bot's gc.freeze and young
    # threshold would otherwise stay with every later test (a leaked cycle's
    # ResourceWarning then surfaces in some unrelated test, or never)
    monkeypatch.setattr(bot.runner, "tune_garbage_collector", lambda: None)
    with RejectingDiscord() as base:
        monkeypatch.setattr(discord.http.Route, "BASE", base)
        yield
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


@pytest.mark.parametrize("command", ["run", "sync-commands"])
def test_a_rejected_token_explains_the_setup_and_exits_2(
    rejecting_discord: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", REJECTED_TOKEN)
    monkeypatch.setenv("CHAINRULE_DATABASE_URL", f"sqlite:///{tmp_path / 'chainrule.db'}")
    monkeypatch.setenv("CHAINRULE_LOG_LEVEL", "DEBUG")
    assert main([command]) == EXIT_CONFIG
    captured = capsys.readouterr()
    assert_setup_help(captured.err)
    assert "rejected" in captured.err
    assert REJECTED_TOKEN not in captured.out + captured.err
    assert (tmp_path / "chainrule.db").exists()  # the schema was brought to head first


@pytest.mark.parametrize("command", ["run", "sync-commands"])
def test_a_token_of_the_wrong_shape_is_named_before_connecting(
    tmp_path: Path, command: str
) -> None:
    result = run_chainrule([command], tmp_path, {"DISCORD_TOKEN": "abc", "COLUMNS": "60"})
    assert result.returncode == EXIT_CONFIG
    said = " ".join(result.stderr.split())
    assert "not a bot token" in said and "three parts" in said
    assert "check the network" not in said
    assert_setup_help(result.stderr)
    assert max(len(line) for line in result.stderr.splitlines()) <= 59  # wrapped to the terminal
    assert not (tmp_path / "chainrule.db").exists()
