"""What instructors get: class and learner statistics, server settings, report files.

:mod:`.service` is the application service the front ends call; :mod:`.reports` writes
the CSV and :mod:`.charts` draws the PNG charts (it loads matplotlib, so only the bot's
worker processes import it, never this package).  The SQL lives in
``quizzes.storage.instructor_queries``.
"""

from __future__ import annotations

from quizzes.instructor.service import (
    ACTIVE_DAYS,
    REPORT_DAYS,
    ClassReport,
    GuildConfig,
    InstructorError,
    InstructorService,
    NotAGuildManager,
    NotAnInstructor,
    report_start,
)

__all__ = [
    "ACTIVE_DAYS",
    "REPORT_DAYS",
    "ClassReport",
    "GuildConfig",
    "InstructorError",
    "InstructorService",
    "NotAGuildManager",
    "NotAnInstructor",
    "report_start",
]
