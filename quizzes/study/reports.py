"""Reading progress back: a learner's progress, an instructor's statistics, export and forget."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from quizzes.skills import SKILLS, Mastery
from quizzes.storage import queries, tutoring_queries
from quizzes.storage.db import retry_when_locked
from quizzes.storage.models import ItemStateRow, Review, Walk
from quizzes.study.context import StudyContext
from quizzes.study.results import (
    ClassStats,
    ItemAccuracy,
    LearnerItemRow,
    LearnerStats,
    MistakeRetest,
    NotEnrolled,
    OverdueLearner,
    Progress,
    SkillSummary,
)
from quizzes.study.tutoring import frequent_mistake, skills_of
from quizzes.timezones import learner_zone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

EVER = datetime(1970, 1, 1, tzinfo=UTC)  # the CSV's counts cover all of a class's history
OVERDUE_AFTER = timedelta(days=1)  # an item is overdue once it has waited a day past due


def progress(context: StudyContext, user_id: int) -> Progress:
    now = context.now()
    with context.database.read_session() as session:
        zone_name, rows, reviews = _learner_history(session, context, user_id)
        walks = _learner_walks(session, user_id)
    return build_progress(context, user_id, zone_name, rows, reviews, now, walks)


def _learner_history(
    session: Session, context: StudyContext, user_id: int, seen_from_guild: int | None = None
) -> tuple[str, list[ItemStateRow], list[Review]]:
    """The learner's zone name, servable item states and reviews (not undone); with
    ``seen_from_guild``, only the reviews that guild's instructors may see."""
    learner = queries.get_learner(session, user_id)
    zone_name = learner.timezone if learner is not None else "UTC"
    rows = _servable(context, queries.item_state_rows(session, user_id))
    reviews = queries.learner_reviews(session, user_id, seen_from_guild=seen_from_guild)
    return zone_name, rows, reviews


def _learner_walks(
    session: Session, user_id: int, seen_from_guild: int | None = None
) -> list[Walk]:
    walks = tutoring_queries.learner_walks(session, user_id)
    if seen_from_guild is None:
        return walks
    return [w for w in walks if w.guild_id in (seen_from_guild, None)]


def _servable(context: StudyContext, rows: Iterable[ItemStateRow]) -> list[ItemStateRow]:
    return [row for row in rows if context.is_servable(row.item_id)]


def build_progress(
    context: StudyContext,
    user_id: int,
    zone_name: str,
    rows: Sequence[ItemStateRow],
    reviews: Sequence[Review],
    now: datetime,
    walks: Sequence[Walk] = (),
) -> Progress:
    scheduler, zone = context.scheduler, learner_zone(zone_name)
    today = scheduler.local_day(now, zone)
    tomorrow, day_after, week_end = (
        scheduler.day_start(today + timedelta(days=n), zone) for n in (1, 2, 7)
    )
    dues = [row.due for row in rows if row.due is not None]
    correct = sum(1 for r in reviews if r.correct)
    return Progress(
        user_id=user_id,
        timezone=zone_name,
        boxes=box_distribution(context, rows),
        due_now=sum(1 for row in rows if row.due is None or row.due <= now),
        due_today=sum(1 for due in dues if due < tomorrow),
        due_tomorrow=sum(1 for due in dues if tomorrow <= due < day_after),
        due_this_week=sum(1 for due in dues if due < week_end),
        streak_days=context.scheduler.streak((r.reviewed_at for r in reviews), now, zone),
        reviews=len(reviews),
        correct=correct,
        accuracy=correct / len(reviews) if reviews else None,
        accuracy_by_family=_accuracy_by_family(reviews),
        next_due=min(dues) if dues else None,
        skills=skills_of(reviews, walks),
        frequent_mistake=frequent_mistake(reviews, now),
    )


def box_distribution(context: StudyContext, rows: Iterable[ItemStateRow]) -> dict[int, int]:
    boxes = dict.fromkeys(range(1, context.scheduler.config.boxes + 1), 0)
    for row in rows:
        box = max(1, min(row.box, context.scheduler.config.boxes))
        boxes[box] += 1
    return boxes


def _accuracy_by_family(reviews: Iterable[Review]) -> dict[str, float]:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for review in reviews:
        if review.family is not None:
            tally[review.family][0] += int(review.correct)
            tally[review.family][1] += 1
    return {family: right / total for family, (right, total) in sorted(tally.items())}


def class_stats(context: StudyContext, guild_id: int, since: datetime) -> ClassStats:
    now = context.now()
    with context.database.read_session() as session:
        enrolled = queries.enrolled_user_ids(session, guild_id)
        reviews = queries.guild_reviews(session, guild_id, since)
        rows = _servable(context, queries.guild_item_state_rows(session, guild_id))
        ever = queries.guild_reviews(session, guild_id, EVER)
        walks = tutoring_queries.guild_walks(session, guild_id, EVER)
        retest_of = tutoring_queries.retest_codes(session, [r.attempt_id for r in ever])
    learner_skills = class_skills(ever, walks)
    return ClassStats(
        guild_id=guild_id,
        since=since,
        enrolled=len(enrolled),
        active=len({review.user_id for review in reviews}),
        reviews_per_day=reviews_per_day(reviews, since, now),
        hardest_items=hardest_items(reviews),
        diagnosis_counts=diagnosis_counts(reviews),
        boxes=box_distribution(context, rows),
        overdue_learners=overdue_learners(rows, now),
        rows=learner_item_rows(rows, ever),
        skills=skill_summaries(learner_skills),
        retests=mistake_retests(reviews, ever, retest_of),
        learner_skills={
            user: {m.skill: m.known for m in skills} for user, skills in learner_skills.items()
        },
    )


def class_skills(
    reviews: Sequence[Review], walks: Sequence[Walk]
) -> dict[int, tuple[Mastery, ...]]:
    """Each learner's skills from what the class's instructors may see of them."""
    by_review: dict[int, list[Review]] = defaultdict(list)
    by_walk: dict[int, list[Walk]] = defaultdict(list)
    for review in reviews:
        by_review[review.user_id].append(review)
    for walk in walks:
        by_walk[walk.user_id].append(walk)
    users = sorted(set(by_review) | set(by_walk))
    return {user: skills_of(by_review[user], by_walk[user]) for user in users}


def skill_summaries(learner_skills: dict[int, tuple[Mastery, ...]]) -> list[SkillSummary]:
    per_skill: dict[str, list[Mastery]] = defaultdict(list)
    for skills in learner_skills.values():
        for mastery in skills:
            per_skill[mastery.skill].append(mastery)
    return [
        SkillSummary(
            skill,
            SKILLS[skill],
            len(found),
            sum(m.known for m in found) / len(found),
            sum(m.verdict == "solid" for m in found),
            sum(m.verdict == "shaky" for m in found),
        )
        for skill in SKILLS
        if (found := per_skill.get(skill))
    ]


def mistake_retests(
    period: Iterable[Review], ever: Iterable[Review], retest_of: dict[int, str]
) -> list[MistakeRetest]:
    """Per code diagnosed in the period: its learners, and those of them who then met a
    retest of it (and got one right)."""
    first_made: dict[tuple[str, int], datetime] = {}
    for review in period:
        for code in review.codes or ():
            key = (code, review.user_id)
            if key not in first_made or review.reviewed_at < first_made[key]:
                first_made[key] = review.reviewed_at
    retests: dict[tuple[str, int], list[Review]] = defaultdict(list)
    for review in ever:
        retested = retest_of.get(review.attempt_id)
        if retested is not None:
            retests[(retested, review.user_id)].append(review)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (code, user), made_at in first_made.items():
        later = [r for r in retests[(code, user)] if r.reviewed_at >= made_at]
        tally[code][0] += 1
        tally[code][1] += bool(later)
        tally[code][2] += any(r.correct for r in later)
    rows = [MistakeRetest(code, *counts) for code, counts in tally.items()]
    return sorted(rows, key=lambda r: (-r.learners, r.code))


def reviews_per_day(
    reviews: Iterable[Review], since: datetime, now: datetime
) -> list[tuple[date, int]]:
    """Reviews per UTC day from ``since`` to ``now``, days without reviews included."""
    counts = Counter(review.reviewed_at.date() for review in reviews)
    first, last = since.date(), max(now.date(), since.date())
    return [
        (first + timedelta(days=n), counts[first + timedelta(days=n)])
        for n in range((last - first).days + 1)
    ]


def hardest_items(reviews: Iterable[Review]) -> list[ItemAccuracy]:
    attempts: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for review in reviews:
        attempts[review.item_id] += 1
        right[review.item_id] += int(review.correct)
    items = [ItemAccuracy(item_id, attempts[item_id], right[item_id]) for item_id in attempts]
    return sorted(items, key=lambda item: (item.accuracy, -item.attempts, item.item_id))


def diagnosis_counts(reviews: Iterable[Review]) -> list[tuple[str, int]]:
    counts = Counter(code for review in reviews for code in review.codes or ())
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def overdue_learners(rows: Iterable[ItemStateRow], now: datetime) -> list[OverdueLearner]:
    overdue: dict[int, list[datetime]] = defaultdict(list)
    for row in rows:
        if row.due is not None and row.due <= now - OVERDUE_AFTER:
            overdue[row.user_id].append(row.due)
    learners = [OverdueLearner(user, len(dues), min(dues)) for user, dues in overdue.items()]
    return sorted(learners, key=lambda learner: (learner.oldest_due, learner.user_id))


def learner_item_rows(
    rows: Iterable[ItemStateRow], reviews: Iterable[Review]
) -> list[LearnerItemRow]:
    """One row per learner × item.  Box and due are the learner's own (one Leitner state per
    learner, wherever they study); attempts, right answers and the last review count only
    ``reviews``: what the guild asking may see (its own and DMs), practice left out."""
    attempts: Counter[tuple[int, str]] = Counter()
    correct: Counter[tuple[int, str]] = Counter()
    last: dict[tuple[int, str], datetime] = {}
    for review in reviews:
        if review.practice:
            continue
        key = (review.user_id, review.item_id)
        attempts[key] += 1
        correct[key] += review.correct
        last[key] = max(last.get(key, review.reviewed_at), review.reviewed_at)
    return [
        LearnerItemRow(
            user_id=row.user_id,
            item_id=row.item_id,
            attempts=attempts[row.user_id, row.item_id],
            correct=correct[row.user_id, row.item_id],
            box=row.box,
            due=row.due,
            last_review=last.get((row.user_id, row.item_id)),
        )
        for row in rows
    ]


def learner_stats(context: StudyContext, guild_id: int, user_id: int) -> LearnerStats:
    """One learner's detail for an instructor of a guild the learner studies in."""
    now = context.now()
    with context.database.read_session() as session:
        if not queries.is_enrolled(session, guild_id, user_id):
            raise NotEnrolled()
        zone_name, rows, reviews = _learner_history(session, context, user_id, guild_id)
        walks = _learner_walks(session, user_id, guild_id)
    return LearnerStats(
        guild_id=guild_id,
        user_id=user_id,
        enrolled=True,
        progress=build_progress(context, user_id, zone_name, rows, reviews, now, walks),
        items=sorted(learner_item_rows(rows, reviews), key=lambda r: r.item_id),
        diagnosis_counts=diagnosis_counts(reviews),
        last_review=reviews[-1].reviewed_at if reviews else None,
    )


def export_learner(context: StudyContext, user_id: int) -> dict[str, Any]:
    """Everything stored about the learner, JSON-ready (times as ISO 8601 UTC)."""
    now = context.now()
    with context.database.read_session() as session:
        learner = queries.get_learner(session, user_id)
        tables = queries.learner_rows(session, user_id)
        exported: dict[str, Any] = {
            "user_id": user_id,
            "exported_at": now.isoformat(),
            "learner": None if learner is None else _json_ready(queries.column_values(learner)),
        }
        for name, rows in tables.items():
            exported[name] = [_json_ready(values) for values in queries.rows_as_dicts(rows)]
    return exported


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in values.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def forget_learner(context: StudyContext, user_id: int) -> bool:
    def delete_everything() -> bool:
        with context.database.transaction() as session:
            return queries.delete_learner(session, user_id)

    return retry_when_locked(delete_everything)
