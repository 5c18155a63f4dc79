"""What instructors get: class and learner statistics, server settings, report files.

:mod:`.service` is the application service the front ends call; :mod:`.reports` draws
the CSV and the PNG chart (it loads matplotlib, so it is imported where a report is
drawn, never by this package).  The SQL lives in ``quizzes.storage.instructor_queries``.
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
