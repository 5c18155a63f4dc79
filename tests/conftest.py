"""Database fixtures shared by the whole suite.

``database_url``: an empty database of its own for each test — a SQLite file in
``tmp_path`` by default, or, when ``CHAINRULE_TEST_DATABASE_URL`` names a
PostgreSQL server (see ``.ci/postgres.sh``), a fresh ``test_<hex>`` database
created on it and dropped after the test.  The role in that URL needs CREATEDB.

``database``: a ``Database`` on that URL, upgraded to the newest migration and
closed after the test.
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from quizzes.storage.db import Database, normalise_database_url

TEST_DATABASE_URL_VARIABLE = "CHAINRULE_TEST_DATABASE_URL"


def _server_url() -> str | None:
    url = os.environ.get(TEST_DATABASE_URL_VARIABLE, "").strip()
    return normalise_database_url(url) if url else None


@pytest.fixture(autouse=True)
def garbage_collector_untouched() -> Iterator[None]:
    """Fail a test that leaves the collector tuned (``tune_garbage_collector`` is for a bot
    process, not the suite): a frozen heap and a 20,000-allocation young threshold would
    move every later test's leaked-resource warning to some other test, or hide it."""
    threshold = gc.get_threshold()
    yield
    frozen, tuned = gc.get_freeze_count(), gc.get_threshold()
    if frozen or tuned != threshold:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        pytest.fail(f"the test left the garbage collector tuned: {frozen} frozen, {tuned}")


@pytest.fixture(scope="session")
def database_server() -> Iterator[Engine | None]:
    """An AUTOCOMMIT engine on the PostgreSQL server under test, or None for SQLite."""
    url = _server_url()
    if url is None:
        yield None
        return
    if make_url(url).get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{TEST_DATABASE_URL_VARIABLE} must be a PostgreSQL URL")
    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, database_server: Engine | None) -> Iterator[str]:
    """The URL of an empty database that only this test uses."""
    if database_server is None:
        yield f"sqlite:///{tmp_path / 'chainrule.db'}"
        return
    name = f"test_{uuid.uuid4().hex}"
    with database_server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield database_server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(database_server, name)


def _drop_database(server: Engine, name: str, tries: int = 5) -> None:
    """DROP ... WITH (FORCE): a test that failed half-way may have left connections open.

    A connection still in its start-up handshake has no role yet, and PostgreSQL
    refuses to terminate it ("must be a member of the role ..."): wait and retry.
    """
    for attempt in range(1, tries + 1):
        try:
            with server.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except DBAPIError:
            if attempt == tries:
                raise
            time.sleep(0.2 * attempt)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A Database on a fresh schema at the newest migration."""
    db = Database(database_url)
    db.upgrade_to_head()
    try:
        yield db
    finally:
        db.close()
