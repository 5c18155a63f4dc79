"""The models against a real migrated database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from quizzes.storage import (
    Attempt,
    Database,
    GuildEnrolment,
    GuildSettings,
    ItemStateRow,
    Learner,
    ReminderLogEntry,
    Review,
)

T0 = datetime(2024, 3, 10, 9, 30, tzinfo=UTC)
USER = 123456789012345678  # Discord ids need 64 bits
OTHER_USER = 223456789012345678
GUILD = 923456789012345678


def add_learner(db: Database, user_id: int = USER) -> None:
    with db.transaction() as session:
        session.add(Learner(user_id=user_id, created_at=T0))


def add_attempt(db: Database, user_id: int = USER, item_id: str = "add-mul") -> int:
    with db.transaction() as session:
        attempt = Attempt(
            user_id=user_id,
            item_id=item_id,
            kind="problem",
            family=item_id,
            generator_version=1,
            seed=42,
            level=2,
            served_at=T0,
        )
        session.add(attempt)
        session.flush()
        return attempt.id


def review_of(attempt_id: int, user_id: int = USER, correct: bool = True) -> Review:
    return Review(
        user_id=user_id,
        item_id="add-mul",
        family="add-mul",
        attempt_id=attempt_id,
        correct=correct,
        results={"results": []},
        codes=["mul-swap"],
        box_before=1,
        box_after=2,
        due_after=T0 + timedelta(days=2),
        reviewed_at=T0,
        state_before={"item_id": "add-mul", "box": 1},
    )


def count(db: Database, model: type[object]) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- UTC round trip ---------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [T0, T0.astimezone(timezone(timedelta(hours=-5))), T0.astimezone(timezone(timedelta(hours=9)))],
    ids=["utc", "utc-5", "utc+9"],
)
def test_an_aware_time_comes_back_as_the_same_instant_in_utc(
    database: Database, given: datetime
) -> None:
    with database.transaction() as session:
        session.add(Learner(user_id=USER, created_at=given, dms_closed_at=given))
    with database.session() as session:
        learner = session.get_one(Learner, USER)
    assert learner.created_at == T0
    assert learner.created_at.utcoffset() == timedelta(0)
    assert learner.dms_closed_at is not None and learner.dms_closed_at.tzinfo is not None


def test_microseconds_survive_the_round_trip(database: Database) -> None:
    precise = T0.replace(microsecond=123456)
    with database.transaction() as session:
        session.add(Learner(user_id=USER, created_at=precise))
    with database.session() as session:
        assert session.get_one(Learner, USER).created_at == precise


def test_a_naive_time_is_refused(database: Database) -> None:
    session = database.session()
    with session, pytest.raises(StatementError) as raised:
        session.add(Learner(user_id=USER, created_at=T0.replace(tzinfo=None)))
        session.flush()
    assert isinstance(raised.value.orig, ValueError)
    assert "naive" in str(raised.value.orig)


def test_a_naive_time_is_refused_in_a_query_too(database: Database) -> None:
    with database.session() as session, pytest.raises(StatementError):
        session.scalars(select(ItemStateRow).where(ItemStateRow.due <= T0.replace(tzinfo=None)))


def test_due_times_compare_as_instants_whatever_zone_they_came_in(database: Database) -> None:
    add_learner(database)
    plus_one = timezone(timedelta(hours=1))
    with database.transaction() as session:
        # 10:00+01:00 is 09:00 UTC: due before T0, although "10:00" sorts after "09:30"
        session.add(
            ItemStateRow(
                user_id=USER,
                item_id="early",
                due=datetime(2024, 3, 10, 10, tzinfo=plus_one),
                first_seen=T0,
            )
        )
        session.add(
            ItemStateRow(
                user_id=USER,
                item_id="late",
                due=T0 + timedelta(minutes=1),
                first_seen=T0,
            )
        )
    with database.session() as session:
        due = session.scalars(select(ItemStateRow.item_id).where(ItemStateRow.due <= T0)).all()
    assert due == ["early"]


# --- defaults, JSON, big ids --------------------------------------------------


def test_a_new_learner_gets_the_documented_defaults(database: Database) -> None:
    add_learner(database)
    with database.session() as session:
        learner = session.get_one(Learner, USER)
    assert (learner.timezone, learner.reminders_enabled, learner.reminder_where) == (
        "UTC",
        False,
        "dm",
    )
    assert learner.dms_closed is False and learner.dm_channel_id is None


def test_server_defaults_fill_rows_inserted_without_the_orm(database: Database) -> None:
    with database.transaction() as session:
        session.execute(insert(Learner.__table__).values(user_id=USER, created_at=T0))
        session.execute(
            insert(ItemStateRow.__table__).values(
                user_id=USER,
                item_id="add-mul",
                first_seen=T0,
            )
        )
    with database.session() as session:
        state = session.get_one(ItemStateRow, (USER, "add-mul"))
        learner = session.get_one(Learner, USER)
    assert (state.box, state.reviews, state.correct, state.lapses, state.due) == (1, 0, 0, 0, None)
    assert (learner.timezone, learner.reminders_enabled) == ("UTC", False)
    assert learner.dms_closed is False


def test_json_columns_keep_their_structure(database: Database) -> None:
    add_learner(database)
    attempt_id = add_attempt(database)
    results = {
        "results": [
            {
                "name": "dx",
                "given": -1.5,
                "correct": False,
                "diagnoses": [{"code": "mul-swap", "hint": "swap"}],
            }
        ]
    }
    with database.transaction() as session:
        review = review_of(attempt_id)
        review.results = results
        session.add(review)
    with database.session() as session:
        stored = session.scalars(select(Review)).one()
    assert stored.results == results
    assert stored.codes == ["mul-swap"]
    assert stored.state_before == {"item_id": "add-mul", "box": 1}


def test_discord_snowflakes_fit(database: Database) -> None:
    biggest = 2**63 - 1
    with database.transaction() as session:
        session.add(Learner(user_id=biggest, created_at=T0, dm_channel_id=biggest))
        session.add(GuildSettings(guild_id=biggest, instructor_role_id=biggest))
    with database.session() as session:
        assert session.get_one(Learner, biggest).dm_channel_id == biggest


# --- constraints ----------------------------------------------------------------


def test_a_second_review_of_the_same_attempt_is_refused(database: Database) -> None:
    add_learner(database)
    attempt_id = add_attempt(database)
    with database.transaction() as session:
        session.add(review_of(attempt_id))
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(review_of(attempt_id, correct=False))
    assert count(database, Review) == 1


def test_one_item_state_per_learner_and_item(database: Database) -> None:
    add_learner(database)
    with database.transaction() as session:
        session.add(ItemStateRow(user_id=USER, item_id="add-mul", first_seen=T0))
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.execute(
            insert(ItemStateRow.__table__).values(
                user_id=USER,
                item_id="add-mul",
                first_seen=T0,
            )
        )


def test_one_reminder_per_learner_and_local_day(database: Database) -> None:
    add_learner(database)
    day = date(2024, 3, 10)
    with database.transaction() as session:
        session.add(ReminderLogEntry(user_id=USER, local_date=day, status="claimed", at=T0))
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(ReminderLogEntry(user_id=USER, local_date=day, status="claimed", at=T0))
    with database.transaction() as session:
        session.add(
            ReminderLogEntry(
                user_id=USER,
                local_date=day + timedelta(days=1),
                status="claimed",
                at=T0,
            )
        )
    assert count(database, ReminderLogEntry) == 2


def test_rows_of_an_unknown_learner_are_refused(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(ItemStateRow(user_id=USER, item_id="add-mul", first_seen=T0))


@pytest.mark.parametrize(
    ("column", "value"), [("kind", "essay"), ("reminder_where", "pigeon"), ("box", 0)]
)
def test_check_constraints_refuse_nonsense(database: Database, column: str, value: object) -> None:
    add_learner(database)
    with pytest.raises(IntegrityError), database.transaction() as session:
        if column == "kind":
            session.add(Attempt(user_id=USER, item_id="x", kind=value, served_at=T0))
        elif column == "reminder_where":
            session.get_one(Learner, USER).reminder_where = str(value)
        else:
            session.add(ItemStateRow(user_id=USER, item_id="x", box=value, first_seen=T0))


# --- forgetting a learner ---------------------------------------------------------


def fill_everything_for(db: Database, user_id: int) -> None:
    add_learner(db, user_id)
    attempt_id = add_attempt(db, user_id)
    with db.transaction() as session:
        session.add(review_of(attempt_id, user_id))
        session.add(ItemStateRow(user_id=user_id, item_id="add-mul", first_seen=T0, due=T0))
        session.add(GuildEnrolment(guild_id=GUILD, user_id=user_id, enrolled_at=T0))
        session.add(ReminderLogEntry(user_id=user_id, local_date=T0.date(), status="sent", at=T0))


LEARNER_TABLES = (Learner, Attempt, Review, ItemStateRow, GuildEnrolment, ReminderLogEntry)


def test_deleting_a_learner_deletes_all_their_rows_and_nobody_elses(database: Database) -> None:
    fill_everything_for(database, USER)
    fill_everything_for(database, OTHER_USER)
    with database.transaction() as session:
        session.add(GuildSettings(guild_id=GUILD, default_reminder_time="18:00"))
    with database.transaction() as session:
        session.delete(session.get_one(Learner, USER))
    for model in LEARNER_TABLES:
        with database.session() as session:
            owners = set(session.scalars(select(model.user_id)))  # type: ignore[attr-defined]
        assert owners == {OTHER_USER}, model.__name__
    assert count(database, GuildSettings) == 1


def test_a_learner_and_their_first_rows_go_in_with_one_flush(database: Database) -> None:
    # the unit of work must insert the learner and the attempt before the rows
    # that reference them, whatever order they were added in
    with database.transaction() as session:
        attempt = Attempt(user_id=USER, item_id="add-mul", kind="problem", served_at=T0)
        review = review_of(0)
        review.attempt = attempt
        session.add_all([review, ItemStateRow(user_id=USER, item_id="add-mul", first_seen=T0)])
        session.add(attempt)
        session.add(Learner(user_id=USER, created_at=T0))
    with database.session() as session:
        assert session.scalars(select(Review.attempt_id)).one() == attempt.id


def test_a_learner_can_be_deleted_while_their_rows_are_loaded(database: Database) -> None:
    fill_everything_for(database, USER)
    with database.transaction() as session:
        state = session.get_one(ItemStateRow, (USER, "add-mul"))
        session.delete(state.learner)
    for model in LEARNER_TABLES:
        assert count(database, model) == 0, model.__name__


def test_the_tables_have_the_indexes_the_queries_need(database: Database) -> None:
    inspector = inspect(database.engine)

    def indexed(table: str) -> set[tuple[str, ...]]:
        return {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}  # type: ignore[misc]

    assert {("due",), ("user_id", "due")} <= indexed("item_states")
    assert ("user_id", "served_at") in indexed("attempts")
    assert ("user_id", "reviewed_at") in indexed("reviews")
