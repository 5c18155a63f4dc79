"""What the Discord API double records, and the faults it can be told to inject."""

from __future__ import annotations

import asyncio
import copy
import re
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.payloads import EPHEMERAL_FLAG, JSON, FakeUser, iter_components

LOADING_FLAG = 1 << 7  # "the application is thinking" placeholder after a deferral

CALLBACK_PONG = 1
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
CALLBACK_MODAL = 9


@dataclass(frozen=True)
class RecordedFile:
    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # relative to /api/v10, without the query string
    query: dict[str, str]
    json: Any
    files: tuple[RecordedFile, ...]
    status: int
    at: float  # time.perf_counter() when the request arrived


@dataclass
class Fault:
    """Answer ``times`` requests matching method + path regex with an error."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int = 1
    retry_after: float = 0.05
    code: int = 0
    message: str = ""
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.hits < self.times and method == self.method and bool(self.path.search(path))

    def body(self) -> JSON:
        if self.status == 429:
            return {
                "message": self.message or "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": False,
            }
        default = {403: "Cannot send messages to this user", 500: "500: Internal Server Error"}
        return {"message": self.message or default.get(self.status, "error"), "code": self.code}


@dataclass
class HeldAnswer:
    """The next request matching method + path regex is carried out and shown to tests at
    once, but its HTTP answer waits for :meth:`release`: the bot's request is still in
    flight while the learner already sees, and can click on, what it did."""

    method: str
    path: re.Pattern[str]
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, method: str, path: str) -> bool:
        return not self.reached.is_set() and method == self.method and bool(self.path.search(path))

    def release(self) -> None:
        self.released.set()


@dataclass(frozen=True)
class Callback:
    type: int
    data: JSON
    files: tuple[RecordedFile, ...]
    at: float


@dataclass
class InteractionRecord:
    """One interaction the double dispatched and everything the bot did with it."""

    id: int
    token: str
    kind: int
    payload: JSON
    user: FakeUser
    guild_id: int | None
    dispatched_at: float
    source_message_id: int | None = None  # the message whose component was used
    callbacks: list[Callback] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    replies: list[JSON] = field(default_factory=list)  # snapshots, oldest first
    replied_at: float | None = None  # perf_counter() when the first finished reply was sent
    acknowledged: bool = False
    # What the bot did, shown to tests a reaction time after the double's HTTP answer:
    # discord.py stores a view only once that answer is parsed, so a learner acting on a
    # reply within microseconds would race the client in a way no human can.
    _unsent_callbacks: list[Callback] = field(default_factory=list)
    # each with the moment the answer to the request that made it went out (None: not yet)
    _unsent_replies: list[tuple[JSON, float | None]] = field(default_factory=list)

    @property
    def modal(self) -> JSON | None:
        """The form the bot answered with, if it answered with one."""
        for callback in self.callbacks:
            if callback.type == CALLBACK_MODAL:
                return callback.data
        return None

    def add_callback(self, callback: Callback) -> None:
        self.acknowledged = True
        self._unsent_callbacks.append(callback)

    def remember_reply(self, message: JSON) -> None:
        self._unsent_replies.append((copy.deepcopy(message), None))

    def answered(self, sent_at: float) -> None:
        """The answer to a request that touched this interaction went out at ``sent_at``:
        the replies remembered so far, not yet stamped, were made by that request."""
        self._unsent_replies = [
            (m, sent_at if at is None else at) for m, at in self._unsent_replies
        ]

    def deliver(self) -> None:
        """Show the test what the bot did: the callbacks, and the replies whose request has
        been answered.  A reply stays unsent until its own request's answer goes out, so
        ``replied_at`` is when that answer did, even when an earlier request's delivery (a
        deferral's, a reaction time after its answer) comes around first."""
        self.callbacks += self._unsent_callbacks
        self._unsent_callbacks = []
        sent = [(m, at) for m, at in self._unsent_replies if at is not None]
        self._unsent_replies = [(m, at) for m, at in self._unsent_replies if at is None]
        finished = [at for m, at in sent if not is_loading(m)]
        if finished and self.replied_at is None:
            self.replied_at = finished[0]
        self.replies += [m for m, _ in sent]


def is_loading(message: JSON) -> bool:
    return bool(int(message.get("flags") or 0) & LOADING_FLAG)


def is_ephemeral(message: JSON) -> bool:
    return bool(int(message.get("flags") or 0) & EPHEMERAL_FLAG)


def message_text(message: JSON) -> str:
    """All the text a learner reads in a message: content, embeds and component labels."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for embed_field in embed.get("fields") or []:
            parts += [str(embed_field.get("name", "")), str(embed_field.get("value", ""))]
        parts.append((embed.get("footer") or {}).get("text") or "")
    for component in iter_components(message.get("components") or []):
        parts += [component.get("label") or "", component.get("content") or ""]
        parts += [option.get("label", "") for option in component.get("options", [])]
    return "\n".join(part for part in parts if part)


def buttons(message: JSON) -> list[JSON]:
    return [c for c in iter_components(message.get("components") or []) if c.get("type") == 2]


def button_labels(message: JSON) -> list[str]:
    return [str(button.get("label") or "") for button in buttons(message)]
