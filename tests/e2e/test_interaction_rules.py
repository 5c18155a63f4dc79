"""Who may click what, and when: owners only, stale buttons after a restart, double clicks."""

from __future__ import annotations

from bot.client import ChainruleBot
from bot.components import UNKNOWN_COMPONENT
from bot.errors import EXPIRED, NOT_YOUR_SESSION
from quizzes.study import StudyService
from tests.e2e.chainrule import (
    chainrule_running,
    review_rows,
    right_answers,
    served_problem,
    showing,
    start_review,
    study_deck,
)
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import FakeGuild, FakeUser, iter_components
from tests.e2e.records import (
    CALLBACK_MODAL,
    button_labels,
    is_ephemeral,
    message_text,
)


async def test_another_learner_clicking_gets_a_private_refusal_and_changes_nothing(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: FakeGuild,
    ada: FakeUser,
    service: StudyService,
) -> None:
    bob = double.add_user("bob", guild=guild)
    front = await start_review(double, ada)

    intruder = await double.click(bob, front, label="Show answer")
    refusal = await double.wait_for_reply(intruder)
    assert refusal["content"] == NOT_YOUR_SESSION and is_ephemeral(refusal)
    assert double.current(front)["embeds"] == front["embeds"]

    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))
    intruder = await double.click(bob, back, label="Knew it")
    await double.wait_for_text(intruder, NOT_YOUR_SESSION)
    assert review_rows(await service.export_learner(ada.id)) == []
    assert review_rows(await service.export_learner(bob.id)) == []


async def test_a_button_from_before_a_restart_says_the_card_expired(
    double: DiscordDouble, guild: FakeGuild, ada: FakeUser, service: StudyService
) -> None:
    async with chainrule_running(double, guild, service):
        front = await start_review(double, ada)
    async with chainrule_running(double, guild, service):
        stale = await double.click(ada, front, label="Show answer")
        reply = await double.wait_for_reply(stale)
        assert reply["content"] == EXPIRED and is_ephemeral(reply)
        assert len(stale.callbacks) == 1

        again = await start_review(double, ada)  # what the learner is told to do works
        assert "Show answer" in button_labels(again)
    assert double.gateway.identify_count == 2


async def test_a_double_click_records_one_review(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    [card] = study_deck().cards
    front = await start_review(double, ada)
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))

    first = await double.click(ada, back, label="Knew it")
    second = await double.click(ada, back, label="Knew it")  # before the bot answered the first
    await double.wait_for_reply(first, showing("Next", "Stop"))
    await double.wait_for_callback(second)

    assert len(first.callbacks) == 1 and len(second.callbacks) == 1
    assert review_rows(await service.export_learner(ada.id)) == [(card.id, True, ())]


async def test_a_form_submitted_twice_records_one_review(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    practice = await double.slash(ada, "practice", {"family": "add-mul"})
    question = await double.wait_for_reply(practice, showing("Answer"))
    problem = await served_problem(service, ada)
    opened = await double.click(ada, question, label="Answer")
    assert (await double.wait_for_callback(opened)).type == CALLBACK_MODAL

    submits = [await double.submit_modal(ada, opened, right_answers(problem)) for _ in range(2)]
    for submit in submits:  # the second shows the first one's result again
        await double.wait_for_reply(submit, lambda m: "Right" in message_text(m))

    assert review_rows(await service.export_learner(ada.id)) == [("add-mul", True, ())]
    assert all(len(s.callbacks) == 1 for s in submits)


async def test_another_learner_submitting_the_owners_form_is_refused_and_records_nothing(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: FakeGuild,
    ada: FakeUser,
    service: StudyService,
) -> None:
    bob = double.add_user("bob", guild=guild)
    practice = await double.slash(ada, "practice", {"family": "add-mul"})
    question = await double.wait_for_reply(practice, showing("Answer"))
    problem = await served_problem(service, ada)
    opened = await double.click(ada, question, label="Answer")
    assert (await double.wait_for_callback(opened)).type == CALLBACK_MODAL

    intruder = await double.submit_modal(bob, opened, right_answers(problem))
    refusal = await double.wait_for_reply(intruder)
    assert refusal["content"] == NOT_YOUR_SESSION and is_ephemeral(refusal)
    assert review_rows(await service.export_learner(ada.id)) == []
    assert review_rows(await service.export_learner(bob.id)) == []

    owner = await double.submit_modal(ada, opened, right_answers(problem))  # still hers to answer
    await double.wait_for_reply(owner, lambda m: "Right" in message_text(m))
    assert review_rows(await service.export_learner(ada.id)) == [("add-mul", True, ())]


async def test_custom_ids_carry_a_random_token_not_the_attempt_number(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    tokens = []
    for _ in range(2):
        practice = await double.slash(ada, "practice", {"family": "add-mul"})
        question = await double.wait_for_reply(practice, showing("Answer"))
        components = iter_components(question["components"])
        custom_ids = [c["custom_id"] for c in components if c.get("type") == 2]
        parts = {tuple(c.split(":")[:3]) for c in custom_ids}
        [(prefix, kind, token)] = parts  # one token names every component of the item
        assert (prefix, kind) == ("chainrule", "review")
        assert len(token) >= 16
        attempts = (await service.export_learner(ada.id))["attempts"]
        assert token not in {str(a["id"]) for a in attempts}
        tokens.append(token)
    assert tokens[0] != tokens[1]


async def test_a_component_chainrule_does_not_know_gets_a_short_private_answer(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    front = await start_review(double, ada)
    unknown = await double.click_custom_id(ada, front, "chainrule:old-feature:42")
    reply = await double.wait_for_reply(unknown)
    assert reply["content"] == UNKNOWN_COMPONENT and is_ephemeral(reply)
    assert len(unknown.callbacks) == 1
