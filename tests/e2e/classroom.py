"""A classroom for the instructor tests: a guild with roles, commands whose options
name Discord objects, and study data made through the study service.

The double's guilds have no roles, so ``RoledGuild`` adds them: a role a member
holds is sent to the bot in GUILD_CREATE and in each interaction's member, as
Discord does.  Options that name a role, member or channel carry Discord's
``resolved`` objects (``slash_with``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from quizzes.problems.base import Problem
from quizzes.storage.db import Database
from quizzes.storage.models import ItemStateRow
from quizzes.study import ServedItem, StudyService
from tests.e2e.chainrule import answers_with_mistake
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import (
    APPLICATION_COMMAND,
    JSON,
    MEMBER_PERMISSIONS,
    FakeGuild,
    FakeUser,
    command_options,
)
from tests.e2e.records import InteractionRecord, RecordedFile

MANAGE_GUILD = 1 << 5


@dataclass
class RoledGuild(FakeGuild):
    roles: dict[int, str] = field(default_factory=dict)
    member_roles: dict[int, set[int]] = field(default_factory=dict)

    def role_payload(self, role_id: int) -> JSON:
        return {
            "id": str(role_id),
            "name": self.roles[role_id],
            "permissions": str(MEMBER_PERMISSIONS),
            "position": 1,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": True,
            "flags": 0,
        }

    def member_payload(self, user: FakeUser, *, with_permissions: bool = False) -> JSON:
        member = super().member_payload(user, with_permissions=with_permissions)
        member["roles"] = [str(role_id) for role_id in sorted(self.member_roles.get(user.id, ()))]
        return member

    def create_payload(self) -> JSON:
        payload = super().create_payload()
        payload["roles"] += [self.role_payload(role_id) for role_id in self.roles]
        return payload


# ---- driving commands whose options name Discord objects ---------------------------------------
async def slash_with(
    double: DiscordDouble,
    user: FakeUser,
    guild: RoledGuild,
    name: str,
    options: Mapping[str, Any],
    resolved: JSON,
    *,
    subcommand: str | None = None,
) -> InteractionRecord:
    """Like ``double.slash``, with the ``resolved`` objects Discord sends for id options."""
    command = double.synced_command(name, guild)
    assert command is not None, f"/{name} was not synced"
    data: JSON = {"id": command["id"], "name": name, "type": 1, "guild_id": str(guild.id)}
    if subcommand is None:
        data["options"] = command_options(command, options)
    else:
        sub = next(o for o in command["options"] if o["name"] == subcommand)
        data["options"] = [
            {"name": subcommand, "type": 1, "options": command_options(sub, options)}
        ]
    data["resolved"] = resolved
    return await double._dispatch_interaction(user, APPLICATION_COMMAND, data, guild)


def resolved_member(guild: RoledGuild, user: FakeUser) -> JSON:
    member = guild.member_payload(user, with_permissions=True)
    del member["user"]
    return {"users": {str(user.id): user.payload()}, "members": {str(user.id): member}}


def resolved_role(guild: RoledGuild, role_id: int) -> JSON:
    return {"roles": {str(role_id): guild.role_payload(role_id)}}


def resolved_channel(guild: RoledGuild) -> JSON:
    channel = {**guild.channel_payload(), "permissions": str(MEMBER_PERMISSIONS)}
    return {"channels": {str(guild.channel_id): channel}}


async def set_instructor_role(
    double: DiscordDouble, teacher: FakeUser, guild: RoledGuild, role_id: int
) -> JSON:
    record = await slash_with(
        double,
        teacher,
        guild,
        "config",
        {"role": str(role_id)},
        resolved_role(guild, role_id),
        subcommand="instructor-role",
    )
    return await double.wait_for_text(record, "Server settings")


# ---- study data, made through the study service ----------------------------------------------
async def next_served(service: StudyService, user: FakeUser, guild_id: int) -> ServedItem:
    item = await service.next_item(user.id, guild_id=guild_id)
    assert isinstance(item, ServedItem)
    return item


async def grade_card(service: StudyService, user: FakeUser, guild_id: int, knew: bool) -> None:
    item = await next_served(service, user, guild_id)
    assert item.kind == "card"
    await service.submit(user.id, item.attempt_id, {"recall": "knew" if knew else "missed"})


async def answer_with_mistake(
    service: StudyService, user: FakeUser, guild_id: int, code: str
) -> tuple[str, ...]:
    item = await next_served(service, user, guild_id)
    problem = item.problem
    assert isinstance(problem, Problem)
    by_label = answers_with_mistake(problem, code)
    answers = {q.name: by_label[q.label] for q in problem.quantities}
    result = await service.submit(user.id, item.attempt_id, answers)
    assert result.grade is not None and not result.correct
    return result.grade.codes


def attached(message: JSON) -> dict[str, RecordedFile]:
    return {file.filename: file for file in message.get("files", ())}


def database_rows(database: Database, user_ids: set[int]) -> list[dict[str, str]]:
    """The item states of these learners, written as the CSV writes them."""
    with database.read_session() as session:
        rows = session.scalars(
            select(ItemStateRow)
            .where(ItemStateRow.user_id.in_(user_ids))
            .order_by(ItemStateRow.user_id, ItemStateRow.item_id)
        )
        return [
            {
                "user_id": str(row.user_id),
                "item_id": row.item_id,
                "attempts": str(row.reviews),
                "correct": str(row.correct),
                "box": str(row.box),
                "due": row.due.isoformat() if row.due else "",
                "last_review": row.last_review.isoformat() if row.last_review else "",
            }
            for row in rows
        ]


def csv_rows(file: RecordedFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(file.data.decode())))
