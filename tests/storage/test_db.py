"""The Database: configuration, SQLite connection settings and concurrent use."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from quizzes.storage import (
    Database,
    ItemStateRow,
    Learner,
    database_url_from_env,
    normalise_database_url,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 10, 9, 30, tzinfo=UTC)
USER = 123456789012345678


def run_in_threads(work: Callable[[], None], count: int) -> list[BaseException]:
    """Run ``work`` in ``count`` threads released together; the errors they raised."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            work()
        except BaseException as error:  # noqa: BLE001 - collected and asserted on
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_foreign_keys_are_enforced_on_every_connection(database: Database) -> None:
    if database.backend != "sqlite":
        pytest.skip("a SQLite pragma")
    for _ in range(3):  # fresh pooled connections each get the pragmas
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        database.close()


def test_concurrent_read_modify_write_transactions_lose_no_update(database: Database) -> None:
    # The study service reads a state and writes it back; 20 of those at once
    # must neither fail with "database is locked" nor overwrite each other.
    with database.transaction() as session:
        session.add(Learner(user_id=USER, created_at=T0))
        session.add(ItemStateRow(user_id=USER, item_id="add-mul", first_seen=T0))

    def review_once() -> None:
        with database.transaction() as session:
            state = session.scalars(
                select(ItemStateRow).where(ItemStateRow.user_id == USER).with_for_update()
            ).one()
            state.reviews += 1

    assert run_in_threads(review_once, 20) == []
    with database.session() as session:
        assert session.get_one(ItemStateRow, (USER, "add-mul")).reviews == 20


def test_a_read_session_does_not_wait_for_a_writer(database: Database) -> None:
    with database.transaction() as session:
        session.add(Learner(user_id=USER, created_at=T0))
    with database.engine.connect() as writer:
        # a writer holds its lock (on SQLite, the database's one write lock)
        writer.execute(update(Learner).values(timezone="Europe/Paris"))
        with database.read_session() as session:
            # sees the last committed data at once, where a locking begin would wait
            assert session.get_one(Learner, USER).timezone == "UTC"
        writer.rollback()


START_UP = """
import sys
from quizzes.storage import Database
database = Database(sys.argv[1])
database.upgrade_to_head()
database.close()
"""


def test_processes_starting_together_each_upgrade_safely(database_url: str) -> None:
    starting = [
        subprocess.Popen(  # noqa: S603 - our interpreter, our script
            [sys.executable, "-c", START_UP, database_url],
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    errors = [process.communicate(timeout=120)[1] for process in starting]
    failures = [err for process, err in zip(starting, errors, strict=True) if process.returncode]
    assert failures == []
    database = Database(database_url)
    try:
        with database.session() as session:
            assert session.execute(text("SELECT count(*) FROM learners")).scalar() == 0
    finally:
        database.close()


def test_threads_of_one_process_can_upgrade_at_once(database_url: str) -> None:
    databases = [Database(database_url) for _ in range(3)]
    turn = iter(databases)
    lock = threading.Lock()

    def start_up() -> None:
        with lock:
            database = next(turn)
        database.upgrade_to_head()

    try:
        assert run_in_threads(start_up, len(databases)) == []
    finally:
        for database in databases:
            database.close()


def test_the_default_url_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = database_url_from_env({})
    assert url == f"sqlite:///{tmp_path}/chainrule.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////var/lib/chainrule.db", "sqlite:////var/lib/chainrule.db"),
    ],
)
def test_urls_from_the_environment_are_normalised(given: str, expected: str) -> None:
    assert database_url_from_env({"CHAINRULE_DATABASE_URL": f"  {given}\n"}) == expected


def test_a_malformed_url_is_refused() -> None:
    with pytest.raises(ValueError, match="not a database URL"):
        normalise_database_url("chainrule.db")


def test_the_repr_hides_the_password() -> None:
    db = Database("postgresql://chainrule:hunter2@127.0.0.1/x")
    try:
        assert "hunter2" not in repr(db)
    finally:
        db.close()


def test_a_file_database_works_across_threads(database: Database) -> None:
    # the study service runs its queries in worker threads
    with database.transaction() as session:
        session.add(Learner(user_id=USER, created_at=T0))

    def read() -> None:
        with database.session() as session:
            assert session.get_one(Learner, USER).timezone == "UTC"

    assert run_in_threads(read, 4) == []
