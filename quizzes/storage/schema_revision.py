"""A database's schema revision, read without changing anything (``chainrule doctor``).

SQLite is opened read-only: as immutable when no ``-wal`` file exists, so no
``-wal``/``-shm`` files appear beside it; with one (the bot is running, or
crashed), read-only through the WAL.  Nothing here creates a missing file:
the caller decides what a missing file means.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from quizzes.storage.db import DatabaseDriverMissing, alembic_config


@dataclass(frozen=True)
class SchemaRevision:
    current: str | None  # None: no schema yet (an empty database)
    head: str | None  # the newest migration of this code
    known: frozenset[str]  # every migration of this code

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def read_schema_revision(url: URL, *, connect_timeout: int) -> SchemaRevision:
    """The revision ``url``'s database is at, and this code's migrations.

    RuntimeError when the migrations are not found (not run from a checkout),
    DatabaseDriverMissing, or SQLAlchemyError when the database cannot be read.
    """
    script = ScriptDirectory.from_config(alembic_config())
    engine = _read_only_engine(url, connect_timeout)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return SchemaRevision(current, script.get_current_head(), known)


def _read_only_engine(url: URL, connect_timeout: int) -> Engine:
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        wal = path.with_name(path.name + "-wal")
        uri = path.absolute().as_uri() + ("?mode=ro" if wal.exists() else "?immutable=1")
        return create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool
        )
    connect_args: dict[str, object] = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = connect_timeout
    try:
        return create_engine(url, connect_args=connect_args, poolclass=NullPool)
    except ImportError as error:
        raise DatabaseDriverMissing(url.drivername, error.name) from error
