"""Working through a missed problem in Discord: one ephemeral message, step by step."""

from __future__ import annotations

from bot.client import ChainruleBot
from bot.errors import EXPIRED, NOT_YOUR_SESSION
from quizzes.problems.base import fmt
from quizzes.study import StudyService
from tests.e2e.chainrule import (
    answers_with_mistake,
    chainrule_running,
    served_problem,
    showing,
)
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import JSON, FakeGuild, FakeUser
from tests.e2e.records import CALLBACK_MODAL, button_labels, is_ephemeral, message_text


async def missed_add_mul(double: DiscordDouble, ada: FakeUser, service: StudyService) -> JSON:
    practice = await double.slash(ada, "practice", {"family": "add-mul"})
    question = await double.wait_for_reply(practice, showing("Answer"))
    problem = await served_problem(service, ada)
    opened = await double.click(ada, question, label="Answer")
    assert (await double.wait_for_callback(opened)).type == CALLBACK_MODAL
    slipped = await double.submit_modal(
        ada, opened, answers_with_mistake(problem, "forgot-upstream")
    )
    return await double.wait_for_reply(slipped, showing("Work through it"))


async def answer_step(double: DiscordDouble, user: FakeUser, message: JSON, text: str) -> JSON:
    opened = await double.click(user, message, label="Answer step")
    assert (await double.wait_for_callback(opened)).type == CALLBACK_MODAL
    submitted = await double.submit_modal(user, opened, {"step": text})
    return await double.wait_for_callback(submitted)  # type: ignore[return-value]


async def test_a_miss_is_worked_through_step_by_step_in_one_message(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    guild: FakeGuild,
    ada: FakeUser,
    service: StudyService,
) -> None:
    result = await missed_add_mul(double, ada, service)
    problem = await served_problem(service, ada)
    z = dict(problem.givens)["z"]
    assert isinstance(z, float)
    assert button_labels(result) == ["Work through it", "Show solution", "Another one", "Done"]
    assert "Worked solution" not in message_text(result)  # the learner does the steps first

    started = await double.click(ada, result, label="Work through it")
    step = await double.wait_for_reply(started, showing("Answer step", "Skip"))
    assert is_ephemeral(step) and step["id"] == result["id"]  # the same message, edited
    assert "Step 1 of 3" in message_text(step) and "the add gate q = x + y" in message_text(step)

    bob = double.add_user("bob", guild=guild)
    intruder = await double.click(bob, step, label="Answer step")
    assert (await double.wait_for_reply(intruder))["content"] == NOT_YOUR_SESSION

    opened = await double.click(ada, step, label="Answer step")
    assert (await double.wait_for_callback(opened)).type == CALLBACK_MODAL
    assert opened.modal is not None
    wrong = await double.submit_modal(ada, opened, {"step": "1"})  # the output's 1
    hinted = await double.wait_for_reply(wrong, lambda m: "Not yet" in message_text(m))
    assert "Step 1 of 3" in message_text(hinted)
    for value, number in ((fmt(z), "Step 2 of 3"), ("1", "Step 3 of 3")):
        opened = await double.click(ada, step, label="Answer step")
        await double.wait_for_callback(opened)
        sent = await double.submit_modal(ada, opened, {"step": value})
        await double.wait_for_reply(sent, lambda m, n=number: n in message_text(m))
    opened = await double.click(ada, step, label="Answer step")
    await double.wait_for_callback(opened)
    last = await double.submit_modal(ada, opened, {"step": fmt(z)})
    done = await double.wait_for_reply(last, showing("Another one", "Done"))
    assert "Rule — add gate" in message_text(done)
    assert "Worked solution" in message_text(done)  # the steps done, the whole solution

    exported = await service.export_learner(ada.id)
    (walk,) = exported["walks"]
    assert walk["outcome"] == "done"
    assert [(t["step"], t["right"]) for t in walk["steps"]] == [
        (0, False),
        (0, True),
        (1, True),
        (2, True),
    ]


async def test_skipping_the_walk_or_asking_for_the_solution_shows_it(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    result = await missed_add_mul(double, ada, service)
    shown = await double.click(ada, result, label="Show solution")
    solution = await double.wait_for_reply(shown, showing("Another one", "Done"))
    assert "Worked solution" in message_text(solution)

    again = await double.click(ada, solution, label="Another one")
    await double.wait_for_reply(again, showing("Answer"))
    result = await missed_add_mul(double, ada, service)
    started = await double.click(ada, result, label="Work through it")
    step = await double.wait_for_reply(started, showing("Answer step", "Skip"))
    skipped = await double.click(ada, step, label="Skip")
    closing = await double.wait_for_reply(skipped, showing("Another one", "Done"))
    assert "Worked solution" in message_text(closing) and "Rule —" in message_text(closing)
    walks = (await service.export_learner(ada.id))["walks"]
    assert [w["outcome"] for w in walks] == ["skipped"]


async def test_a_walk_from_before_a_restart_says_it_expired(
    double: DiscordDouble, guild: FakeGuild, ada: FakeUser, service: StudyService
) -> None:
    async with chainrule_running(double, guild, service):
        result = await missed_add_mul(double, ada, service)
        started = await double.click(ada, result, label="Work through it")
        step = await double.wait_for_reply(started, showing("Answer step", "Skip"))
        opened = await double.click(ada, step, label="Answer step")
        assert (await double.wait_for_callback(opened)).type == CALLBACK_MODAL
    async with chainrule_running(double, guild, service):
        stale_form = await double.submit_modal(ada, opened, {"step": "1"})
        reply = await double.wait_for_reply(stale_form)
        assert "This walk has expired" in reply["content"] and is_ephemeral(reply)
        stale_button = await double.click(ada, step, label="Answer step")
        assert (await double.wait_for_reply(stale_button))["content"] == EXPIRED
    (walk,) = (await service.export_learner(ada.id))["walks"]
    assert walk["steps"] == []  # nothing was recorded from the stale form


async def test_practice_without_a_family_and_progress_follow_the_learners_mistakes(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    await missed_add_mul(double, ada, service)
    practice = await double.slash(ada, "practice")
    question = await double.wait_for_reply(practice, showing("Answer"))
    text = message_text(question)
    assert "Why this problem" in text and "most frequent mistake lately is forgot-upstream" in text
    assert (await served_problem(service, ada)).family == "add-mul"

    progress = await double.slash(ada, "progress")
    reply = await double.wait_for_reply(progress)
    shown = message_text(reply)
    assert "Skills" in shown and "× upstream gradient" in shown and "shaky" in shown
    assert "Most frequent mistake" in shown and "forgot-upstream — 1 time" in shown
