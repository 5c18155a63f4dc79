"""A Discord API double: an aiohttp server on 127.0.0.1 speaking what chainrule's
bot uses of Discord's REST API v10 and gateway, so the real discord.py client
can be tested end to end without the internet.

It records every request, enforces Discord's message limits and its
one-callback-per-interaction rule, and injects faults on demand (``fail``). It can
also hold back the HTTP answer to a request it has carried out (``hold``), so a
test can click what the bot just showed while the bot is still waiting for that
answer, as happens under load. Tests drive it through ``DiscordDriver``
(tests/e2e/driver.py), which this class extends.
"""

from __future__ import annotations

import asyncio
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.e2e.gateway import GatewayServer
from tests.e2e.interactions_api import (
    DoubleError,
    InteractionRoutes,
    error_response,
    json_response,
    read_request_body,
)
from tests.e2e.payloads import (
    JSON,
    FakeGuild,
    FakeUser,
    Snowflakes,
    application_payload,
    dm_channel_payload,
)
from tests.e2e.records import (
    Fault,
    HeldAnswer,
    InteractionRecord,
    RecordedFile,
    RecordedRequest,
)

API_PREFIX = "/api/v10"
FAKE_TOKEN = "double-token.for-tests-only"  # noqa: S105 - only the double accepts it
Handler = Callable[[web.Request, "ParsedRequest"], Awaitable[web.Response]]


class ParsedRequest:
    def __init__(
        self,
        path: str,
        match: re.Match[str],
        body: Any,
        files: tuple[RecordedFile, ...],
        arrived: float,
    ) -> None:
        self.path = path
        self.match = match
        self.json = body
        self.files = files
        self.arrived = arrived
        self.touched: list[InteractionRecord] = []  # whose changes to show once answered


class DiscordApiDouble(InteractionRoutes):
    def __init__(self, *, token: str = FAKE_TOKEN, reaction_time: float = 0.02) -> None:
        """``reaction_time``: seconds between the bot's reply and a test seeing it."""
        self.token = token
        self.reaction_time = reaction_time
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot_user = FakeUser(self.ids.next(), "chainrule", bot=True)
        self.guilds: dict[int, FakeGuild] = {}
        self.users: dict[int, FakeUser] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.messages: dict[int, JSON] = {}
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.holds: list[HeldAnswer] = []
        self.errors: list[str] = []  # the double's own failures and Discord rule violations
        self._change = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.gateway = GatewayServer(
            token=token,
            application_id=self.application_id,
            bot_user=self.bot_user,
            guilds=lambda: list(self.guilds.values()),
            resume_url=lambda: f"ws://127.0.0.1:{self.port}/gateway-resume",
            on_change=self._notify,
        )
        super().__init__()
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self._add_rest_routes()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def rest_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for held in self.holds:
            held.release()
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- world set-up ----------------------------------------------------------------------

    def add_guild(self, name: str = "CS231n study group") -> FakeGuild:
        guild = FakeGuild(self.ids.next(), name, channel_id=self.ids.next())
        self.guilds[guild.id] = guild
        return guild

    def add_user(
        self, username: str, *, guild: FakeGuild | None = None, permissions: int | None = None
    ) -> FakeUser:
        user = FakeUser(self.ids.next(), username)
        self.users[user.id] = user
        if guild is not None:
            guild.members[user.id] = user
            if permissions is not None:
                guild.permissions[user.id] = permissions
        return user

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        code: int | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` (429, 500, 403...)."""
        if code is None:
            code = 50007 if status == 403 else 0
        fault = Fault(method, re.compile(path_regex), status, times, retry_after, code)
        self.faults.append(fault)
        return fault

    def hold(self, method: str, path_regex: str) -> HeldAnswer:
        """Hold back the HTTP answer to the next matching request until ``release()``
        (the request itself is carried out, and its effect shown, at once)."""
        held = HeldAnswer(method, re.compile(path_regex))
        self.holds.append(held)
        return held

    # -- recording and waiting -------------------------------------------------------------

    def _notify(self) -> None:
        self._change.set()
        self._change = asyncio.Event()

    failure_probe: Callable[[], str | None] | None = None

    async def wait_until(
        self, predicate: Callable[[], Any], *, timeout: float = 10.0, what: str = "a condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return it; fail fast on bot errors."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            problem = self.failure_probe() if self.failure_probe else None
            if problem:
                raise AssertionError(
                    f"while waiting for {what}, the bot logged an error:\n{problem}"
                )
            if self.errors:
                raise AssertionError(
                    "the Discord double rejected a request:\n" + "\n".join(self.errors)
                )
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out waiting for {what}; last requests:\n{self.summary()}"
                )
            try:
                await asyncio.wait_for(self._change.wait(), timeout=min(remaining, 0.25))
            except TimeoutError:
                pass

    def summary(self, last: int = 15) -> str:
        return "\n".join(f"  {r.status} {r.method} {r.path}" for r in self.requests[-last:])

    async def wait_for_request(
        self,
        method: str,
        path_regex: str,
        predicate: Callable[[RecordedRequest], bool] = lambda r: True,
        *,
        timeout: float = 10.0,
    ) -> RecordedRequest:
        pattern = re.compile(path_regex)

        def found() -> RecordedRequest | None:
            return next(
                (
                    r
                    for r in self.requests
                    if r.method == method and pattern.search(r.path) and predicate(r)
                ),
                None,
            )

        result: RecordedRequest = await self.wait_until(
            found, timeout=timeout, what=f"{method} {path_regex}"
        )
        return result

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.search(r.path)]

    # -- REST dispatching ------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler, auth))

    async def _serve(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        path = "/" + request.match_info["tail"]
        touched: list[InteractionRecord] = []
        try:
            body, files = await read_request_body(request)
            response = await self._answer(request, path, body, files, arrived, touched)
        except DoubleError as exc:
            body, files = None, ()
            response = error_response(400, 0, f"Discord double: {exc}")
        except Exception:  # the double's own bug: 400, so discord.py does not retry slowly
            body, files = None, ()
            self.errors.append(traceback.format_exc())
            response = error_response(400, 0, "Discord double crashed; see test output")
        self.requests.append(
            RecordedRequest(
                request.method, path, dict(request.query), body, files, response.status, arrived
            )
        )
        held = next((h for h in self.holds if h.matches(request.method, path)), None)
        if held is not None:
            self._answered(touched, time.perf_counter())  # shown now, answered later
            self._deliver(touched)
            touched = []
            held.reached.set()
            await held.released.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the bot gave up waiting: nobody to answer
        await response.prepare(request)
        await response.write_eof()
        if touched:
            self._answered(touched, time.perf_counter())
            asyncio.get_running_loop().call_later(self.reaction_time, self._deliver, touched)
        self._notify()
        return response

    @staticmethod
    def _answered(records: list[InteractionRecord], sent_at: float) -> None:
        for record in records:
            record.answered(sent_at)

    def _deliver(self, records: list[InteractionRecord]) -> None:
        for record in records:
            record.deliver()
        self._notify()

    async def _answer(
        self,
        request: web.Request,
        path: str,
        body: Any,
        files: tuple[RecordedFile, ...],
        arrived: float,
        touched: list[InteractionRecord],
    ) -> web.Response:
        for fault in self.faults:
            if fault.matches(request.method, path):
                fault.hits += 1
                headers = {"Via": "1.1 google"} if fault.status == 429 else None
                return json_response(fault.body(), status=fault.status, headers=headers)
        for method, pattern, handler, auth in self._routes:
            match = pattern.match(path)
            if method != request.method or match is None:
                continue
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return error_response(401, 0, "401: Unauthorized")
            parsed = ParsedRequest(path, match, body, files, arrived)
            parsed.touched = touched
            return await handler(request, parsed)
        self.errors.append(f"the double does not implement {request.method} {path}")
        return error_response(400, 0, f"Discord double does not implement {request.method} {path}")

    # -- REST routes: identity, commands, channels -----------------------------------------

    def _add_rest_routes(self) -> None:
        app = r"(?P<app>\d+)"
        self.route("GET", "/users/@me", self._get_me)
        self.route("GET", "/oauth2/applications/@me", self._get_application)
        self.route("GET", "/applications/@me", self._get_application)
        self.route("GET", "/gateway", self._get_gateway, auth=False)
        self.route("GET", "/gateway/bot", self._get_gateway)
        self.route("PUT", f"/applications/{app}/commands", self._put_commands)
        self.route("GET", f"/applications/{app}/commands", self._get_commands)
        self.route(
            "PUT", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._put_commands
        )
        self.route(
            "GET", rf"/applications/{app}/guilds/(?P<guild>\d+)/commands", self._get_commands
        )
        self.route("POST", "/users/@me/channels", self._open_dm)
        self.route("POST", r"/channels/(?P<channel>\d+)/messages", self._post_channel_message)
        self.add_interaction_routes()

    async def _get_me(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        return json_response({**self.bot_user.payload(), "verified": True, "mfa_enabled": False})

    async def _get_application(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        return json_response(application_payload(self.application_id))

    async def _get_gateway(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    def _check_app(self, parsed: ParsedRequest) -> None:
        if int(parsed.match["app"]) != self.application_id:
            raise DoubleError(f"unknown application id {parsed.match['app']}")

    async def _put_commands(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        self._check_app(parsed)
        guild_id = parsed.match.groupdict().get("guild")
        if guild_id is not None and int(guild_id) not in self.guilds:
            return error_response(403, 50001, "Missing Access")
        stored = [
            {
                **command,
                "id": str(self.ids.next()),
                "application_id": str(self.application_id),
                "version": str(self.ids.next()),
                **({"guild_id": guild_id} if guild_id else {}),
            }
            for command in parsed.json
        ]
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[int(guild_id)] = stored
        return json_response(stored)

    async def _get_commands(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        self._check_app(parsed)
        guild_id = parsed.match.groupdict().get("guild")
        if guild_id is None:
            return json_response(self.global_commands)
        return json_response(self.guild_commands.get(int(guild_id), []))

    def dm_channel_id(self, user: FakeUser) -> int:
        return self.dm_channels.setdefault(user.id, self.ids.next())

    async def _open_dm(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        user = self.users.get(int(parsed.json["recipient_id"]))
        if user is None:
            return error_response(400, 50033, "Invalid Recipient(s)")
        return json_response(dm_channel_payload(self.dm_channel_id(user), user))

    async def _post_channel_message(
        self, request: web.Request, parsed: ParsedRequest
    ) -> web.Response:
        channel_id = int(parsed.match["channel"])
        guild = next((g for g in self.guilds.values() if g.channel_id == channel_id), None)
        if guild is None and channel_id not in self.dm_channels.values():
            return error_response(404, 10003, "Unknown Channel")
        rejected = self.reject_invalid_message(parsed.json)
        if rejected is not None:
            return rejected
        message = self.create_message(
            channel_id, parsed.json, parsed.files, guild_id=guild.id if guild else None
        )
        return json_response(message)

    def channel_messages(self, channel_id: int) -> list[JSON]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]
