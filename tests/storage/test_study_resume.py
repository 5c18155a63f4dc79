"""resume: the item a learner's last sitting stopped on comes back, with the same numbers."""

from __future__ import annotations

from quizzes.study import StudyService
from tests.storage.study_helpers import (
    ALICE,
    BOB,
    FixedClock,
    reviews_of,
    right_answers,
    serve,
)


async def test_nothing_to_resume_for_a_new_learner(service: StudyService) -> None:
    assert await service.resume(ALICE) is None


async def test_an_unanswered_card_comes_back_under_its_attempt(service: StudyService) -> None:
    served = await serve(service)
    resumed = await service.resume(ALICE)
    assert resumed is not None
    assert (resumed.attempt_id, resumed.item_id, resumed.kind) == (
        served.attempt_id,
        served.item_id,
        "card",
    )
    assert resumed.card == served.card and resumed.box == 1 and not resumed.practice


async def test_an_unanswered_problem_comes_back_with_the_same_numbers(
    service: StudyService,
) -> None:
    session = await service.start_session(ALICE)
    served = await serve(service, session=session)
    while served.problem is None:  # answer the cards before the problem
        await service.submit(ALICE, served.attempt_id, {"recall": "knew"})
        served = await serve(service, session=session)
    resumed = await service.resume(ALICE)
    assert resumed is not None and resumed.problem is not None
    assert resumed.attempt_id == served.attempt_id
    assert resumed.problem.seed == served.problem.seed
    assert resumed.problem.quantities == served.problem.quantities
    result = await service.submit(ALICE, resumed.attempt_id, right_answers(resumed.problem))
    assert result.correct and not result.replayed
    assert await service.resume(ALICE) is None  # answered: nothing left on screen


async def test_an_answered_last_item_leaves_nothing_to_resume(service: StudyService) -> None:
    first = await serve(service)
    await serve(service)  # served, then abandoned for a later one...
    last = await serve(service)
    await service.submit(ALICE, last.attempt_id, {"recall": "missed"})
    assert await service.resume(ALICE) is None  # ...only the very last one counts
    assert [r.attempt_id for r in reviews_of(service.database, ALICE)] == [last.attempt_id]
    assert first.attempt_id != last.attempt_id


async def test_practice_does_not_replace_the_review_item_left_on_screen(
    service: StudyService,
) -> None:
    served = await serve(service)
    await serve(service, practice_family="add-mul")
    resumed = await service.resume(ALICE)
    assert resumed is not None and resumed.attempt_id == served.attempt_id


async def test_an_expired_attempt_is_not_resumed(service: StudyService, clock: FixedClock) -> None:
    await serve(service)
    clock.advance(hours=24, minutes=1)
    assert await service.resume(ALICE) is None


async def test_each_learner_resumes_only_their_own(service: StudyService) -> None:
    await serve(service, ALICE)
    assert await service.resume(BOB) is None
