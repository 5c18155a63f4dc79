"""Engine, sessions and schema upgrades for SQLite (the default) and PostgreSQL.

The database URL comes from ``CHAINRULE_DATABASE_URL``; without it the bot keeps
its progress in ``chainrule.db`` in the working directory.  Engines are made
when a ``Database`` is made, never at import time.

Migrations live in ``migrations/`` at the root of the checkout, next to this
package.  ``upgrade_to_head`` finds them relative to this file, so the project
must be run from a checkout or an editable install (``pip install -e .``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

DATABASE_URL_VARIABLE = "CHAINRULE_DATABASE_URL"
DEFAULT_SQLITE_FILE = "chainrule.db"
CHECKOUT_DIR = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = CHECKOUT_DIR / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5_000
MIGRATION_BUSY_TIMEOUT_MS = 120_000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
# any fixed 64-bit number: names the lock two processes take to migrate one database
_MIGRATION_LOCK_KEY = 0x636861696E72756C  # "chainrul"
_PSYCOPG_DRIVER = "postgresql+psycopg"
_READ_ONLY_OPTION = "chainrule_read_only"
# Alembic runs env.py through module-level proxies (alembic.context), so one
# process must not run two migrations at once, even on different databases.
_ALEMBIC_IN_USE = threading.Lock()
_LOCKED_RETRIES = 5

T = TypeVar("T")


def normalise_database_url(url: str) -> str:
    """``url`` with a plain ``postgresql://`` (or ``postgres://``) sent to psycopg 3.

    Raises ValueError for something that is not a database URL.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or not scheme:
        raise ValueError(f"{url!r} is not a database URL (expected e.g. sqlite:///chainrule.db)")
    if scheme in ("postgresql", "postgres"):
        return f"{_PSYCOPG_DRIVER}://{rest}"
    return url


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The configured database URL: ``CHAINRULE_DATABASE_URL``, else a SQLite file in cwd."""
    environ = os.environ if environ is None else environ
    url = environ.get(DATABASE_URL_VARIABLE, "").strip()
    if not url:
        return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"
    return normalise_database_url(url)


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy (see _begin_immediately) instead of
    # letting the sqlite3 module open transactions behind its back.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # first: switching to WAL needs the lock, and must wait for it like the rest
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for a
    # concurrent writer: SQLite fails it at once with "database is locked".
    # Taking the write lock up front makes writers queue on busy_timeout.
    # Read-only work needs no lock: in WAL mode a reader never waits.
    if connection.get_execution_options().get(_READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN DEFERRED")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class DatabaseDriverMissing(RuntimeError):
    """The URL's database driver is not installed; the message says how to install it."""

    def __init__(self, drivername: str, module: str | None) -> None:
        super().__init__(missing_driver_advice(drivername))
        self.module = module  # the module that could not be imported


def missing_driver_advice(drivername: str) -> str:
    """What to do when ``drivername``'s module cannot be imported."""
    if drivername == _PSYCOPG_DRIVER:  # the driver the postgres extra installs
        setup = CHECKOUT_DIR / "scripts" / "setup.sh"
        return f"the PostgreSQL driver (psycopg) is not installed: run bash {setup} postgres"
    return (
        f"{drivername} URLs need a driver chainrule does not install: use sqlite:///FILE or "
        "postgresql://user:password@host/dbname (psycopg)"
    )


def create_database_engine(url: str) -> Engine:
    """An engine configured for chainrule's use of SQLite or PostgreSQL."""
    url = normalise_database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # A server that accepts but never answers must not hang start-up (or Ctrl-C
        # waiting for it) forever; ?connect_timeout=N in the URL overrides this.
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_SECONDS
    try:
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except ImportError as error:
        raise DatabaseDriverMissing(parsed.drivername, error.name) from error


@contextmanager
def sqlite_foreign_keys_suspended(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off for the duration of a migration.

    Alembic's batch mode rebuilds a table by copying it and dropping the
    original; with foreign keys on, dropping ``learners`` would first delete
    every learner, and ON DELETE CASCADE everything they own.  The pragma only
    takes effect outside a transaction, so ``connection`` must not be in one.
    Pair with ``check_foreign_keys`` before committing.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        raise RuntimeError("migrate SQLite on a connection that is not in a transaction")
    driver_connection = connection.connection.driver_connection
    if driver_connection is None:
        raise RuntimeError("migrate on an open connection")
    driver_connection.execute("PRAGMA foreign_keys=OFF")
    # a process starting behind others' migrations waits its turn, however slow the
    # machine, rather than fail start-up with "database is locked"
    driver_connection.execute(f"PRAGMA busy_timeout={MIGRATION_BUSY_TIMEOUT_MS:d}")
    try:
        yield
    finally:
        driver_connection.execute("PRAGMA foreign_keys=ON")
        driver_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")


def lock_for_migration(connection: Connection) -> None:
    """Make other processes migrating the same database wait until this transaction ends.

    PostgreSQL takes an advisory lock; SQLite needs nothing, since every
    transaction of ours begins by taking its write lock.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})


def check_foreign_keys(connection: Connection) -> None:
    """Raise if a migration run with foreign keys off left a dangling reference (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if dangling:
        raise RuntimeError(f"migration left rows with dangling foreign keys: {dangling[:5]}")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for this project's migrations, without alembic.ini.

    ``url`` goes into ``sqlalchemy.url`` (the migration environment uses it in
    preference to ``CHAINRULE_DATABASE_URL``).
    """
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise RuntimeError(
            f"migrations not found at {MIGRATIONS_DIR}: run chainrule from a checkout "
            "or an editable install (pip install -e .)"
        )
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # configparser treats "%" as interpolation; URL-encoded passwords contain it
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def retry_when_locked(unit_of_work: Callable[[], T]) -> T:
    """Run a write, retrying if SQLite's busy timeout ran out under heavy contention."""
    for attempt_number in range(_LOCKED_RETRIES):
        try:
            return unit_of_work()
        except OperationalError as error:
            if "locked" not in str(error) or attempt_number == _LOCKED_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt_number + 1))
    raise AssertionError("unreachable")  # pragma: no cover


class Database:
    """One database: its engine, a session factory and schema upgrades.

    ``with database.transaction() as session:`` commits on success and rolls
    back on an exception; ``with database.session() as session:`` gives a
    Session that you commit yourself.  On SQLite both take the write lock when
    they begin, so read-modify-write work queues instead of failing.
    ``with database.read_session() as session:`` is for work that writes
    nothing (reports, the reminder sweep's counts): on SQLite it neither takes
    nor waits for the write lock.  Sessions do not expire objects on commit,
    so rows can be returned from a worker thread and read afterwards.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_database_url(url)
        self.engine = create_database_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(**{_READ_ONLY_OPTION: True})
        self._read_sessions = sessionmaker(reader, expire_on_commit=False)
        # SQLite has one writer at a time.  Writers of this process queue on a lock that
        # hands over the moment a transaction ends; otherwise they wait in SQLite's busy
        # handler, which polls with sleeps growing to 100 ms, so a writer may sleep on
        # long after the lock came free (under bench/bot_load.py most of a reply's time).
        # Other processes still queue on busy_timeout.  PostgreSQL locks rows: no lock.
        self._one_writer: AbstractContextManager[object] = (
            threading.RLock() if self.backend == "sqlite" else nullcontext()
        )

    @classmethod
    def from_env(cls) -> Database:
        return cls(database_url_from_env())

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    def read_session(self) -> Session:
        return self._read_sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._one_writer, self._sessions.begin() as session:
            yield session

    def upgrade_to_head(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there).

        Safe when several processes start at once: they migrate one after the
        other (SQLite's write lock; a PostgreSQL advisory lock), and the later
        ones find the schema already at head.
        """
        config = alembic_config()
        with _ALEMBIC_IN_USE, self.engine.connect() as connection:
            # outside a transaction: migrations/env.py must switch SQLite's
            # foreign keys off before it begins one
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Close every pooled connection.  The Database can still be used afterwards."""
        self.engine.dispose()

    dispose = close

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"
