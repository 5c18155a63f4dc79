"""The ``chainrule`` command: ``run``, ``sync-commands``, ``try``, ``doctor``, ``decks validate``.

Exit codes: 0 after a clean shutdown, 2 when the token is missing or rejected
(or another setting is wrong) -- always with a message, never a traceback.
``try`` is the terminal front end (the ``terminal`` package, imported only for
that command); it needs no token.  ``doctor`` and ``decks validate`` check
without starting anything: 0 when all is well, 1 when something needs fixing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import discord

from bot.client import ChainruleBot, create_bot, tune_garbage_collector
from bot.logs import configure_logging
from bot.settings import MissingTokenError, Settings, SettingsError
from quizzes.decks import DeckError

log = logging.getLogger("chainrule")

EXIT_OK = 0
EXIT_CONFIG = 2
EXIT_UNREACHABLE = 1

SETUP_HELP = (
    "chainrule needs a Discord bot token in DISCORD_TOKEN (the environment or a .env file in "
    "the working directory), and {problem}. To get one: open "
    "https://discord.com/developers/applications, choose New Application, then Bot -> Reset "
    "Token, and put the token in .env as DISCORD_TOKEN=... (keep it out of version control). "
    "Invite the bot from OAuth2 -> URL Generator with the scopes 'bot' and "
    "'applications.commands' and the permissions View Channels, Send Messages, Embed Links, "
    "Attach Files and Use Application Commands (permissions integer 2147535872), then open "
    "the generated URL and pick your server."
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chainrule", description="A Discord study bot for backpropagation."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="connect to Discord and serve learners until stopped")
    commands.add_parser(
        "sync-commands",
        help="publish the slash commands (to CHAINRULE_DEV_GUILD_ID if set) and exit",
    )
    add_try_parser(commands)
    commands.add_parser(
        "doctor",
        help="check the settings, database, time zone data and decks without starting the bot",
    )
    decks = commands.add_parser("decks", help="deck files: validate one before teaching it")
    deck_commands = decks.add_subparsers(dest="decks_command", required=True, metavar="ACTION")
    validate = deck_commands.add_parser(
        "validate", help="check deck files against the schema; name each error's card and field"
    )
    validate.add_argument("paths", metavar="PATH", nargs="+", type=Path, help="a deck .toml file")
    return parser.parse_args(argv)


def add_try_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    study = commands.add_parser(
        "try",
        aliases=["study"],
        help="study in this terminal, offline, no token needed (q stops, u undoes)",
    )
    study.add_argument(
        "--db",
        "--database",
        dest="database",
        metavar="PATH|URL",
        help="a SQLite file or a database URL "
        "(default: CHAINRULE_DATABASE_URL, else chainrule.db here)",
    )
    study.add_argument(
        "--user", metavar="NAME", help="whose progress this is (default: your login name)"
    )
    study.add_argument(
        "--practice", metavar="FAMILY", help="extra problems of one family; no box moves"
    )
    study.add_argument(
        "--save-diagrams",
        "--diagrams",
        dest="diagrams",
        metavar="DIR",
        type=Path,
        help="save each circuit diagram as a PNG in DIR",
    )
    study.add_argument(
        "--timezone",
        metavar="ZONE",
        help="IANA time zone your review days follow, e.g. Europe/Paris; stored for next time",
    )
    study.add_argument(
        "--deck", metavar="PATH", type=Path, help="study this deck file (default: CHAINRULE_DECK)"
    )


def database_url_from_option(value: str) -> str:
    """``--db``: a URL as given, anything else is a SQLite file path."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def study_in_terminal(args: argparse.Namespace) -> int:
    """``chainrule try``: the same database and deck as the bot, read from the same settings."""
    from quizzes.decks import load_deck
    from terminal.console import study  # `chainrule run` never imports the terminal

    try:
        settings = Settings.from_env(require_token=False)
        deck = load_deck(args.deck) if args.deck is not None else settings.load_deck()
    except (SettingsError, DeckError) as error:
        print(f"chainrule: {error}", file=sys.stderr)
        return EXIT_CONFIG
    database_url = settings.database_url
    if args.database is not None:
        database_url = database_url_from_option(args.database)
    return study(
        database_url,
        user=args.user,
        practice=args.practice,
        diagrams=args.diagrams,
        timezone=args.timezone,
        deck=deck,
    )


def operator_command(args: argparse.Namespace) -> int:
    """``chainrule doctor`` and ``chainrule decks validate``: checks that start nothing."""
    if args.command == "doctor":
        from bot.doctor import doctor

        return doctor()
    from bot.deck_check import validate_decks

    return validate_decks(args.paths)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command in ("try", "study"):
        return study_in_terminal(args)
    if args.command in ("doctor", "decks"):
        return operator_command(args)
    try:
        settings = Settings.from_env()
    except MissingTokenError:
        print(SETUP_HELP.format(problem="none was found"), file=sys.stderr)
        return EXIT_CONFIG
    except SettingsError as error:
        print(f"chainrule: {error}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, secrets=[settings.token])
    # chainrule has no voice features: discord.py's start-up warnings about voice are noise
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    try:
        return asyncio.run(serve(settings, sync_only=args.command == "sync-commands"))
    except discord.LoginFailure:
        print(SETUP_HELP.format(problem="Discord rejected the one given"), file=sys.stderr)
        return EXIT_CONFIG
    except (OSError, discord.GatewayNotFound) as error:
        print(f"chainrule: cannot reach Discord ({error}); check the network.", file=sys.stderr)
        return EXIT_UNREACHABLE
    except DeckError as error:
        print(f"chainrule: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print("chainrule: Discord refused the gateway intents this bot asks for.", file=sys.stderr)
        return EXIT_CONFIG


async def serve(settings: Settings, *, sync_only: bool) -> int:
    """Run until SIGTERM/SIGINT (or, with ``sync_only``, until the commands are synced)."""
    from quizzes.storage.db import Database
    from quizzes.study import StudyService

    deck = settings.load_deck()  # DeckError before anything connects
    database = Database(settings.database_url)
    await asyncio.to_thread(database.upgrade_to_head)
    service = StudyService(database, deck=deck)
    if sync_only:
        settings = replace(settings, sync_commands_on_start=False)
    bot = create_bot(settings, service)
    try:
        if sync_only:
            await bot.login(settings.token)
            synced = await bot.sync_commands()
            print(f"synced {len(synced)} commands: {', '.join(c.name for c in synced)}")
        else:
            tune_garbage_collector()
            await run_until_stopped(bot, settings.token)
    finally:
        await bot.close()
        await service.close()
        database.close()
    return EXIT_OK


async def run_until_stopped(bot: ChainruleBot, token: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = asyncio.create_task(bot.start(token), name="chainrule-bot")
    stopper = asyncio.create_task(stop.wait(), name="chainrule-stop")
    try:
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            runner.result()  # LoginFailure and friends propagate to main()
        else:
            log.info("signal received: shutting down")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        stopper.cancel()
        if not runner.done():
            await bot.close()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)


if __name__ == "__main__":
    sys.exit(main())
