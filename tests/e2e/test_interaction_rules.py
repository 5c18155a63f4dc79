"""Who may click what, and when: owners only, stale buttons after a restart, double clicks."""

from __future__ import annotations

from bot.client import ChainruleBot
from bot.errors import EXPIRED, NOT_YOUR_SESSION
from quizzes.study import StudyService
from tests.e2e.chainrule import (
    attempt_id_of,
    chainrule_running,
    review_rows,
    right_answers,
    served_problem,
    showing,
    start_review,
    study_deck,
)
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import FakeGuild, FakeUser
from tests.e2e.records import CALLBACK_MODAL, button_labels, is_ephemeral, message_text


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
    problem = await served_problem(service, ada, attempt_id_of(question))
    opened = await double.click(ada, question, label="Answer")
    assert (await double.wait_for_callback(opened)).type == CALLBACK_MODAL

    submits = [await double.submit_modal(ada, opened, right_answers(problem)) for _ in range(2)]
    for submit in submits:  # the second shows the first one's result again
        await double.wait_for_reply(submit, lambda m: "Right" in message_text(m))

    assert review_rows(await service.export_learner(ada.id)) == [("add-mul", True, ())]
    assert all(len(s.callbacks) == 1 for s in submits)
