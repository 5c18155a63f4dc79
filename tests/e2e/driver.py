"""What a test does with the Discord double: act as learners (slash commands,
button clicks, select menus, form submits) and wait for what the bot answers.

    record = await double.slash(ada, "review")
    card = await double.wait_for_reply(record, lambda m: "Show answer" in button_labels(m))
    click = await double.click(ada, card, label="Show answer")
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.e2e.double import DiscordApiDouble
from tests.e2e.payloads import (
    APPLICATION_COMMAND,
    JSON,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    FakeGuild,
    FakeUser,
    InteractionContext,
    command_options,
    interaction_payload,
    iter_components,
    modal_submit_components,
    text_inputs,
)
from tests.e2e.records import Callback, InteractionRecord, is_loading, message_text

MessagePredicate = Callable[[JSON], Any]


class DiscordDouble(DiscordApiDouble):
    # -- acting as a learner ------------------------------------------------------------------

    def synced_command(self, name: str, guild: FakeGuild | None = None) -> JSON | None:
        commands = self.guild_commands.get(guild.id, []) if guild else []
        return next((c for c in [*commands, *self.global_commands] if c["name"] == name), None)

    async def slash(
        self,
        user: FakeUser,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild: FakeGuild | None = None,
        subcommand: str | None = None,
        dm: bool = False,
    ) -> InteractionRecord:
        """A learner runs ``/name`` (in ``guild``, the only guild by default, or a DM)."""
        guild = None if dm else (guild or self._guild_of(user))
        command = self.synced_command(name, guild)
        if command is None:
            raise AssertionError(f"/{name} was never synced; synced: {self._synced_names()}")
        data: JSON = {"id": command["id"], "name": name, "type": 1}
        if subcommand is not None:
            sub = next(o for o in command.get("options", []) if o["name"] == subcommand)
            data["options"] = [
                {"name": subcommand, "type": 1, "options": command_options(sub, options or {})}
            ]
        elif options:
            data["options"] = command_options(command, options)
        if guild is not None:
            data["guild_id"] = str(guild.id)
        return await self._dispatch_interaction(user, APPLICATION_COMMAND, data, guild)

    async def click(
        self,
        user: FakeUser,
        message: JSON,
        *,
        label: str | None = None,
        custom_id: str | None = None,
    ) -> InteractionRecord:
        """``user`` clicks the button with this label (or custom id) on ``message`` as it is now."""
        message = self.current(message)
        button = self._component(message, 2, label=label, custom_id=custom_id)
        if button.get("disabled"):
            raise AssertionError(f"button {button.get('label')!r} is disabled; Discord blocks it")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._component_interaction(user, message, data)

    async def click_custom_id(
        self, user: FakeUser, message: JSON, custom_id: str
    ) -> InteractionRecord:
        """A click carrying ``custom_id`` from ``message``, whether or not it shows that button
        (a component from an older version of the bot, or a forged one)."""
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._component_interaction(user, self.current(message), data)

    async def select(
        self, user: FakeUser, message: JSON, values: Sequence[str], *, custom_id: str | None = None
    ) -> InteractionRecord:
        message = self.current(message)
        menu = self._component(message, 3, custom_id=custom_id)
        offered = {option["value"] for option in menu.get("options", [])}
        if not set(values) <= offered:
            raise AssertionError(f"{values} not among the menu's options {sorted(offered)}")
        data = {"custom_id": menu["custom_id"], "component_type": 3, "values": list(values)}
        return await self._component_interaction(user, message, data)

    async def submit_modal(
        self, user: FakeUser, opened_by: InteractionRecord, values: Mapping[str, str]
    ) -> InteractionRecord:
        """Fill in the form the bot answered ``opened_by`` with; keys are labels or custom ids."""
        modal = await self.wait_until(lambda: opened_by.modal, what=f"a form for {opened_by.id}")
        by_custom_id = self._form_values(modal, values)
        data = {
            "custom_id": modal["custom_id"],
            "components": modal_submit_components(modal, by_custom_id),
        }
        source = self.messages.get(opened_by.source_message_id or -1)
        guild = self.guilds.get(opened_by.guild_id or -1)
        return await self._dispatch_interaction(user, MODAL_SUBMIT, data, guild, source)

    @staticmethod
    def _form_values(modal: JSON, values: Mapping[str, str]) -> dict[str, str]:
        """Map labels to custom ids and refuse what Discord's client would refuse to send."""
        inputs = text_inputs(modal)
        result: dict[str, str] = {}
        for key, value in values.items():
            field = next((i for i in inputs if key in (i.get("custom_id"), i.get("label"))), None)
            if field is None:
                raise AssertionError(
                    f"the form has no field {key!r}; it has "
                    f"{[(i.get('label'), i['custom_id']) for i in inputs]}"
                )
            result[field["custom_id"]] = value
        for field in inputs:
            value = result.get(field["custom_id"], "")
            if field.get("required", True) and not value:
                raise AssertionError(f"required field {field.get('label')!r} left empty")
            if len(value) > field.get("max_length", 4000):
                raise AssertionError(
                    f"{field.get('label')!r} allows {field['max_length']} characters"
                )
        return result

    # -- waiting for the bot ------------------------------------------------------------------

    async def wait_for_callback(
        self, record: InteractionRecord, *, timeout: float = 10.0
    ) -> Callback:
        await self.wait_until(
            lambda: record.callbacks,
            timeout=timeout,
            what=f"the callback of interaction {record.id}",
        )
        return record.callbacks[0]

    async def wait_for_reply(
        self,
        record: InteractionRecord,
        predicate: MessagePredicate = lambda m: True,
        *,
        timeout: float = 10.0,
    ) -> JSON:
        """The first finished message the bot showed in answer to ``record`` that matches."""

        def found() -> JSON | None:
            return next((m for m in record.replies if not is_loading(m) and predicate(m)), None)

        reply: JSON = await self.wait_until(
            found, timeout=timeout, what=f"a reply to interaction {record.id}"
        )
        return reply

    async def wait_for_text(self, record: InteractionRecord, text: str, **kwargs: Any) -> JSON:
        return await self.wait_for_reply(record, lambda m: text in message_text(m), **kwargs)

    def current(self, message: JSON) -> JSON:
        """The message as it is now (after the bot's later edits)."""
        found = self.messages.get(int(message["id"]))
        if found is None:
            raise AssertionError(f"message {message['id']} was deleted")
        return found

    # -- the gateway --------------------------------------------------------------------------

    async def drop_gateway(self) -> None:
        await self.gateway.drop()

    async def wait_for_resume(self, count: int = 1, *, timeout: float = 10.0) -> None:
        await self.wait_until(
            lambda: self.gateway.resume_count >= count and self.gateway.connected,
            timeout=timeout,
            what=f"RESUME number {count}",
        )

    async def wait_for_identify(self, count: int = 1, *, timeout: float = 10.0) -> None:
        await self.wait_until(
            lambda: self.gateway.identify_count >= count,
            timeout=timeout,
            what=f"IDENTIFY number {count}",
        )

    # -- internals ----------------------------------------------------------------------------

    def _guild_of(self, user: FakeUser) -> FakeGuild | None:
        return next((g for g in self.guilds.values() if user.id in g.members), None)

    def _synced_names(self) -> list[str]:
        names = [c["name"] for c in self.global_commands]
        return names + [c["name"] for cs in self.guild_commands.values() for c in cs]

    @staticmethod
    def _component(
        message: JSON, kind: int, *, label: str | None = None, custom_id: str | None = None
    ) -> JSON:
        candidates = [
            c for c in iter_components(message.get("components") or []) if c.get("type") == kind
        ]
        for component in candidates:
            if custom_id is not None and component.get("custom_id") == custom_id:
                return component
            if label is not None and component.get("label") == label:
                return component
            if label is None and custom_id is None:
                return component
        shown = [(c.get("label"), c.get("custom_id")) for c in candidates]
        raise AssertionError(f"no component {label or custom_id!r} on the message; it has {shown}")

    async def _component_interaction(
        self, user: FakeUser, message: JSON, data: JSON
    ) -> InteractionRecord:
        guild = self.guilds.get(int(message.get("guild_id") or -1))
        return await self._dispatch_interaction(user, MESSAGE_COMPONENT, data, guild, message)

    async def _dispatch_interaction(
        self,
        user: FakeUser,
        kind: int,
        data: JSON,
        guild: FakeGuild | None,
        source: JSON | None = None,
    ) -> InteractionRecord:
        where = InteractionContext(self.application_id, user, guild, self.dm_channel_id(user))
        interaction_id, token = self.ids.next(), "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload = interaction_payload(interaction_id, token, kind, data, where)
        if source is not None:
            payload["message"] = self.public_message(source)
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            kind=kind,
            payload=payload,
            user=user,
            guild_id=guild.id if guild else None,
            dispatched_at=time.perf_counter(),
            source_message_id=int(source["id"]) if source is not None else None,
        )
        self.register_interaction(record)
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record
