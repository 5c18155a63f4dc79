"""``chainrule run`` and ``chainrule sync-commands``: connect to Discord and serve.

Imported only for those two commands, so ``try``, ``doctor`` and ``decks
validate`` start without loading discord.py or matplotlib.  Every way a start
can fail ends in a message and an exit code (bot.exit_codes), never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import sys
import textwrap
from dataclasses import replace

import discord

from bot.app import create_bot
from bot.client import ChainruleBot, tune_garbage_collector
from bot.exit_codes import EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREACHABLE
from bot.logs import configure_logging
from bot.settings import MissingTokenError, Settings, SettingsError
from bot.token_shape import MalformedToken, token_user_id
from quizzes.decks import DeckError
from quizzes.storage.db import Database, DatabaseDriverMissing
from quizzes.study import StudyService

log = logging.getLogger("chainrule")

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


def setup_help(problem: str) -> str:
    """The set-up paragraph, wrapped to the terminal (at most 100 columns, for reading)."""
    width = min(shutil.get_terminal_size().columns, 100) - 1
    return textwrap.fill(
        SETUP_HELP.format(problem=problem),
        width=max(width, 40),
        break_long_words=False,  # a URL stays whole, to be copied
        break_on_hyphens=False,
    )


def run_bot(command: str) -> int:
    """``run`` (serve until a signal) or ``sync-commands`` (publish and exit)."""
    try:
        settings = Settings.from_env()
    except MissingTokenError:
        print(setup_help("none was found"), file=sys.stderr)
        return EXIT_CONFIG
    except SettingsError as error:
        print(f"chainrule: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:  # offline, as doctor does: "abc" is not worth a trip to Discord and a network error
        token_user_id(settings.token)
    except MalformedToken as mistake:
        print(setup_help(f"the one given is not a bot token: {mistake}"), file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, secrets=[settings.token])
    # chainrule has no voice features: discord.py's start-up warnings about voice are noise
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    try:
        return asyncio.run(serve(settings, sync_only=command == "sync-commands"))
    except KeyboardInterrupt:  # Ctrl-C while connecting or migrating, before serving began
        print("chainrule: stopped before the bot was serving.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except discord.LoginFailure:
        print(setup_help("Discord rejected the one given"), file=sys.stderr)
        return EXIT_CONFIG
    except (OSError, discord.GatewayNotFound) as error:
        print(f"chainrule: cannot reach Discord ({error}); check the network.", file=sys.stderr)
        return EXIT_UNREACHABLE
    except (DeckError, DatabaseDriverMissing) as error:
        print(f"chainrule: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired:
        print("chainrule: Discord refused the gateway intents this bot asks for.", file=sys.stderr)
        return EXIT_CONFIG


async def serve(settings: Settings, *, sync_only: bool) -> int:
    """Run until SIGTERM/SIGINT (or, with ``sync_only``, until the commands are synced)."""
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
