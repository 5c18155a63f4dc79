"""The gateway half of the Discord API double: HELLO, IDENTIFY, heartbeats,
READY + GUILD_CREATE, dispatches with sequence numbers, and RESUME.

Frames go out as plain text: discord.py only decompresses binary frames, so
the ``compress`` query parameter it asks for can be ignored.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.e2e.payloads import JSON, FakeGuild, FakeUser

HELLO, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 10, 1, 2, 6, 8
DISPATCH, HEARTBEAT_ACK, INVALID_SESSION = 0, 11, 9
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_UNKNOWN_ERROR = 4000  # what Discord sends when it drops a session that may resume


@dataclass
class GatewaySession:
    id: str
    seq: int = 0
    frames: list[JSON] = field(default_factory=list)  # every dispatch, for RESUME replay
    socket: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True)
class ReceivedOp:
    op: int
    data: Any
    path: str


class GatewayServer:
    """One bot connection at a time, as a single-shard bot has."""

    def __init__(
        self,
        *,
        token: str,
        application_id: int,
        bot_user: FakeUser,
        guilds: Callable[[], list[FakeGuild]],
        resume_url: Callable[[], str],
        on_change: Callable[[], None],
    ) -> None:
        self._token = token
        self._application_id = application_id
        self._bot_user = bot_user
        self._guilds = guilds
        self._resume_url = resume_url
        self._on_change = on_change
        self.session: GatewaySession | None = None
        self.received: list[ReceivedOp] = []
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        await socket.send_json({"op": HELLO, "d": {"heartbeat_interval": 41_250}, "s": None})
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            data = frame.get("d")
            if isinstance(data, dict) and "token" in data:
                data = {**data, "token": "<redacted>"}
            self.received.append(ReceivedOp(frame["op"], data, request.path))
            await self._handle_op(socket, frame)
            self._on_change()
        self._on_change()
        return socket

    async def _handle_op(self, socket: web.WebSocketResponse, frame: JSON) -> None:
        op, data = frame["op"], frame.get("d")
        if op == HEARTBEAT:
            self.heartbeat_count += 1
            await socket.send_json({"op": HEARTBEAT_ACK, "d": None, "s": None})
        elif op == IDENTIFY:
            await self._identify(socket, data)
        elif op == RESUME:
            await self._resume(socket, data)
        elif op == REQUEST_MEMBERS:
            await self._send_member_chunk(data)

    async def _identify(self, socket: web.WebSocketResponse, data: JSON) -> None:
        if data.get("token") != self._token:
            await socket.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        self.identify_count += 1
        old = self.session
        if old is not None and old.socket is not None and not old.socket.closed:
            await old.socket.close(code=CLOSE_UNKNOWN_ERROR)
        self.session = GatewaySession(id=uuid.uuid4().hex)
        self.session.socket = socket
        guilds = self._guilds()
        await self.dispatch("READY", self._ready_payload(guilds))
        for guild in guilds:
            await self.dispatch("GUILD_CREATE", guild.create_payload())

    def _ready_payload(self, guilds: list[FakeGuild]) -> JSON:
        assert self.session is not None
        return {
            "v": 10,
            "user": {**self._bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": self.session.id,
            "resume_gateway_url": self._resume_url(),
            "application": {"id": str(self._application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
        }

    async def _resume(self, socket: web.WebSocketResponse, data: JSON) -> None:
        session = self.session
        if (
            session is None
            or data.get("session_id") != session.id
            or data.get("token") != self._token
        ):
            await socket.send_json({"op": INVALID_SESSION, "d": False, "s": None})
            return
        self.resume_count += 1
        async with session.lock:
            if session.socket is not None and not session.socket.closed:
                await session.socket.close(code=CLOSE_UNKNOWN_ERROR)
            session.socket = socket
            last_seen = data.get("seq") or 0
            for frame in session.frames:
                if frame["s"] > last_seen:
                    await socket.send_json(frame)
        await self.dispatch("RESUMED", {"_trace": ["chainrule-double"]})

    async def _send_member_chunk(self, data: JSON) -> None:
        guild = next((g for g in self._guilds() if str(g.id) == str(data["guild_id"])), None)
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            guild.member_payload(user)
            for user in guild.members.values()
            if not wanted or user.id in wanted
        ]
        chunk = {"guild_id": str(guild.id), "members": members, "chunk_index": 0, "chunk_count": 1}
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send (or, while disconnected, keep for RESUME) one event; returns its sequence."""
        session = self.session
        if session is None:
            raise AssertionError(
                f"no gateway session to dispatch {event} to; is the bot connected?"
            )
        async with session.lock:
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.frames.append(frame)
            if session.socket is not None and not session.socket.closed:
                try:
                    await session.socket.send_json(frame)
                except ConnectionResetError:
                    pass  # kept in frames; the bot gets it on RESUME
            return session.seq

    async def drop(self, code: int = CLOSE_UNKNOWN_ERROR) -> None:
        """Close the bot's socket the way Discord does when it wants a RESUME."""
        session = self.session
        if session is None or session.socket is None:
            raise AssertionError("no gateway connection to drop")
        async with session.lock:
            socket, session.socket = session.socket, None
            await socket.close(code=code, message=b"dropped by test")

    @property
    def connected(self) -> bool:
        session = self.session
        return session is not None and session.socket is not None and not session.socket.closed

    async def close(self) -> None:
        if self.session is not None and self.session.socket is not None:
            await self.session.socket.close(code=1001)
