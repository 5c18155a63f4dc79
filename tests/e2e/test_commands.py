"""Start-up, /practice, /progress, /undo, /timezone and the error path, via the Discord double."""

from __future__ import annotations

import logging

from bot.client import ChainruleBot
from quizzes.problems import FAMILIES
from quizzes.study import StudyService
from tests.e2e.chainrule import (
    SteppingClock,
    chainrule_running,
    grade_first_card,
    make_service,
    review_rows,
    right_answers,
    served_problem,
    showing,
    study_deck,
)
from tests.e2e.driver import DiscordDouble
from tests.e2e.harness import ErrorLogGuard
from tests.e2e.payloads import FakeGuild, FakeUser
from tests.e2e.records import CALLBACK_AUTOCOMPLETE, is_ephemeral, message_text

COMMANDS = {"review", "practice", "progress", "undo", "timezone"}
AUTOCOMPLETE = 4  # the interaction type Discord sends while a learner types an option


async def test_start_up_logs_in_and_syncs_the_commands_to_the_dev_guild(
    double: DiscordDouble, chainrule: ChainruleBot, guild: FakeGuild
) -> None:
    assert [r.path for r in double.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert double.gateway.identify_count == 1 and double.global_commands == []
    synced = {command["name"]: command for command in double.guild_commands[guild.id]}
    assert COMMANDS <= set(synced)
    [family] = synced["practice"]["options"]
    assert family["name"] == "family" and family.get("required", False) is False
    assert {choice["value"] for choice in family["choices"]} == set(FAMILIES)
    for command in synced.values():
        assert 1 <= len(command["description"]) <= 100
        assert command["name"] == command["name"].lower() and len(command["name"]) <= 32


async def test_practice_grades_without_moving_any_box(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    practice = await double.slash(ada, "practice", {"family": "gate-patterns"})
    question = await double.wait_for_reply(practice, showing("Answer"))
    assert is_ephemeral(question)
    problem = await served_problem(service, ada)
    assert problem.family == "gate-patterns"

    opened = await double.click(ada, question, label="Answer")
    submitted = await double.submit_modal(ada, opened, right_answers(problem))
    result = await double.wait_for_reply(submitted, showing("Another one", "Done"))
    assert "your boxes did not move" in message_text(result)

    exported = await service.export_learner(ada.id)
    assert review_rows(exported) == [("gate-patterns", True, ())]
    assert [r["practice"] for r in exported["reviews"]] == [True]
    assert exported["item_states"] == []


async def test_progress_shows_the_learners_own_record(
    double: DiscordDouble, chainrule: ChainruleBot, guild: FakeGuild, ada: FakeUser
) -> None:
    graded = await grade_first_card(double, ada, "Knew it")
    rollover = "Review days roll over at 04:00 in your time zone"
    assert rollover in message_text(graded)  # where "due again" names an early hour
    progress = await double.slash(ada, "progress")
    mine = await double.wait_for_text(progress, "Your progress")
    assert is_ephemeral(mine)
    assert rollover in mine["embeds"][0]["footer"]["text"]
    assert "reviews: 1" in message_text(mine) and "accuracy: 100%" in message_text(mine)

    bob = double.add_user("bob", guild=guild)
    theirs = await double.wait_for_text(await double.slash(bob, "progress"), "Your progress")
    assert "reviews: 0" in message_text(theirs)


async def test_undo_takes_back_the_last_answer_within_ten_minutes(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    service: StudyService,
    clock: SteppingClock,
) -> None:
    [card] = study_deck().cards
    await grade_first_card(double, ada, "Missed it")
    clock.advance(minutes=9)
    undone = await double.wait_for_text(await double.slash(ada, "undo"), "Undid your answer")
    said = message_text(undone)
    assert card.id not in said and is_ephemeral(undone)  # named by its front, not its id
    assert "the card “" + " ".join(card.front.split())[:40] in said
    exported = await service.export_learner(ada.id)
    assert [r["undone"] for r in exported["reviews"]] == [True]
    assert exported["item_states"] == []  # a card met for the first time is new again

    nothing = await double.slash(ada, "undo")
    await double.wait_for_text(nothing, "no answer from the last 10 minutes")

    await grade_first_card(double, ada, "Knew it")
    clock.advance(minutes=11)
    too_late = await double.slash(ada, "undo")
    await double.wait_for_text(too_late, "no answer from the last 10 minutes")
    assert [r["undone"] for r in (await service.export_learner(ada.id))["reviews"]] == [
        True,
        False,
    ]


async def test_an_unexpected_failure_is_logged_with_an_id_the_learner_sees(
    double: DiscordDouble,
    guild: FakeGuild,
    ada: FakeUser,
    database: object,
    clock: SteppingClock,
    error_logs: ErrorLogGuard,
) -> None:
    broken = make_service(database, clock)
    await broken.close()  # its worker threads are gone: every call now fails
    error_logs.allow(lambda record: record.name == "bot.errors")
    async with chainrule_running(double, guild, broken):
        progress = await double.slash(ada, "progress")
        reply = await double.wait_for_text(progress, "error id")
    [logged] = [r for r in error_logs.records if r.levelno == logging.ERROR]
    error_id = logged.args[0] if isinstance(logged.args, tuple) else None
    assert error_id and f"`{error_id}`" in message_text(reply)
    assert is_ephemeral(reply) and "Traceback" not in message_text(reply)


async def test_timezone_sets_the_zone_and_then_shows_it_without_turning_reminders_on(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    chosen = await double.slash(ada, "timezone", {"zone": "europe/paris"})
    stored = await double.wait_for_text(chosen, "Time zone set: Europe/Paris")
    assert is_ephemeral(stored)
    assert await service.timezone(ada.id) == "Europe/Paris"

    shown = await double.wait_for_text(await double.slash(ada, "timezone"), "Your time zone")
    text = message_text(shown)
    assert is_ephemeral(shown) and "Europe/Paris" in text
    assert all(part in text for part in ("due days", "streak", "reminder time"))

    reminders = await double.wait_for_reply(await double.slash(ada, "remind"))
    assert "Reminders are off" in message_text(reminders)


async def test_an_unknown_zone_gets_a_private_explanation_and_changes_nothing(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    refused = await double.slash(ada, "timezone", {"zone": "Mars/Olympus"})
    reply = await double.wait_for_text(refused, "not a time zone I know")
    text = message_text(reply)
    assert is_ephemeral(reply) and "Europe/Paris" in text and "error id" not in text
    assert await service.timezone(ada.id) == "UTC"


async def test_the_zone_option_autocompletes_like_reminds(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, guild: FakeGuild
) -> None:
    command = double.synced_command("timezone", guild)
    assert command is not None
    typed = {"name": "zone", "type": 3, "value": "new_y", "focused": True}
    data = {"id": command["id"], "name": "timezone", "type": 1, "options": [typed]}
    data["guild_id"] = str(guild.id)
    record = await double._dispatch_interaction(ada, AUTOCOMPLETE, data, guild)
    callback = await double.wait_for_callback(record)
    assert callback.type == CALLBACK_AUTOCOMPLETE
    assert callback.data["choices"][0] == {
        "name": "America/New_York",
        "value": "America/New_York",
    }
