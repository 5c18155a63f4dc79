"""The ``chainrule`` command: ``run``, ``sync-commands``, ``try``, ``doctor``, ``decks validate``.

This module only parses the command line and hands over, importing each
command's code when it runs: ``run`` and ``sync-commands`` (bot.runner, with
discord.py), ``try`` (the ``terminal`` package; no token needed), ``doctor`` and
``decks validate`` (checks that start nothing: 0 when all is well, 1 when
something needs fixing).  Exit codes are in bot.exit_codes; every failure is a
message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.exit_codes import EXIT_CONFIG
from bot.settings import Settings, SettingsError
from quizzes.decks import DeckError


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
    from quizzes.presentation import AUTO_PRACTICE, family_lines  # no discord: quick start

    study = commands.add_parser(
        "try",
        aliases=["study"],
        help="study in this terminal, offline, no token needed (q stops, u undoes)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="problem families for --practice:\n"
        + "\n".join(f"  {line}" for line in family_lines()),
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
        "--practice",
        metavar="FAMILY",
        nargs="?",
        const=AUTO_PRACTICE,
        help="extra problems of one family; no box moves. Without FAMILY: the problems "
        "that work on your weakest skill or most frequent recent mistake",
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
    from bot.runner import run_bot  # discord.py and matplotlib: only to serve Discord

    return run_bot(args.command)


if __name__ == "__main__":
    sys.exit(main())
