"""A whole /review session through Discord, against chainrule's real bot."""

from __future__ import annotations

from bot.client import ChainruleBot
from quizzes.grading import MISTAKES
from quizzes.study import StudyService
from tests.e2e.chainrule import (
    answers_with_mistake,
    labels_in_form,
    review_rows,
    right_answers,
    served_problem,
    showing,
    study_deck,
)
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import JSON, FakeUser
from tests.e2e.records import (
    CALLBACK_MODAL,
    InteractionRecord,
    button_labels,
    is_ephemeral,
    message_text,
)


async def answer_through_form(
    double: DiscordDouble, user: FakeUser, question: JSON, answers: dict[str, str]
) -> InteractionRecord:
    opened = await double.click(user, question, label="Answer")
    callback = await double.wait_for_callback(opened)
    assert callback.type == CALLBACK_MODAL
    return await double.submit_modal(user, opened, answers)


async def flashcard_reveal_and_self_grade(double: DiscordDouble, ada: FakeUser) -> JSON:
    [card] = study_deck().cards
    review = await double.slash(ada, "review")
    front = await double.wait_for_reply(review, showing("Show answer"))
    assert is_ephemeral(front)
    assert card.front in message_text(front) and card.back not in message_text(front)
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it", "Missed it"))
    assert card.back in message_text(back)
    knew = await double.click(ada, back, label="Knew it")
    return await double.wait_for_reply(knew, showing("Next", "Stop"))


async def malformed_then_right_answer(
    double: DiscordDouble, ada: FakeUser, service: StudyService, result: JSON
) -> JSON:
    following = await double.click(ada, result, label="Next")
    question = await double.wait_for_reply(following, showing("Answer"))
    problem = await served_problem(service, ada)
    assert problem.family == "add-mul"
    assert problem.prompt in message_text(question)
    malformed = {**right_answers(problem), problem.quantities[2].label: "about two"}
    rejected = await answer_through_form(double, ada, question, malformed)
    refusal = await double.wait_for_text(rejected, "nothing was recorded")
    assert is_ephemeral(refusal)
    assert problem.quantities[2].label in message_text(refusal)
    assert len(review_rows(await service.export_learner(ada.id))) == 1  # the card's only

    retried = await answer_through_form(double, ada, question, right_answers(problem))
    result = await double.wait_for_reply(retried, showing("Next", "Stop"))
    assert "Right" in message_text(result)
    assert [a["filename"] for a in result["attachments"]] == ["circuit.png"]
    assert result["files"][0].data.startswith(b"\x89PNG")
    return result


async def answer_with_a_slip(
    double: DiscordDouble, ada: FakeUser, service: StudyService, result: JSON
) -> JSON:
    following = await double.click(ada, result, label="Next")
    question = await double.wait_for_reply(following, showing("Answer"))
    problem = await served_problem(service, ada)
    assert problem.family == "gate-patterns"
    slipped = await answer_through_form(
        double, ada, question, answers_with_mistake(problem, "forgot-upstream")
    )
    result = await double.wait_for_reply(
        slipped, showing("Work through it", "Show solution", "Next", "Stop")
    )
    assert "Not quite" in message_text(result)
    assert MISTAKES["forgot-upstream"].hint in message_text(result)
    return result


async def test_a_whole_review_session_records_exactly_the_reviews_given(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    result = await flashcard_reveal_and_self_grade(double, ada)
    result = await malformed_then_right_answer(double, ada, service, result)
    result = await answer_with_a_slip(double, ada, service, result)
    stop = await double.click(ada, result, label="Stop")
    summary = await double.wait_for_text(stop, "Session over")
    assert button_labels(summary) == []

    rows = review_rows(await service.export_learner(ada.id))
    assert [(item, correct) for item, correct, _ in rows] == [
        (study_deck().cards[0].id, True),
        ("add-mul", True),
        ("gate-patterns", False),
    ]
    assert "forgot-upstream" in rows[2][2]


async def test_the_answer_form_asks_for_every_quantity_of_the_problem(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    review = await double.slash(ada, "review")
    front = await double.wait_for_reply(review, showing("Show answer"))
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))
    await double.wait_for_reply(await double.click(ada, back, label="Missed it"))
    following = await double.click(ada, back, label="Next")
    question = await double.wait_for_reply(following, showing("Answer"))
    problem = await served_problem(service, ada)

    opened = await double.click(ada, question, label="Answer")
    await double.wait_for_callback(opened)
    assert labels_in_form(opened) == [q.label for q in problem.pages[0]]
