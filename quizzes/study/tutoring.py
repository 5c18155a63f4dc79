"""Walks through a missed gate, and the skills every graded answer and walk step trains.

A walk is stored as it goes (``walks.steps`` holds every try: the step, right or wrong,
when), so its state is rebuilt from the database on each step and a walk moves no box.
Skills are traced afresh from the learner's reviews and walk steps in time order, so an
undone review drops out of them by itself.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from quizzes.grading import Grade
from quizzes.problems import FAMILIES
from quizzes.problems.base import Problem
from quizzes.skills import PARAMETERS, SKILLS, Mastery, quantity_skills, trace
from quizzes.storage import queries, tutoring_queries
from quizzes.storage.models import Review
from quizzes.storage.models import Walk as WalkRow
from quizzes.study.answering import owned_attempt, rebuild_served
from quizzes.study.context import StudyContext
from quizzes.study.results import (
    NothingToPractise,
    NotYourAttempt,
    NoWalk,
    Recommendation,
    WalkOver,
    WalkReply,
    WalkStep,
)
from quizzes.tutoring.retest import lowest_level
from quizzes.tutoring.walk import MAX_TRIES, Walk, plan

MISTAKE_WINDOW = timedelta(days=14)


def start_walk(context: StudyContext, user_id: int, attempt_id: int) -> WalkStep:
    """Begin the walk for an answered, missed problem: its first step.  NoWalk when no
    backward answer was wrong; a walk already begun for the attempt goes on."""
    now = context.now()
    with context.database.transaction() as session:
        attempt = owned_attempt(session, user_id, attempt_id)
        review = queries.review_for_attempt(session, attempt.id)
        if review is None or review.results is None or review.correct:
            raise NoWalk()
        problem = rebuild_served(context, attempt)
        walk_plan = plan(problem, Grade.from_dict(review.results))
        if walk_plan is None:
            raise NoWalk()
        walk_id = tutoring_queries.add_walk(
            session,
            {
                "user_id": user_id,
                "guild_id": attempt.guild_id,
                "attempt_id": attempt.id,
                "family": problem.family,
                "code": walk_plan.code,
                "gate": walk_plan.gate,
                "started_at": now,
                "finished_at": None,
                "outcome": "open",
                "steps": [],
            },
        )
        return _step_view(walk_id, Walk(walk_plan))


def walk_answer(context: StudyContext, user_id: int, walk_id: int, text: str) -> WalkReply:
    """Check the current step (AnswerParseError, recording nothing, if unreadable)."""
    now = context.now()
    with context.database.transaction() as session:
        row, problem, walk = _open_walk(context, session, user_id, walk_id)
        position = walk.position
        feedback = walk.answer(problem, text)
        step = walk.plan.steps[position]
        tries = [*row.steps, _try(position, step.kind, step.skill, feedback.right, now)]
        row.steps = tries
        if walk.finished:
            row.outcome, row.finished_at = "done", now
        return WalkReply(
            text=feedback.text,
            right=feedback.right,
            shown=feedback.shown,
            next=None if walk.finished else _step_view(row.id, walk),
            finished=walk.finished,
        )


def skip_walk(context: StudyContext, user_id: int, walk_id: int) -> str:
    """Stop the walk; the closing line (the corrected answer and its rule)."""
    now = context.now()
    with context.database.transaction() as session:
        row, _, walk = _open_walk(context, session, user_id, walk_id)
        row.outcome, row.finished_at = "skipped", now
        return walk.closing()


def _open_walk(
    context: StudyContext, session: Session, user_id: int, walk_id: int
) -> tuple[WalkRow, Problem, Walk]:
    row = tutoring_queries.get_walk(session, walk_id)
    if row is None:
        raise WalkOver()
    if row.user_id != user_id:
        raise NotYourAttempt("This walk belongs to someone else.")
    if row.outcome != "open":
        raise WalkOver()
    attempt = owned_attempt(session, user_id, row.attempt_id)
    review = queries.review_for_attempt(session, attempt.id)
    if review is None or review.results is None:
        raise WalkOver()
    problem = rebuild_served(context, attempt)
    walk_plan = plan(problem, Grade.from_dict(review.results))
    if walk_plan is None:
        raise WalkOver()
    return row, problem, replayed(Walk(walk_plan), row.steps)


def replayed(walk: Walk, tries: Sequence[dict[str, Any]]) -> Walk:
    """The walk's state after its stored tries: a step ends when right or after MAX_TRIES."""
    for attempt in tries:
        walk.tries += 1
        if attempt["right"] or walk.tries >= MAX_TRIES:
            first = bool(attempt["right"]) and walk.tries == 1
            walk.record.append({"kind": attempt["kind"], "right": first, "tries": walk.tries})
            walk.position, walk.tries = walk.position + 1, 0
    return walk


def _try(position: int, kind: str, skill: str, right: bool, now: datetime) -> dict[str, Any]:
    return {"step": position, "kind": kind, "skill": skill, "right": right, "at": now.isoformat()}


def _step_view(walk_id: int, walk: Walk) -> WalkStep:
    step = walk.step
    if step is None:
        raise WalkOver()
    return WalkStep(
        walk_id=walk_id,
        gate_text=walk.plan.gate_text,
        quantity=walk.plan.label,
        number=walk.position + 1,
        of=len(walk.plan.steps),
        question=step.question,
        label=step.label,
    )


# ---- skills ---------------------------------------------------------------------
def skill_observations(
    reviews: Iterable[Review], walks: Iterable[WalkRow]
) -> list[tuple[str, bool]]:
    """(skill, right) in time order: one per skill a review exercised (right when every
    answer exercising it was: three gradients through one multiply gate are one piece of
    evidence, not three), and the first try of every walk step."""
    timed: list[tuple[datetime, int, str, bool]] = []
    for review in reviews:
        results = review.results or {}
        skills = results.get("skills", {})
        exercised: dict[str, bool] = {}
        for result in results.get("results", ()):
            # a backward answer right for the learner's own forward values applied its rules
            right = bool(result["correct"]) or result.get("credit") == "carried"
            for skill in skills.get(result["name"], ()):
                exercised[skill] = exercised.get(skill, True) and right
        for skill, right in exercised.items():
            timed.append((review.reviewed_at, 0, skill, right))
    for walk in walks:
        seen: set[int] = set()
        for attempt in walk.steps:
            if attempt["step"] in seen:
                continue  # a retry says the step was missed; the first try is the evidence
            seen.add(attempt["step"])
            at = datetime.fromisoformat(attempt["at"])
            timed.append((at, 1, attempt["skill"], bool(attempt["right"])))
    timed.sort(key=lambda t: (t[0], t[1]))
    return [(skill, right) for _, _, skill, right in timed]


def skills_of(reviews: Iterable[Review], walks: Iterable[WalkRow]) -> tuple[Mastery, ...]:
    return tuple(trace(skill_observations(reviews, walks)).values())


def frequent_mistake(reviews: Iterable[Review], now: datetime) -> tuple[str, int] | None:
    """The mistake diagnosed most often in the last 14 days, and how many times; None when
    none stands out (two or more share the top count: seven mistakes made once each say
    nothing about which one to practise)."""
    counts = Counter(
        code for r in reviews if r.reviewed_at >= now - MISTAKE_WINDOW for code in r.codes or ()
    )
    top = counts.most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0]


# ---- what to practise -------------------------------------------------------------
def recommend(context: StudyContext, user_id: int) -> Recommendation:
    """The family that best exercises what the learner most needs: the mistake diagnosed
    most often in the last 14 days (a family where it can show, the one it was made in
    first), else the weakest skill (a skill not yet practised counts as its prior)."""
    now = context.now()
    with context.database.read_session() as session:
        reviews = queries.learner_reviews(session, user_id)
        walks = tutoring_queries.learner_walks(session, user_id)
    families = [f for f in context.deck.families if context.is_servable(f)]
    if not families:
        raise NothingToPractise()
    recent = frequent_mistake(reviews, now)
    if recent is not None:
        code, times = recent
        made_in = Counter(r.family for r in reviews if code in (r.codes or ()) and r.family)
        able = [f for f in families if lowest_level(f, code) is not None]
        if able:
            family = max(able, key=lambda f: made_in.get(f, 0))
            reason = f"your most frequent mistake lately is {code} ({times}× in 14 days)"
            return Recommendation(family, reason, code)
    mastery = {m.skill: m.known for m in skills_of(reviews, walks)}
    exercised = {f: family_skills(f) for f in families}
    practised = {s for skills in exercised.values() for s in skills}
    weakest = min(
        (s for s in SKILLS if s in practised),
        key=lambda s: (mastery.get(s, PARAMETERS.known_at_start), list(SKILLS).index(s)),
    )
    family = next(f for f in families if weakest in exercised[f])
    return Recommendation(family, f"your weakest skill is the {SKILLS[weakest]}", None)


@functools.cache
def family_skills(family: str) -> frozenset[str]:
    """The skills a family's problems exercise, read from a few of its problems' graphs."""
    found: set[str] = set()
    for level in (1, 2, 3):
        problem = FAMILIES[family].build(level, level)
        for skills in quantity_skills(problem).values():
            found |= set(skills)
    return frozenset(found)
