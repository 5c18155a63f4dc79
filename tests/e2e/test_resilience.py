"""Discord misbehaving: rate limits, server errors and a dropped gateway connection."""

from __future__ import annotations

import pytest

from bot.client import ChainruleBot
from quizzes.study import StudyService
from tests.e2e.chainrule import review_rows, showing, start_review, study_deck
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import FakeUser
from tests.e2e.records import message_text

FOLLOWUP = r"^/webhooks/\d+/[^/]+$"
ORIGINAL_EDIT = r"^/webhooks/\d+/[^/]+/messages/@original$"


@pytest.mark.parametrize("status", [429, 500])
async def test_a_followup_that_fails_once_is_delivered_exactly_once(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, status: int
) -> None:
    fault = double.fail("POST", FOLLOWUP, status)
    progress = await double.slash(ada, "progress")
    await double.wait_for_text(progress, "Your progress")
    assert fault.hits == 1
    assert [r.status for r in double.requests_to("POST", FOLLOWUP)] == [status, 200]
    assert len(progress.followup_ids) == 1 and len(progress.callbacks) == 1


async def test_a_rate_limited_edit_still_shows_the_card_once(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    double.fail("PATCH", ORIGINAL_EDIT, 429, times=2)
    front = await start_review(double, ada)
    assert [r.status for r in double.requests_to("PATCH", ORIGINAL_EDIT)] == [429, 429, 200]
    assert "Show answer" in message_text(front)


async def test_after_a_dropped_websocket_the_bot_resumes_and_the_session_goes_on(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    [card] = study_deck().cards
    front = await start_review(double, ada)

    await double.drop_gateway()
    shown = await double.click(ada, front, label="Show answer")  # sent while disconnected
    await double.wait_for_resume()
    back = await double.wait_for_reply(shown, showing("Knew it", "Missed it"))

    knew = await double.click(ada, back, label="Knew it")
    await double.wait_for_reply(knew, showing("Next", "Stop"))
    assert double.gateway.identify_count == 1 and double.gateway.resume_count == 1
    assert review_rows(await service.export_learner(ada.id)) == [(card.id, True, ())]
    assert all(len(r.callbacks) == 1 for r in double.interactions.values())
