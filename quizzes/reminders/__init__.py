"""Daily review reminders: when each learner's is due, and who sends it once.

:mod:`.rules` is pure (reminder times, zones, retries), :mod:`.schedule` computes a
learner's next reminder (what a time-zone change needs too), :mod:`.service` is the
application service the bot's sweep calls.  The SQL is in ``quizzes.storage.reminder_queries``.
"""

from __future__ import annotations

from quizzes.reminders.rules import ReminderError
from quizzes.reminders.service import (
    ClaimedReminder,
    DueReminder,
    Outcome,
    ReminderService,
    ReminderSettings,
)

__all__ = [
    "ClaimedReminder",
    "DueReminder",
    "Outcome",
    "ReminderError",
    "ReminderService",
    "ReminderSettings",
]
