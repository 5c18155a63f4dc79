"""Which component custom ids this process is serving, so stale ones get a clear reply.

discord.py silently drops a click on a button it has no view for (after a restart,
or once a view has moved on).  The bot records every custom id it sends; when an
interaction arrives, :meth:`ChainruleBot.dispatch` asks this registry whether a
live view owns it, at the same instant discord.py routes it to that view, so the
answer cannot race with the view's own callback.  LIVE is only true if discord.py's
view store has the view too: :meth:`ChainruleBot.serve_view` puts it there before
the message showing it is sent, in the same step as it is recorded here.
"""

from __future__ import annotations

import enum
import secrets
import weakref
from collections import OrderedDict

import discord

from bot.errors import EXPIRED

# What a click on a component from before a restart is told, by custom id prefix.
EXPIRY_MESSAGES: dict[str, str] = {
    "chainrule:review:": EXPIRED,
    "chainrule:answer:": EXPIRED,
    "chainrule:walk:": "This walk has expired — run `/review` again; your answer was kept.",
    "chainrule:forget:": "This confirmation has expired — run `/forget-me` again.",
}
EXPIRABLE_PREFIXES = tuple(EXPIRY_MESSAGES)
# What a click on a component this process knows nothing of is told (a custom id from an
# older version, or one made up): never Discord's "This interaction failed".
UNKNOWN_COMPONENT = "This button has expired — run `/review` again."
MAX_REMEMBERED = 20_000


class ComponentState(enum.Enum):
    LIVE = "live"  # a view or form in this process will handle it
    FINISHED = "finished"  # sent by this process, since superseded: a late double click
    UNKNOWN = "unknown"  # never seen by this process: sent before a restart


def component_token() -> str:
    """A fresh random token naming one served item's components.

    Custom ids carry this rather than the attempt's row id: row ids are sequential, so a
    learner could address another learner's attempt by guessing one.  The token lives only
    in this process, as the views do; after a restart the components expire anyway.
    """
    return secrets.token_urlsafe(12)


def review_custom_id(token: str, action: str) -> str:
    return f"chainrule:review:{token}:{action}"


def answer_form_custom_id(token: str, page: int) -> str:
    return f"chainrule:answer:{token}:{page}"


def walk_form_custom_id(token: str, step: int) -> str:
    return f"chainrule:walk:{token}:{step}"


class ComponentRegistry:
    """custom id -> the view (or form) that sent it, held weakly."""

    def __init__(self, max_remembered: int = MAX_REMEMBERED) -> None:
        self._owners: OrderedDict[str, weakref.ref[discord.ui.View | discord.ui.Modal]] = (
            OrderedDict()
        )
        self._max_remembered = max_remembered

    def track(self, owner: discord.ui.View | discord.ui.Modal, custom_ids: list[str]) -> None:
        for custom_id in custom_ids:
            self._owners[custom_id] = weakref.ref(owner)
            self._owners.move_to_end(custom_id)
        while len(self._owners) > self._max_remembered:
            self._owners.popitem(last=False)

    def track_view(self, view: discord.ui.View) -> None:
        custom_ids = [
            item.custom_id for item in view.children if isinstance(item, discord.ui.Button)
        ]
        custom_ids += [
            item.custom_id for item in view.children if isinstance(item, discord.ui.Select)
        ]
        self.track(view, [c for c in custom_ids if c])

    def owner(self, custom_id: str) -> discord.ui.View | discord.ui.Modal | None:
        """The view or form that last sent ``custom_id``, while it is still in memory."""
        ref = self._owners.get(custom_id)
        return ref() if ref is not None else None

    def state(self, custom_id: str) -> ComponentState:
        if custom_id not in self._owners:
            return ComponentState.UNKNOWN
        owner = self.owner(custom_id)
        if owner is None or owner.is_finished():
            return ComponentState.FINISHED
        return ComponentState.LIVE

    def __len__(self) -> int:
        return len(self._owners)


def is_expirable(custom_id: str) -> bool:
    return custom_id.startswith(EXPIRABLE_PREFIXES)


def expiry_message(custom_id: str) -> str | None:
    """The reply for a stale click on ``custom_id``; None if it is not ours to expire."""
    for prefix, message in EXPIRY_MESSAGES.items():
        if custom_id.startswith(prefix):
            return message
    return None


def forget_custom_id(origin_interaction_id: int, action: str) -> str:
    return f"chainrule:forget:{origin_interaction_id}:{action}"
