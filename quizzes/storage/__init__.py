"""Progress storage: SQLAlchemy models, the Database (engine + sessions) and migrations."""

from quizzes.storage.db import (
    DATABASE_URL_VARIABLE,
    Database,
    alembic_config,
    create_database_engine,
    database_url_from_env,
    normalise_database_url,
)
from quizzes.storage.models import (
    Attempt,
    Base,
    GuildEnrolment,
    GuildSettings,
    ItemStateRow,
    Learner,
    ReminderLogEntry,
    Review,
    UTCDateTime,
)

__all__ = [
    "DATABASE_URL_VARIABLE",
    "Attempt",
    "Base",
    "Database",
    "GuildEnrolment",
    "GuildSettings",
    "ItemStateRow",
    "Learner",
    "ReminderLogEntry",
    "Review",
    "UTCDateTime",
    "alembic_config",
    "create_database_engine",
    "database_url_from_env",
    "normalise_database_url",
]
