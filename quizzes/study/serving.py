"""Serving items: start a session, pick the next item and store its attempt before showing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from quizzes.decks import Card
from quizzes.leitner import ItemState, ReviewSession, build_session
from quizzes.problems import Problem, get_family
from quizzes.problems.base import MAX_LEVEL
from quizzes.storage import queries, tutoring_queries
from quizzes.storage.models import ItemStateRow
from quizzes.study.answering import owned_attempt, what_was_served
from quizzes.study.context import StudyContext
from quizzes.study.results import AttemptExpired, NothingDue, ServedItem
from quizzes.timezones import learner_zone
from quizzes.tutoring.levels import Level


def state_of(row: ItemStateRow) -> ItemState:
    return ItemState(
        item_id=row.item_id,
        box=row.box,
        due=row.due,
        last_review=row.last_review,
        reviews=row.reviews,
        correct=row.correct,
        lapses=row.lapses,
    )


def _enter(session: Session, user_id: int, guild_id: int | None, now: datetime) -> str:
    """Make sure the learner exists (and is enrolled in the guild); their zone name."""
    zone_name = queries.ensure_learner(session, user_id, now)
    if guild_id is not None:
        queries.enrol(session, guild_id, user_id, now)
    return zone_name


def _servable_states(session: Session, context: StudyContext, user_id: int) -> list[ItemState]:
    # Items removed from the deck keep their rows (history) but are never served.
    rows = queries.item_state_rows(session, user_id)
    return [state_of(row) for row in rows if context.is_servable(row.item_id)]


def _introduced_today(
    session: Session, context: StudyContext, user_id: int, zone_name: str, now: datetime
) -> int:
    zone = learner_zone(zone_name)
    scheduler = context.scheduler
    today_began = scheduler.day_start(scheduler.local_day(now, zone), zone)
    return queries.introduced_since(session, user_id, today_began)


def start_session(context: StudyContext, user_id: int, guild_id: int | None) -> ReviewSession:
    now = context.now()
    with context.database.transaction() as session:
        review_session, _ = _open_session(session, context, user_id, guild_id, now)
    return review_session


def start_review(
    context: StudyContext, user_id: int, guild_id: int | None
) -> tuple[ReviewSession, ServedItem | NothingDue]:
    """start_session and its first next_item in one transaction (two when the first item
    is a problem, drawn outside any): what /review does first, for 200 learners at once
    at the start of a class."""
    now = context.now()
    with context.database.transaction() as session:
        review_session, states = _open_session(session, context, user_id, guild_id, now)
        item_id = _next_from_session(context, review_session)
        if item_id is None:
            nothing = NothingDue(queries.earliest_due(session, user_id, context.servable_ids))
            return review_session, nothing
        boxes = {state.item_id: state.box for state in states}
        plan = _plan(session, context, user_id, (item_id, boxes.get(item_id, 1)), False)
        if plan.card is not None:
            return review_session, _serve_card(session, user_id, guild_id, plan, now)
    return review_session, _serve(context, user_id, guild_id, plan, now)


def _open_session(
    session: Session, context: StudyContext, user_id: int, guild_id: int | None, now: datetime
) -> tuple[ReviewSession, list[ItemState]]:
    zone_name = _enter(session, user_id, guild_id, now)
    states = _servable_states(session, context, user_id)
    introduced = _introduced_today(session, context, user_id, zone_name, now)
    review_session = build_session(
        states,
        context.deck.item_ids,
        now=now,
        tz=learner_zone(zone_name),
        config=context.scheduler.config,
        introduced_today=introduced,
    )
    return review_session, states


def next_item(
    context: StudyContext,
    user_id: int,
    guild_id: int | None,
    review_session: ReviewSession | None,
    practice_family: str | None,
    focus: str | None = None,
) -> ServedItem | NothingDue:
    """Choose the item in one short write transaction, draw its problem outside any, and
    store the attempt in a second: drawing (a generator, a retest's search) is the costly
    part, and on SQLite a write transaction holds the database's one write lock."""
    now = context.now()
    with context.database.transaction() as session:
        zone_name = _enter(session, user_id, guild_id, now)
        if practice_family is not None:
            family = get_family(practice_family)  # UnknownFamilyError for a bad choice
            box, _ = queries.item_box_and_due(session, user_id, family.id)
            plan = _plan(session, context, user_id, (family.id, box), True, focus)
        else:
            if review_session is not None:
                item_id = _next_from_session(context, review_session)
                chosen = None if item_id is None else (item_id, _box(session, user_id, item_id))
            else:
                chosen = _next_due_or_new(session, context, user_id, zone_name, now)
            if chosen is None:
                return NothingDue(queries.earliest_due(session, user_id, context.servable_ids))
            plan = _plan(session, context, user_id, chosen, False)
        if plan.card is not None:  # nothing to draw: stored in the same transaction
            return _serve_card(session, user_id, guild_id, plan, now)
    return _serve(context, user_id, guild_id, plan, now)


def _box(session: Session, user_id: int, item_id: str) -> int:
    return queries.item_box_and_due(session, user_id, item_id)[0]


def _next_from_session(context: StudyContext, review_session: ReviewSession) -> str | None:
    while (item_id := review_session.next_item_id()) is not None:
        if context.is_servable(item_id):
            return item_id
    return None


def _next_due_or_new(
    session: Session, context: StudyContext, user_id: int, zone_name: str, now: datetime
) -> tuple[str, int] | None:
    """(item, box): the most overdue, else an unseen one if today's new-item budget allows."""
    most_due = queries.most_due_item(session, user_id, context.servable_ids, now)
    if most_due is not None:
        return most_due
    introduced = _introduced_today(session, context, user_id, zone_name, now)
    if introduced >= context.scheduler.config.new_per_day:
        return None  # today's new items are all met: no need to read which ones are known
    known = queries.known_item_ids(session, user_id)
    unseen = next((i for i in context.deck.item_ids if i not in known), None)
    return None if unseen is None else (unseen, 1)


@dataclass(frozen=True)
class _Plan:
    """What to serve, as read from the database: a card, or a family at a level with the
    mistake codes a retest should show."""

    item_id: str
    box: int
    practice: bool
    card: Card | None
    level: int = 1
    codes: tuple[str, ...] = ()


def _plan(
    session: Session,
    context: StudyContext,
    user_id: int,
    chosen: tuple[str, int],
    practice: bool,
    focus: str | None = None,
) -> _Plan:
    item_id, box = chosen
    card = None if practice else context.card(item_id)
    if card is not None:
        return _Plan(item_id, box, practice, card)
    if not context.adaptive:
        return _Plan(item_id, box, practice, None, box)
    level = problem_level(session, user_id, item_id, box).level
    codes = [focus] if focus else []
    if not practice:
        codes += tutoring_queries.last_miss_codes(session, user_id, item_id)
    return _Plan(item_id, box, practice, None, level, tuple(codes))


def _serve(
    context: StudyContext, user_id: int, guild_id: int | None, plan: _Plan, now: datetime
) -> ServedItem:
    """Store the attempt first, so whatever is shown can be graded and audited later."""
    attempt = _attempt_row(user_id, guild_id, plan, now)
    problem = None
    if plan.card is None:
        problem, retest_code = _problem_for(context, plan)
        attempt |= {"kind": "problem", "family": problem.family, "level": problem.level}
        attempt |= {"generator_version": problem.version, "seed": problem.seed}
        attempt["retest_code"] = retest_code
    with context.database.transaction() as session:
        attempt_id = queries.add_attempt(session, attempt)
    return _served(plan, attempt_id, problem)


def _serve_card(
    session: Session, user_id: int, guild_id: int | None, plan: _Plan, now: datetime
) -> ServedItem:
    """_serve for a card, in the transaction that chose it (a card has nothing to draw)."""
    attempt_id = queries.add_attempt(session, _attempt_row(user_id, guild_id, plan, now))
    return _served(plan, attempt_id, None)


def _attempt_row(user_id: int, guild_id: int | None, plan: _Plan, now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "guild_id": guild_id,
        "item_id": plan.item_id,
        "served_at": now,
        "practice": plan.practice,
        "answered": False,
        "kind": "card",
        "level": plan.box,
    }


def _served(plan: _Plan, attempt_id: int, problem: Problem | None) -> ServedItem:
    return ServedItem(
        attempt_id=attempt_id,
        item_id=plan.item_id,
        kind="card" if plan.card is not None else "problem",
        card=plan.card,
        problem=problem,
        box=plan.box,
        practice=plan.practice,
    )


def problem_level(session: Session, user_id: int, family: str, box: int) -> Level:
    """The learner's level for the family; a family never levelled starts at its box."""
    stored = tutoring_queries.family_level(session, user_id, family)
    return Level(min(box, MAX_LEVEL)) if stored is None else Level(*stored)


def _problem_for(context: StudyContext, plan: _Plan) -> tuple[Problem, str | None]:
    """A problem at the learner's level — after a diagnosed miss in review, a retest: a
    fresh problem on which that same mistake would show (and the code it retests)."""
    for code in plan.codes:  # the first code a retest can show, drawn to show the others too
        problem = context.retest_problem(plan.item_id, code, plan.level, plan.codes)
        if problem is not None:
            return problem, code
    return context.build_problem(plan.item_id, plan.level), None


def resume(context: StudyContext, user_id: int) -> ServedItem | None:
    """The item left on screen: the learner's latest review attempt if it is unanswered.

    The same card or the exact same problem (same numbers) comes back, under the
    same attempt, so a session stopped half-way goes on where it stopped.  None
    when the last attempt was answered, has expired, or its item left the deck.
    """
    now = context.now()
    with context.database.read_session() as session:  # writes nothing
        attempt_id = queries.latest_review_attempt_id(session, user_id)
        if attempt_id is None:
            return None
        attempt = owned_attempt(session, user_id, attempt_id)
        if attempt.answered or not context.is_servable(attempt.item_id):
            return None
        try:
            served = what_was_served(context, attempt, now)
        except AttemptExpired:
            return None
        card = served if isinstance(served, Card) else None
        return ServedItem(
            attempt_id=attempt.id,
            item_id=attempt.item_id,
            kind="card" if card is not None else "problem",
            card=card,
            problem=served if not isinstance(served, Card) else None,
            box=_box(session, user_id, attempt.item_id),
            practice=False,
        )
