"""/stats, /config, /export and /forget-me through the Discord double, against chainrule's bot.

The guild here is a ``RoledGuild`` (tests/e2e/classroom.py) with a "Tutors" role.
"""

from __future__ import annotations

import io
import json

import matplotlib.image
import pytest

from bot.client import ChainruleBot
from quizzes.storage.db import Database
from quizzes.storage.models import GuildSettings, Learner
from quizzes.study import StudyService
from tests.e2e.chainrule import SteppingClock, chainrule_running
from tests.e2e.classroom import (
    MANAGE_GUILD,
    RoledGuild,
    answer_with_mistake,
    attached,
    csv_rows,
    database_rows,
    grade_card,
    resolved_channel,
    resolved_member,
    set_instructor_role,
    slash_with,
)
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import MEMBER_PERMISSIONS, FakeUser
from tests.e2e.records import button_labels, buttons, is_ephemeral, message_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REFUSED = "Class statistics are for instructors"
OTHER_GUILD_ID = 4242


@pytest.fixture
def guild(double: DiscordDouble) -> RoledGuild:
    guild = RoledGuild(double.ids.next(), "CS231n study group", channel_id=double.ids.next())
    double.guilds[guild.id] = guild
    guild.roles[double.ids.next()] = "Tutors"
    return guild


@pytest.fixture
def tutors(guild: RoledGuild) -> int:
    [role_id] = guild.roles
    return role_id


@pytest.fixture
def teacher(double: DiscordDouble, guild: RoledGuild) -> FakeUser:
    return double.add_user("teacher", guild=guild, permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)


@pytest.fixture
def assistant(double: DiscordDouble, guild: RoledGuild, tutors: int) -> FakeUser:
    """A teaching assistant: the Tutors role, no Manage Server."""
    user = double.add_user("assistant", guild=guild)
    guild.member_roles[user.id] = {tutors}
    return user


@pytest.fixture
def bob(double: DiscordDouble, guild: RoledGuild) -> FakeUser:
    return double.add_user("bob", guild=guild)


# ---- /stats ----------------------------------------------------------------------------
async def test_stats_is_refused_to_a_plain_member_and_allowed_to_the_instructor_role(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    teacher: FakeUser,
    assistant: FakeUser,
    bob: FakeUser,
    tutors: int,
) -> None:
    synced = double.synced_command("stats", guild)
    assert synced is not None and int(synced["default_member_permissions"]) == MANAGE_GUILD

    refused = await double.wait_for_text(await double.slash(bob, "stats"), REFUSED)
    assert is_ephemeral(refused) and not attached(refused)
    # the role means nothing until /config names it the instructor role
    await double.wait_for_text(await double.slash(assistant, "stats"), REFUSED)

    settings = await set_instructor_role(double, teacher, guild, tutors)
    assert f"<@&{tutors}>" in message_text(settings)

    shown = await double.wait_for_text(await double.slash(assistant, "stats"), "Class statistics")
    assert is_ephemeral(shown)
    assert set(attached(shown)) == {"class-stats.png", "class-stats.csv"}
    await double.wait_for_text(await double.slash(bob, "stats"), REFUSED)


async def test_class_statistics_show_this_guild_only_and_the_csv_equals_the_database(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    teacher: FakeUser,
    ada: FakeUser,
    bob: FakeUser,
    service: StudyService,
    database: Database,
) -> None:
    cyd = double.add_user("cyd", guild=guild)  # a member here, but studies elsewhere
    await grade_card(service, ada, guild.id, knew=True)
    codes = await answer_with_mistake(service, ada, guild.id, "mul-swap")
    assert codes, "the mistake was diagnosed"
    await grade_card(service, bob, guild.id, knew=False)
    await grade_card(service, cyd, OTHER_GUILD_ID, knew=False)
    await answer_with_mistake(service, cyd, OTHER_GUILD_ID, "forgot-upstream")

    shown = await double.wait_for_text(await double.slash(teacher, "stats"), "Class statistics")

    text = message_text(shown)
    assert "**2** learners enrolled" in text and "**2** active" in text
    assert codes[0] in text and "forgot-upstream" not in text
    files = attached(shown)
    table = csv_rows(files["class-stats.csv"])
    assert str(cyd.id) not in text and all(line["user_id"] != str(cyd.id) for line in table)
    plain = [
        {k: v for k, v in line.items() if k != "accuracy" and not k.startswith("skill_")}
        for line in table
    ]
    assert plain == database_rows(database, {ada.id, bob.id})
    assert any(line["skill_forward"] for line in table)  # the learners' skills ride along
    for line in table:
        assert float(line["accuracy"]) == pytest.approx(
            int(line["correct"]) / int(line["attempts"])
        )

    chart = files["class-stats.png"].data
    assert chart.startswith(PNG_SIGNATURE)
    height, width, _ = matplotlib.image.imread(io.BytesIO(chart), format="png").shape
    assert (width, height) == (800, 1000)


async def test_learner_detail_is_limited_to_learners_of_this_guild(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    teacher: FakeUser,
    ada: FakeUser,
    service: StudyService,
) -> None:
    cyd = double.add_user("cyd", guild=guild)
    await grade_card(service, ada, guild.id, knew=True)
    await grade_card(service, cyd, OTHER_GUILD_ID, knew=True)

    record = await slash_with(
        double, teacher, guild, "stats", {"learner": str(ada.id)}, resolved_member(guild, ada)
    )
    detail = await double.wait_for_text(record, "Learner detail")
    assert f"<@{ada.id}>" in message_text(detail) and "**1** reviews" in message_text(detail)
    files = attached(detail)
    assert {line["user_id"] for line in csv_rows(files[f"learner-{ada.id}.csv"])} == {str(ada.id)}
    assert files[f"learner-{ada.id}.png"].data.startswith(PNG_SIGNATURE)

    record = await slash_with(
        double, teacher, guild, "stats", {"learner": str(cyd.id)}, resolved_member(guild, cyd)
    )
    refused = await double.wait_for_text(record, "has not studied in this server")
    assert not attached(refused)


async def test_learner_detail_of_a_member_who_left_still_shows_their_record(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    teacher: FakeUser,
    ada: FakeUser,
    service: StudyService,
) -> None:
    await grade_card(service, ada, guild.id, knew=False)
    del guild.members[ada.id]
    only_user = {"users": {str(ada.id): ada.payload()}}  # Discord resolves no member for them

    record = await slash_with(double, teacher, guild, "stats", {"learner": str(ada.id)}, only_user)

    detail = await double.wait_for_text(record, "Learner detail")
    assert "**1** reviews" in message_text(detail)


async def test_a_large_class_still_fits_in_one_reply(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    teacher: FakeUser,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    learners = [double.add_user(f"learner{n}", guild=guild) for n in range(40)]
    for learner in learners:
        await grade_card(service, learner, guild.id, knew=False)
    clock.advance(days=5)  # every card is now days overdue

    shown = await double.wait_for_text(await double.slash(teacher, "stats"), "Class statistics")

    text = message_text(shown)
    assert "**40** learners enrolled · **40** active" in text
    assert "30 more (see the CSV)" in text
    assert len(csv_rows(attached(shown)["class-stats.csv"])) == 40


# ---- /config -----------------------------------------------------------------------------
async def test_config_is_for_server_managers_and_saves_each_setting(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    teacher: FakeUser,
    assistant: FakeUser,
    tutors: int,
    database: Database,
) -> None:
    synced = double.synced_command("config", guild)
    assert synced is not None and int(synced["default_member_permissions"]) == MANAGE_GUILD
    assert {o["name"] for o in synced["options"]} == {
        "instructor-role",
        "reminder-channel",
        "reminder-time",
    }
    # the instructor role does not make a member a server manager
    denied = await double.slash(assistant, "config", {"time": "18:30"}, subcommand="reminder-time")
    await double.wait_for_text(denied, "Only members with Manage Server")

    await set_instructor_role(double, teacher, guild, tutors)
    timed = await double.slash(teacher, "config", {"time": "7:05"}, subcommand="reminder-time")
    assert "07:05" in message_text(await double.wait_for_text(timed, "Server settings"))
    bad = await double.slash(teacher, "config", {"time": "25:00"}, subcommand="reminder-time")
    await double.wait_for_text(bad, "is not a time")
    channel = await slash_with(
        double,
        teacher,
        guild,
        "config",
        {"channel": str(guild.channel_id)},
        resolved_channel(guild),
        subcommand="reminder-channel",
    )
    assert f"<#{guild.channel_id}>" in message_text(
        await double.wait_for_text(channel, "Server settings")
    )
    with database.read_session() as session:
        stored = session.get(GuildSettings, guild.id)
        assert stored is not None
        assert (stored.instructor_role_id, stored.reminder_channel_id) == (tutors, guild.channel_id)
        assert stored.default_reminder_time == "07:05"

    cleared = await double.slash(teacher, "config", {"clear": True}, subcommand="reminder-channel")
    assert "not set" in message_text(await double.wait_for_text(cleared, "Server settings"))
    with database.read_session() as session:
        stored = session.get(GuildSettings, guild.id)
        assert stored is not None and stored.reminder_channel_id is None
        assert stored.instructor_role_id == tutors


# ---- /export and /forget-me ------------------------------------------------------------
async def test_export_sends_the_learner_their_own_data_only(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    ada: FakeUser,
    bob: FakeUser,
    service: StudyService,
) -> None:
    await grade_card(service, ada, guild.id, knew=True)
    await grade_card(service, bob, guild.id, knew=False)

    export = await double.wait_for_text(await double.slash(ada, "export"), "stores about you")
    assert is_ephemeral(export)
    [file] = attached(export).values()
    assert file.filename == f"chainrule-export-{ada.id}.json"
    data = json.loads(file.data)
    assert data["user_id"] == ada.id and data["learner"]["user_id"] == ada.id
    assert [review["correct"] for review in data["reviews"]] == [True]
    assert str(bob.id) not in file.data.decode()

    newcomer = double.add_user("newcomer", guild=guild)
    nothing = await double.wait_for_text(await double.slash(newcomer, "export"), "store nothing")
    assert not attached(nothing)


async def test_forget_me_deletes_only_after_its_owner_confirms(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    ada: FakeUser,
    bob: FakeUser,
    service: StudyService,
    database: Database,
) -> None:
    await grade_card(service, ada, guild.id, knew=True)
    await grade_card(service, bob, guild.id, knew=True)

    asked = await double.wait_for_reply(await double.slash(ada, "forget-me"), buttons)
    assert is_ephemeral(asked) and button_labels(asked) == ["Delete my data", "Cancel"]
    intruder = await double.click(bob, asked, label="Delete my data")
    await double.wait_for_text(intruder, "belong to someone else")
    cancelled = await double.click(ada, asked, label="Cancel")
    await double.wait_for_text(cancelled, "nothing was deleted")
    assert all(button.get("disabled") for button in buttons(double.current(asked)))
    assert (await service.export_learner(ada.id))["learner"] is not None

    asked = await double.wait_for_reply(await double.slash(ada, "forget-me"), buttons)
    confirmed = await double.click(ada, asked, label="Delete my data")
    await double.wait_for_text(confirmed, "Done")
    assert all(button.get("disabled") for button in buttons(double.current(asked)))
    with database.read_session() as session:
        assert session.get(Learner, ada.id) is None
        assert session.get(Learner, bob.id) is not None
    exported = await service.export_learner(ada.id)
    assert exported["learner"] is None and exported["reviews"] == []


async def test_forget_me_buttons_disable_themselves_when_they_time_out(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: RoledGuild,
    ada: FakeUser,
    service: StudyService,
) -> None:
    await grade_card(service, ada, guild.id, knew=True)
    cog = chainrule.get_cog("PrivacyCog")
    assert cog is not None
    cog.confirm_timeout = 0.2  # type: ignore[attr-defined]

    asked = await double.wait_for_reply(await double.slash(ada, "forget-me"), buttons)
    await double.wait_until(
        lambda: "Timed out" in message_text(double.current(asked)), what="the timeout edit"
    )
    assert all(button.get("disabled") for button in buttons(double.current(asked)))
    assert (await service.export_learner(ada.id))["learner"] is not None


async def test_a_forget_me_confirmation_from_before_a_restart_expires_and_deletes_nothing(
    double: DiscordDouble,
    guild: RoledGuild,
    ada: FakeUser,
    service: StudyService,
) -> None:
    await grade_card(service, ada, guild.id, knew=True)
    async with chainrule_running(double, guild, service):
        asked = await double.wait_for_reply(await double.slash(ada, "forget-me"), buttons)
    async with chainrule_running(double, guild, service):
        stale = await double.click(ada, asked, label="Delete my data")
        reply = await double.wait_for_reply(stale)
        assert "expired" in reply["content"] and "/forget-me" in reply["content"]
        assert is_ephemeral(reply)
    assert (await service.export_learner(ada.id))["learner"] is not None
