"""Discord API v10 objects shaped as Discord sends them, for the API double.

Only the fields discord.py 2.7 reads are filled in, plus the ones a real
payload always carries. Nothing here imports discord.py: the double must
describe Discord, not the library under test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

EPHEMERAL_FLAG = 1 << 6
# VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS | EMBED_LINKS
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31) | (1 << 14) | (1 << 15)
ADMINISTRATOR_PERMISSIONS = (1 << 41) - 1

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
MODAL_SUBMIT = 5

OPTION_TYPE_BY_PYTHON_TYPE = {str: 3, int: 4, bool: 5, float: 10}


class Snowflakes:
    """Increasing snowflake ids; deterministic so failures reproduce."""

    def __init__(self, start: int = 1_300_000_000_000_000_000) -> None:
        self._counter: Iterator[int] = itertools.count(start, 1 << 22)

    def next(self) -> int:
        return next(self._counter)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class FakeUser:
    id: int
    username: str
    bot: bool = False

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeGuild:
    id: int
    name: str
    channel_id: int
    members: dict[int, FakeUser] = field(default_factory=dict)
    permissions: dict[int, int] = field(default_factory=dict)

    def channel_payload(self) -> JSON:
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.id),
            "name": "study",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def member_payload(self, user: FakeUser, *, with_permissions: bool = False) -> JSON:
        member: JSON = {
            "user": user.payload(),
            "roles": [],
            "nick": None,
            "avatar": None,
            "joined_at": "2024-09-01T12:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if with_permissions:
            member["permissions"] = str(self.permissions.get(user.id, MEMBER_PERMISSIONS))
        return member

    def create_payload(self) -> JSON:
        everyone = {
            "id": str(self.id),
            "name": "@everyone",
            "permissions": str(MEMBER_PERMISSIONS),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(next(iter(self.members), self.id)),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [self.channel_payload()],
            "threads": [],
            "members": [self.member_payload(user) for user in self.members.values()],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "verification_level": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "joined_at": "2024-09-01T12:00:00+00:00",
        }


def application_payload(application_id: int) -> JSON:
    """GET /oauth2/applications/@me: discord.py reads it at login."""
    return {
        "id": str(application_id),
        "name": "chainrule",
        "icon": None,
        "description": "Backprop drills by spaced repetition",
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": FakeUser(application_id + 1, "owner").payload(),
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "rpc_origins": [],
    }


def dm_channel_payload(channel_id: int, recipient: FakeUser) -> JSON:
    return {"id": str(channel_id), "type": 1, "recipients": [recipient.payload()]}


def attachment_payload(attachment_id: int, filename: str, size: int, content_type: str) -> JSON:
    url = f"https://cdn.discordapp.invalid/attachments/{attachment_id}/{filename}"
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }


def message_payload(
    message_id: int,
    *,
    channel_id: int,
    author: FakeUser,
    body: Mapping[str, Any],
    attachments: Sequence[JSON] = (),
    guild_id: int | None = None,
    application_id: int | None = None,
) -> JSON:
    """A message as Discord returns it after the bot created it from ``body``."""
    message: JSON = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "author": author.payload(),
        "content": body.get("content") or "",
        "embeds": list(body.get("embeds") or []),
        "components": list(body.get("components") or []),
        "attachments": list(attachments),
        "flags": int(body.get("flags") or 0),
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
    }
    if guild_id is not None:
        message["guild_id"] = str(guild_id)
    if application_id is not None:
        message["application_id"] = str(application_id)
        message["webhook_id"] = str(application_id)
    return message


@dataclass(frozen=True)
class InteractionContext:
    """Where an interaction happens: a guild channel (member) or a DM (user)."""

    application_id: int
    user: FakeUser
    guild: FakeGuild | None
    dm_channel_id: int


def interaction_payload(
    interaction_id: int, token: str, kind: int, data: JSON, where: InteractionContext
) -> JSON:
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(where.application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "app_permissions": str(ADMINISTRATOR_PERMISSIONS),
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if where.guild is not None:
        guild = where.guild
        payload["guild_id"] = str(guild.id)
        payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["channel"] = guild.channel_payload()
        payload["channel_id"] = str(guild.channel_id)
        payload["member"] = guild.member_payload(where.user, with_permissions=True)
        payload["authorizing_integration_owners"] = {"0": str(guild.id)}
        payload["context"] = 0
    else:
        channel = dm_channel_payload(where.dm_channel_id, where.user)
        payload["channel"] = channel
        payload["channel_id"] = channel["id"]
        payload["user"] = where.user.payload()
        payload["authorizing_integration_owners"] = {"0": str(where.application_id)}
        payload["context"] = 1
    return payload


def command_options(command: JSON | None, options: Mapping[str, Any]) -> list[JSON]:
    """Options as Discord sends them, typed from the synced command when known."""
    declared = {opt["name"]: opt for opt in (command or {}).get("options", [])}
    result = []
    for name, value in options.items():
        option_type = declared.get(name, {}).get("type") or OPTION_TYPE_BY_PYTHON_TYPE[type(value)]
        result.append({"name": name, "type": option_type, "value": value})
    return result


def iter_components(components: Sequence[JSON]) -> Iterator[JSON]:
    """Every component, depth first, through action rows, labels and containers."""
    for component in components:
        yield component
        yield from iter_components(component.get("components", []))
        if "component" in component:
            yield from iter_components([component["component"]])
        if "accessory" in component:
            yield from iter_components([component["accessory"]])


def text_inputs(modal: JSON) -> list[JSON]:
    """The modal's text inputs, each with the label the learner reads."""
    found = []
    for component in modal.get("components", []):
        if component.get("type") == 18:  # Label wrapping one component
            inner = dict(component["component"])
            inner.setdefault("label", component.get("label"))
            found.append(inner)
        else:
            found.extend(c for c in iter_components([component]) if c.get("type") == 4)
    return [c for c in found if c.get("type") == 4]


def modal_submit_components(modal: JSON, values: Mapping[str, str]) -> list[JSON]:
    """The submitted components, mirroring the modal's layout as Discord does."""
    submitted = []
    for component in modal.get("components", []):
        if component.get("type") == 18:
            inner = component["component"]
            submitted.append(
                {"type": 18, "id": component.get("id", 0), "component": _submitted(inner, values)}
            )
        elif component.get("type") == 1:
            row = [_submitted(child, values) for child in component["components"]]
            submitted.append({"type": 1, "id": component.get("id", 0), "components": row})
    return submitted


def _submitted(text_input: JSON, values: Mapping[str, str]) -> JSON:
    return {
        "type": text_input["type"],
        "id": text_input.get("id", 0),
        "custom_id": text_input["custom_id"],
        "value": values.get(text_input["custom_id"], ""),
    }
