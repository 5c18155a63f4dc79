"""Alembic environment for chainrule.

The URL comes from, in order: a connection handed over in
``config.attributes["connection"]`` (``Database.upgrade_to_head`` and the tests),
``sqlalchemy.url`` if the caller set it, else ``CHAINRULE_DATABASE_URL``.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection

from quizzes.storage.db import (
    check_foreign_keys,
    create_database_engine,
    database_url_from_env,
    lock_for_migration,
    normalise_database_url,
    sqlite_foreign_keys_suspended,
)
from quizzes.storage.models import Base, UTCDateTime

config = context.config
if config.config_file_name is not None:
    # keep the application's loggers alive when migrations run in-process
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    configured = config.get_main_option("sqlalchemy.url")
    return normalise_database_url(configured) if configured else database_url_from_env()


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import application types: a UTCDateTime column is a
    # timezone-aware DateTime in the schema; the conversion lives in the model.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure_options(dialect_name: str) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        "render_as_batch": dialect_name == "sqlite",  # SQLite cannot ALTER most things
        "render_item": render_item,
        # Our SQLite engine lets SQLAlchemy emit BEGIN (see quizzes/storage/db.py), so
        # SQLite's DDL is transactional too: a failed migration leaves no half schema.
        "transactional_ddl": True,
    }


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **configure_options(url.partition(":")[0].partition("+")[0]),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_on(connection: Connection) -> None:
    with sqlite_foreign_keys_suspended(connection):
        context.configure(connection=connection, **configure_options(connection.dialect.name))
        with context.begin_transaction():
            lock_for_migration(connection)  # two processes starting at once migrate in turn
            context.run_migrations()
            check_foreign_keys(connection)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations_on(connection)
        return
    engine = create_database_engine(database_url())
    try:
        with engine.connect() as connection:
            run_migrations_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
