"""Clicks that reach the bot before it has read Discord's answer to the request that showed
the buttons: Discord shows a reply as soon as it has applied it, and under load the bot
parses the HTTP answer later.  discord.py stores a view only after parsing that answer,
so chainrule stores it itself first (ChainruleBot.serve_view / serve_modal).

The double holds back its HTTP answer while the learner clicks, so each race happens
every time, not once in a thousand clicks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.client import ChainruleBot
from bot.cogs import review_views
from quizzes.study import StudyService
from tests.e2e.chainrule import (
    review_rows,
    right_answers,
    served_problem,
    showing,
    start_review,
    study_deck,
)
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import JSON, FakeUser
from tests.e2e.records import CALLBACK_MODAL, InteractionRecord, message_text

CALLBACK = r"/interactions/\d+/[^/]+/callback$"
ORIGINAL_EDIT = r"/webhooks/\d+/[^/]+/messages/@original$"


async def click_before_the_answer_arrives(
    double: DiscordDouble,
    route: tuple[str, str],
    showing_buttons: Callable[[], Awaitable[InteractionRecord]],
    then: Callable[[], Awaitable[InteractionRecord]],
) -> InteractionRecord:
    """``showing_buttons`` makes the bot send a request on ``route`` whose HTTP answer is
    held; while it is, ``then`` clicks what that request showed.  Returns the click."""
    held = double.hold(*route)
    shown = await showing_buttons()
    await double.wait_until(held.reached.is_set, what=f"the bot's {route[0]} request")
    try:
        click = await then()
        await double.wait_for_callback(click)
    finally:
        held.release()
    assert len(shown.callbacks) == 1
    return click


async def test_a_click_on_buttons_shown_by_a_component_reply_is_answered(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    front = await start_review(double, ada)
    reveal = "Show answer"  # answered with an UPDATE_MESSAGE callback carrying the next view
    knew = await click_before_the_answer_arrives(
        double,
        ("POST", CALLBACK),
        lambda: double.click(ada, front, label=reveal),
        lambda: double.click(ada, front, label="Knew it"),
    )
    await double.wait_for_reply(knew, showing("Next", "Stop"))
    [card] = study_deck().cards
    assert review_rows(await service.export_learner(ada.id)) == [(card.id, True, ())]


async def test_a_click_on_buttons_shown_by_an_edit_after_a_deferral_is_answered(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    chainrule.defer_after = 0.0  # every click deferred, as when the database is slow
    front = await start_review(double, ada)
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))
    following = await click_before_the_answer_arrives(
        double,
        ("PATCH", ORIGINAL_EDIT),  # deferred, then edited with the result and Next / Stop
        lambda: double.click(ada, back, label="Knew it"),
        lambda: double.click(ada, back, label="Next"),
    )
    await double.wait_for_reply(following, showing("Answer"))


async def test_a_click_on_buttons_shown_by_a_quick_reply_is_answered(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    front = await start_review(double, ada)
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))
    following = await click_before_the_answer_arrives(
        double,
        ("POST", CALLBACK),  # quick: the result and Next / Stop are the callback itself
        lambda: double.click(ada, back, label="Knew it"),
        lambda: double.click(ada, back, label="Next"),
    )
    await double.wait_for_reply(following, showing("Answer"))


async def test_a_click_on_the_first_card_of_a_review_is_answered(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    review: list[InteractionRecord] = []

    async def run_review() -> InteractionRecord:
        review.append(await double.slash(ada, "review"))
        return review[0]

    async def reveal() -> InteractionRecord:
        # the reply's id is only known from the deferral's answer: this exercises that path
        front = await double.wait_until(lambda: review[0].replies and review[0].replies[-1])
        return await double.click(ada, front, label="Show answer")

    shown = await click_before_the_answer_arrives(
        double, ("PATCH", ORIGINAL_EDIT), run_review, reveal
    )
    await double.wait_for_reply(shown, showing("Knew it"))


async def open_practice_problem(double: DiscordDouble, ada: FakeUser) -> JSON:
    practice = await double.slash(ada, "practice", {"family": "add-mul"})
    return await double.wait_for_reply(practice, showing("Answer"))


async def test_a_form_submitted_before_the_bot_read_that_it_was_shown_is_answered(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    question = await open_practice_problem(double, ada)
    problem = await served_problem(service, ada)
    opened: list[InteractionRecord] = []

    async def open_form() -> InteractionRecord:
        opened.append(await double.click(ada, question, label="Answer"))
        return opened[0]

    submitted = await click_before_the_answer_arrives(
        double,
        ("POST", CALLBACK),
        open_form,
        lambda: double.submit_modal(ada, opened[0], right_answers(problem)),
    )
    assert opened[0].callbacks[0].type == CALLBACK_MODAL
    await double.wait_for_reply(submitted, lambda m: "Right" in message_text(m))
    assert review_rows(await service.export_learner(ada.id)) == [("add-mul", True, ())]


async def test_a_form_opened_again_outlives_the_first_ones_timeout(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    service: StudyService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Closing a form without submitting it tells the bot nothing; the learner opens it
    again.  The first form's timeout must not unregister the second (same custom id)."""
    question = await open_practice_problem(double, ada)
    problem = await served_problem(service, ada)
    with monkeypatch.context() as patched:
        patched.setattr(review_views, "VIEW_TIMEOUT_SECONDS", 0.2)  # the first form only
        first = await double.click(ada, question, label="Answer")
        form_id = (await double.wait_for_callback(first)).data["custom_id"]
    first_form = chainrule.components.owner(form_id)
    assert first_form is not None
    second = await double.click(ada, question, label="Answer")
    await double.wait_for_callback(second)
    assert chainrule.components.owner(form_id) is not first_form

    await double.wait_until(first_form.is_finished, what="the first form to stop")
    submitted = await double.submit_modal(ada, second, right_answers(problem))
    await double.wait_for_reply(submitted, lambda m: "Right" in message_text(m))


@pytest.mark.parametrize("clicks", [2, 3])
async def test_clicks_racing_the_answer_still_record_one_review(
    double: DiscordDouble,
    chainrule: ChainruleBot,
    ada: FakeUser,
    service: StudyService,
    clicks: int,
) -> None:
    front = await start_review(double, ada)
    held = double.hold("POST", CALLBACK)
    shown = await double.click(ada, front, label="Show answer")
    await double.wait_until(held.reached.is_set, what="the reveal's callback")
    grades = [await double.click(ada, front, label="Knew it") for _ in range(clicks)]
    for grade in grades:
        await double.wait_for_callback(grade)
    held.release()
    await double.wait_for_reply(shown)
    assert all(len(grade.callbacks) == 1 for grade in grades)
    [card] = study_deck().cards
    assert review_rows(await service.export_learner(ada.id)) == [(card.id, True, ())]
