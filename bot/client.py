"""The discord.py client: command sync, the stale-button fallback, shutdown hooks.

It adds the cogs it is given (``bot.app.create_bot`` gives them); it imports none, so
the cogs, which need it as a type, make no import circle with it.

Two races with discord.py are closed here.  A view must be in discord.py's view
store before the message showing it can be clicked (:meth:`ChainruleBot.serve_view`),
and closing waits for the interactions being handled before the HTTP session they
reply through goes away (:meth:`ChainruleBot.close`).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.ui.view import BaseView

from bot.acknowledge import DEFER_AFTER
from bot.components import (
    UNKNOWN_COMPONENT,
    ComponentRegistry,
    ComponentState,
    expiry_message,
)
from bot.diagrams import DiagramRenderer
from bot.errors import report_error, send_ephemeral
from bot.in_flight import InFlightInteractions
from bot.pacing import Pacer
from bot.settings import Settings
from quizzes.problems.base import Problem
from quizzes.study import StudyService
from quizzes.study.oldest_first import request_arrived

log = logging.getLogger(__name__)

ShutdownHook = Callable[[], Awaitable[None]]
# what makes one cog for a bot; bot.app lists them, so this module imports no cog
CogFactory = Callable[["ChainruleBot"], commands.Cog]
COMPONENT_STATE_KEY = "chainrule.component_state"
SHUTDOWN_GRACE_SECONDS = 5.0  # how long closing waits for interactions being handled
RESTARTING = "chainrule is restarting — try again in a minute."
GC_YOUNG_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700)


class ChainruleTree(app_commands.CommandTree["ChainruleBot"]):
    async def interaction_check(self, interaction: discord.Interaction[ChainruleBot], /) -> bool:
        return await self.client.admit(interaction)

    async def on_error(
        self, interaction: discord.Interaction[ChainruleBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


class ChainruleBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        service: StudyService,
        cog_factories: Sequence[CogFactory] = (),
        **client_kwargs: Any,
    ) -> None:
        client_kwargs.setdefault("intents", discord.Intents(guilds=True))
        client_kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
        if settings.shard_count is not None and settings.shard_ids and len(settings.shard_ids) == 1:
            # one process per shard; several shards per process would need AutoShardedBot
            client_kwargs.setdefault("shard_count", settings.shard_count)
            client_kwargs.setdefault("shard_id", settings.shard_ids[0])
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=ChainruleTree,
            **client_kwargs,
        )
        self.settings = settings
        self.service = service
        self.cog_factories = tuple(cog_factories)
        self.components = ComponentRegistry()
        self._persistent_ids: set[str] = set()  # see add_view
        self.in_flight = InFlightInteractions()
        self.pacer = Pacer()
        self.shutdown_grace_seconds = SHUTDOWN_GRACE_SECONDS
        self.diagrams = DiagramRenderer()
        self.render_diagrams = True
        # a click whose reply takes longer than this is deferred first (bot.acknowledge)
        self.defer_after = DEFER_AFTER
        # the reminders scheduler (issue 5) and the like register their own clean-up here;
        # hooks run last-registered first, so the diagram workers stop after the others
        self.shutdown_hooks: list[ShutdownHook] = [self.diagrams.close]

    async def setup_hook(self) -> None:
        for make_cog in self.cog_factories:  # bot.app lists them: the client knows no cog
            await self.add_cog(make_cog(self))
        if self.settings.sync_commands_on_start:
            await self.sync_commands()

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Publish the slash commands: to the dev guild at once, or globally."""
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild.id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands (they can take a while to appear)", len(synced))
        return synced

    async def render_diagram(self, problem: Problem) -> bytes | None:
        """The problem's circuit as PNG bytes, drawn in a worker process; None without gates."""
        if not problem.gates or not self.render_diagrams:
            return None
        return await self.diagrams.render(problem.gates, problem.formula)

    # ---- views and forms ----------------------------------------------------------
    def serve_view(self, view: discord.ui.View, message_id: int | None) -> None:
        """Route clicks on ``message_id``'s components to ``view`` from now on.

        Call it before the request that shows ``view``: discord.py stores a view
        only once it has parsed that request's answer, and a click arriving in
        between (Discord shows the buttons first) would reach no view at all while
        the registry already says LIVE.  Storing it again afterwards, as discord.py
        does, changes nothing.  Without a message id (a first reply, whose id
        Discord has not chosen yet) discord.py's own store after the answer is all
        there is.
        """
        self.components.track_view(view)
        if message_id is not None and not view.is_finished():
            # what Client.add_view does, minus its rule that only timeout-less views qualify
            self._connection.store_view(view, message_id)

    def serve_modal(self, modal: discord.ui.Modal) -> None:
        """Route ``modal``'s submission to it from now on; call it before ``send_modal``.

        A form opened again replaces the one with the same custom id, which is stopped
        first: otherwise its timeout would later unregister the new one."""
        previous = self.components.owner(modal.custom_id)
        if isinstance(previous, discord.ui.Modal) and previous is not modal:
            previous.stop()
        self.components.track(modal, [modal.custom_id])
        self._connection.store_view(modal)

    async def admit(self, interaction: discord.Interaction) -> bool:
        """Called by every ``interaction_check``: hold the handler's task until it ends, so
        closing waits for it; while closing, turn new interactions away politely.  A handler
        first waits for its turn (bot.pacing), so a class's burst starts a few at a time; its
        database work queues by when it came (quizzes.study.oldest_first), oldest first."""
        if self.in_flight.adopt_current_task():
            request_arrived.set(time.monotonic())
            await self.pacer.wait_turn()
        if not self.in_flight.closing:
            return True
        if interaction.type is not discord.InteractionType.autocomplete:
            await send_ephemeral(interaction, RESTARTING)
        return False

    # ---- stale components -----------------------------------------------------
    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name == "interaction" and args and isinstance(args[0], discord.Interaction):
            # decided now, in the same step in which discord.py routes the click to a view
            interaction: discord.Interaction = args[0]
            custom_id = _custom_id(interaction)
            if custom_id is not None:
                interaction.extras[COMPONENT_STATE_KEY] = self.components.state(custom_id)
        super().dispatch(event_name, *args, **kwargs)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        custom_id = _custom_id(interaction)
        if custom_id is None or custom_id in self._persistent_ids:
            return
        message = expiry_message(custom_id) or UNKNOWN_COMPONENT
        state = interaction.extras.get(COMPONENT_STATE_KEY, ComponentState.UNKNOWN)
        if state is ComponentState.LIVE or interaction.response.is_done():
            return
        self.in_flight.adopt_current_task()
        try:
            if state is ComponentState.FINISHED:
                await interaction.response.defer()  # a late second click: already handled
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except (discord.HTTPException, discord.InteractionResponded) as failure:
            log.debug("stale interaction %s not acknowledged: %s", interaction.id, failure)

    def add_view(self, view: BaseView, *, message_id: int | None = None) -> None:
        """discord.py's ``add_view``, also noting the view's custom ids: discord.py answers
        clicks on them itself, so :meth:`on_interaction` leaves them alone.  Noted here
        rather than read from ``persistent_views`` on every click, which walks every view
        in the store (under load that walk was the bot's largest cost on the event loop)."""
        super().add_view(view, message_id=message_id)
        self._persistent_ids.update(
            item.custom_id
            for item in view.walk_children()
            if isinstance(item, discord.ui.Button | discord.ui.Select) and item.custom_id
        )

    # ---- shutdown ----------------------------------------------------------------
    async def close(self) -> None:
        """Finish (or, after the grace time, cancel) the interactions being handled, run
        the shutdown hooks, then close the gateway and the HTTP session."""
        await self.in_flight.drain(self.shutdown_grace_seconds)
        for hook in reversed(self.shutdown_hooks):
            try:
                await hook()
            except Exception:
                log.exception("a shutdown hook failed; closing the rest anyway")
        self.shutdown_hooks.clear()
        await super().close()


def tune_garbage_collector() -> None:
    """Settings for a long-running bot process (``chainrule run``, the load benchmark), once
    start-up is done; a process that makes many bots, like the test suite, keeps the defaults.

    What start-up allocated (~160k objects: discord.py, SQLAlchemy, matplotlib, the deck)
    lives as long as the process, yet every full collection walked it all: it is frozen,
    out of the collector's sight (after a collection, so no garbage is kept).  And the young
    generation is collected every 20,000 allocations rather than 700, so far fewer of an
    interaction's short-lived objects survive into the old generations.  Under load
    (bench/bot_load.py) the event loop's longest stall fell from ~200 ms to ~60 ms.
    """
    if gc.get_freeze_count() > 0:
        return
    gc.collect()
    gc.freeze()
    _, middle_threshold, old_threshold = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle_threshold, old_threshold)


def _custom_id(interaction: discord.Interaction) -> str | None:
    if interaction.type not in (
        discord.InteractionType.component,
        discord.InteractionType.modal_submit,
    ):
        return None
    data: Mapping[str, Any] = interaction.data or {}
    custom_id = data.get("custom_id")
    return custom_id if isinstance(custom_id, str) else None


__all__ = ["ChainruleBot", "ChainruleTree", "CogFactory", "tune_garbage_collector"]
