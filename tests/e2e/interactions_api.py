"""The double's interaction endpoints: the callback (``?with_response=1``, as
discord.py 2.7 calls it), webhook follow-ups and original-response edits.

Discord's rules that catch real bugs are enforced: one callback per
interaction (40060), no follow-up before the acknowledgement, message limits.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from tests.e2e.limits import message_problems, modal_problems
from tests.e2e.payloads import (
    EPHEMERAL_FLAG,
    JSON,
    FakeUser,
    Snowflakes,
    attachment_payload,
    message_payload,
)
from tests.e2e.records import (
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    LOADING_FLAG,
    Callback,
    InteractionRecord,
    RecordedFile,
)

if TYPE_CHECKING:
    from tests.e2e.double import ParsedRequest

MESSAGE_FIELDS = ("content", "embeds", "components", "flags")


class DoubleError(Exception):
    """The double was asked something it cannot answer: reported as 400, never 5xx."""


class InteractionRoutes:
    """Mixed into DiscordApiDouble; relies on its ids, messages and route()."""

    if TYPE_CHECKING:
        ids: Snowflakes
        application_id: int
        bot_user: FakeUser
        messages: dict[int, JSON]
        errors: list[str]

        def route(self, method: str, pattern: str, handler: Any, *, auth: bool = True) -> None: ...

    def __init__(self) -> None:
        self.interactions: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}

    def add_interaction_routes(self) -> None:
        hook = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
        self.route(
            "POST",
            r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback",
            self._callback,
            auth=False,
        )
        self.route("POST", hook, self._followup, auth=False)
        for method, handler in (
            ("GET", self._get_message),
            ("PATCH", self._edit_message),
            ("DELETE", self._delete_message),
        ):
            self.route(
                method,
                hook + r"/messages/(?P<message>@original|\d+)",
                handler,
                auth=False,
            )

    def register_interaction(self, record: InteractionRecord) -> None:
        self.interactions[record.id] = record
        self._by_token[record.token] = record

    # -- messages ----------------------------------------------------------------------------

    def reject_invalid_message(self, body: JSON | None) -> web.Response | None:
        problems = message_problems(body)
        if not problems:
            return None
        self.errors.append("message breaks Discord's limits: " + "; ".join(problems))
        return _invalid_form_body(problems)

    def create_message(
        self,
        channel_id: int,
        body: JSON | None,
        files: tuple[RecordedFile, ...],
        *,
        guild_id: int | None,
        flags: int = 0,
    ) -> JSON:
        body = dict(body or {})
        body["flags"] = int(body.get("flags") or 0) | flags
        message_id = self.ids.next()
        message = message_payload(
            message_id,
            channel_id=channel_id,
            author=self.bot_user,
            body=body,
            attachments=self._attachments(files),
            guild_id=guild_id,
            application_id=self.application_id,
        )
        message["files"] = files  # kept for tests; not part of Discord's JSON
        self.messages[message_id] = message
        return message

    def _attachments(self, files: tuple[RecordedFile, ...]) -> list[JSON]:
        return [
            attachment_payload(self.ids.next(), f.filename, len(f.data), f.content_type)
            for f in files
        ]

    def update_message(
        self, message: JSON, body: JSON | None, files: tuple[RecordedFile, ...]
    ) -> JSON:
        body = body or {}
        for key in MESSAGE_FIELDS:
            if key in body:
                message[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in body:
            message["flags"] = int(body["flags"] or 0)
        else:
            message["flags"] = int(message.get("flags") or 0) & ~LOADING_FLAG
        if "attachments" in body:  # the attachments to keep, by id; new files come on top
            kept_ids = {str(a.get("id")) for a in body["attachments"] if "id" in a}
            kept = [
                (attachment, file)
                for attachment, file in zip(message["attachments"], message["files"], strict=True)
                if attachment["id"] in kept_ids
            ]
            message["attachments"] = [attachment for attachment, _ in kept]
            message["files"] = tuple(file for _, file in kept)
        if files:
            message["attachments"] = message["attachments"] + self._attachments(files)
            message["files"] = tuple(message.get("files", ())) + files
        message["edited_timestamp"] = message["timestamp"]
        return message

    def public_message(self, message: JSON) -> JSON:
        return {k: v for k, v in message.items() if k != "files"}

    # -- the callback -----------------------------------------------------------------------

    async def _callback(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        record = self.interactions.get(int(parsed.match["id"]))
        if record is None or record.token != parsed.match["token"]:
            return error_response(404, 10062, "Unknown interaction")
        if record.acknowledged:
            self.errors.append(f"interaction {record.id} answered twice")
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        kind, data = parsed.json["type"], parsed.json.get("data") or {}
        problems = modal_problems(data) if kind == CALLBACK_MODAL else message_problems(data)
        if problems:
            self.errors.append(f"callback {kind} breaks Discord's limits: {problems}")
            return _invalid_form_body(problems)
        record.add_callback(Callback(kind, data, parsed.files, parsed.arrived))
        parsed.touched.append(record)
        message = self._apply_callback(record, kind, data, parsed.files)
        interaction: JSON = {
            "id": str(record.id),
            "type": record.kind,
            "response_message_loading": kind == CALLBACK_DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL_FLAG),
        }
        resource: JSON = {"type": kind}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            resource["message"] = self.public_message(message)
        return json_response({"interaction": interaction, "resource": resource})

    def _apply_callback(
        self, record: InteractionRecord, kind: int, data: JSON, files: tuple[RecordedFile, ...]
    ) -> JSON | None:
        if kind in (CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE):
            loading = LOADING_FLAG if kind == CALLBACK_DEFERRED_MESSAGE else 0
            message = self.create_message(
                int(record.payload["channel_id"]),
                data,
                files,
                guild_id=record.guild_id,
                flags=loading,
            )
            record.original_message_id = int(message["id"])
            if not loading:
                record.remember_reply(message)
            return message
        if kind in (CALLBACK_UPDATE_MESSAGE, CALLBACK_DEFERRED_UPDATE):
            if record.source_message_id is None:
                raise ValueError(f"callback type {kind} is only valid for a component or modal")
            record.original_message_id = record.source_message_id
            message = self.messages[record.source_message_id]
            if kind == CALLBACK_UPDATE_MESSAGE:
                self.update_message(message, data, files)
                record.remember_reply(message)
            return message
        return None

    # -- webhooks: follow-ups and the original response -------------------------------------

    def _record_for(self, parsed: ParsedRequest) -> InteractionRecord | None:
        record = self._by_token.get(parsed.match["token"])
        if record is None or int(parsed.match["app"]) != self.application_id:
            return None
        parsed.touched.append(record)
        return record if record.acknowledged else None

    async def _followup(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        record = self._record_for(parsed)
        if record is None:
            return error_response(404, 10015, "Unknown Webhook")
        rejected = self.reject_invalid_message(parsed.json)
        if rejected is not None:
            return rejected
        message = self.create_message(
            int(record.payload["channel_id"]), parsed.json, parsed.files, guild_id=record.guild_id
        )
        record.followup_ids.append(int(message["id"]))
        record.remember_reply(message)
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(self.public_message(message))
        return web.Response(status=204)

    def _target(self, record: InteractionRecord, parsed: ParsedRequest) -> JSON | None:
        wanted = parsed.match["message"]
        if wanted == "@original":
            message_id = record.original_message_id
        else:
            message_id = int(wanted)
            if message_id not in (record.original_message_id, *record.followup_ids):
                return None
        return self.messages.get(message_id) if message_id is not None else None

    async def _get_message(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        record = self._record_for(parsed)
        message = self._target(record, parsed) if record else None
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        return json_response(self.public_message(message))

    async def _edit_message(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        record = self._record_for(parsed)
        message = self._target(record, parsed) if record else None
        if record is None or message is None:
            return error_response(404, 10008, "Unknown Message")
        rejected = self.reject_invalid_message(parsed.json)
        if rejected is not None:
            return rejected
        self.update_message(message, parsed.json, parsed.files)
        record.remember_reply(message)
        return json_response(self.public_message(message))

    async def _delete_message(self, request: web.Request, parsed: ParsedRequest) -> web.Response:
        record = self._record_for(parsed)
        message = self._target(record, parsed) if record else None
        if message is None:
            return error_response(404, 10008, "Unknown Message")
        del self.messages[int(message["id"])]
        return web.Response(status=204)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # Exactly application/json: with "; charset=utf-8" discord.py reads the body as text.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


def error_response(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status)


def _invalid_form_body(problems: list[str]) -> web.Response:
    return json_response({"message": "Invalid Form Body", "code": 50035, "errors": problems}, 400)


async def read_request_body(request: web.Request) -> tuple[Any, tuple[RecordedFile, ...]]:
    """A request's JSON body (or multipart payload_json) and its attached files."""
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                raise DoubleError("nested multipart bodies are not supported")
            name = part.name or ""
            data = await part.read()
            if name == "payload_json":
                body = json.loads(data)
            else:
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                files.append(RecordedFile(name, part.filename or name, content_type, bytes(data)))
        return body, tuple(files)
    if request.can_read_body:
        raw = await request.read()
        return (json.loads(raw) if raw else None), ()
    return None, ()
