"""The bot assembled: the client and the cogs it serves.

The cogs know the client only as a type; the client knows no cog.  This module is the one
place that knows both, so neither imports the other at run time.
"""

from __future__ import annotations

from typing import Any

from bot.client import ChainruleBot, CogFactory
from bot.cogs.config import ConfigCog
from bot.cogs.privacy import PrivacyCog
from bot.cogs.progress import ProgressCog
from bot.cogs.remind import RemindCog
from bot.cogs.review import ReviewCog
from bot.cogs.stats import StatsCog
from bot.cogs.timezone import TimezoneCog
from bot.settings import Settings
from quizzes.study import StudyService

# in the order their commands are registered
COGS: tuple[CogFactory, ...] = (
    ReviewCog,
    ProgressCog,
    StatsCog,
    ConfigCog,
    PrivacyCog,
    RemindCog,
    TimezoneCog,
)


def create_bot(settings: Settings, service: StudyService, **client_kwargs: Any) -> ChainruleBot:
    """The bot, not yet connected; ``client_kwargs`` go to discord.py (guild_ready_timeout...).

    Side-effect free (no environment, no network): the end-to-end tests build it against
    the Discord API double.
    """
    return ChainruleBot(settings, service, COGS, **client_kwargs)
