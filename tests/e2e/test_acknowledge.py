"""A click is answered in one callback when its reply is quick, and deferred (then edited)
when it is not; never both, even when the deferral is still on its way (bot.acknowledge)."""

from __future__ import annotations

import asyncio

from bot.client import ChainruleBot
from quizzes.study import StudyService
from tests.e2e.chainrule import showing, start_review
from tests.e2e.driver import DiscordDouble
from tests.e2e.payloads import FakeUser
from tests.e2e.records import (
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_UPDATE_MESSAGE,
    InteractionRecord,
    button_labels,
)

CALLBACK = r"/interactions/\d+/[^/]+/callback$"
ORIGINAL_EDIT = r"/webhooks/\d+/[^/]+/messages/@original$"


def edits_of(double: DiscordDouble, record: InteractionRecord) -> int:
    return sum(record.token in r.path for r in double.requests_to("PATCH", ORIGINAL_EDIT))


async def test_a_quick_reply_is_the_callback_itself(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    front = await start_review(double, ada)
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))
    knew = await double.click(ada, back, label="Knew it")
    await double.wait_for_reply(knew, showing("Next", "Stop"))
    [callback] = knew.callbacks
    assert callback.type == CALLBACK_UPDATE_MESSAGE
    assert {"Next", "Stop"} <= set(button_labels(callback.data))
    assert edits_of(double, knew) == 0  # one request, not a deferral and an edit


async def test_a_slow_reply_is_deferred_first_then_edited_in(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser
) -> None:
    front = await start_review(double, ada)
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))
    chainrule.defer_after = 0.0  # every reply is now "slow"
    knew = await double.click(ada, back, label="Knew it")
    await double.wait_for_reply(knew, showing("Next", "Stop"))
    assert [c.type for c in knew.callbacks] == [CALLBACK_DEFERRED_UPDATE]
    assert edits_of(double, knew) == 1


async def test_a_reply_ready_while_its_deferral_is_in_flight_waits_for_it(
    double: DiscordDouble, chainrule: ChainruleBot, ada: FakeUser, service: StudyService
) -> None:
    front = await start_review(double, ada)
    shown = await double.click(ada, front, label="Show answer")
    back = await double.wait_for_reply(shown, showing("Knew it"))
    chainrule.defer_after = 0.0
    held = double.hold("POST", CALLBACK)  # the deferral reaches Discord; its answer waits
    knew = await double.click(ada, back, label="Knew it")
    await double.wait_until(held.reached.is_set, what="the deferral")
    # the review is recorded and the reply ready long before the deferral's answer comes
    for _ in range(200):
        if (await service.export_learner(ada.id))["reviews"]:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # the handler has reached its reply
    assert len(knew.callbacks) == 1 and edits_of(double, knew) == 0
    held.release()
    await double.wait_for_reply(knew, showing("Next", "Stop"))
    assert [c.type for c in knew.callbacks] == [CALLBACK_DEFERRED_UPDATE]
    assert edits_of(double, knew) == 1
