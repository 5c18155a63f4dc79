"""The use cases a front end calls: next item, submit, undo, progress, statistics.

``StudyService`` (async) is the entry point; the dataclasses it returns and the
errors it raises (learner-safe ``QuizError`` messages) are re-exported here.
"""

from quizzes.study.results import (
    AttemptExpired,
    AttemptNotFound,
    ClassStats,
    ItemAccuracy,
    LearnerItemRow,
    LearnerStats,
    NotEnrolled,
    NothingDue,
    NothingToUndo,
    NotYourAttempt,
    OverdueLearner,
    Progress,
    ServedItem,
    StudyError,
    SubmitResult,
    UndoResult,
)
from quizzes.study.service import StudyService
from quizzes.timezones import UnknownTimezone, utc_now

__all__ = [
    "AttemptExpired",
    "AttemptNotFound",
    "ClassStats",
    "ItemAccuracy",
    "LearnerItemRow",
    "LearnerStats",
    "NotEnrolled",
    "NotYourAttempt",
    "NothingDue",
    "NothingToUndo",
    "OverdueLearner",
    "Progress",
    "ServedItem",
    "StudyError",
    "StudyService",
    "SubmitResult",
    "UndoResult",
    "UnknownTimezone",
    "utc_now",
]
