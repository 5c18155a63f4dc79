"""What the study service returns, and the errors it raises (safe to show a learner)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from quizzes.decks import Card
from quizzes.grading import Grade
from quizzes.problems.base import Problem, QuizError
from quizzes.skills import Mastery


class StudyError(QuizError):
    """A study-service error; the default message is safe to show a learner."""

    default_message = "Something went wrong with that question."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class AttemptNotFound(StudyError):
    default_message = "That question no longer exists — start a new review."


class NotYourAttempt(StudyError):
    default_message = "This question belongs to someone else."


class AttemptExpired(StudyError):
    default_message = "This question has expired — start a new review."


class NothingToPractise(StudyError):
    default_message = "There is no problem family to practise in this deck."


class NoWalk(StudyError):
    default_message = "There is nothing to work through: no backward answer was wrong."


class WalkOver(StudyError):
    default_message = "This walk is over — run /review to go on."


class NothingToUndo(StudyError):
    default_message = "There is no answer from the last 10 minutes to undo."


class NotEnrolled(StudyError):
    default_message = "That member has not studied in this server."


@dataclass
class ServedItem:
    attempt_id: int
    item_id: str
    kind: Literal["card", "problem"]
    card: Card | None
    problem: Problem | None
    box: int
    practice: bool


@dataclass(frozen=True)
class WalkStep:
    """The walk's step on screen: its question and form label, and where the walk stands."""

    walk_id: int
    gate_text: str  # "the add gate q = x + y"
    quantity: str  # the answer it corrects: "∂f/∂x"
    number: int  # 1-based
    of: int
    question: str
    label: str


@dataclass(frozen=True)
class WalkReply:
    """A step's feedback and the next step (None when the walk is over)."""

    text: str
    right: bool
    shown: bool
    next: WalkStep | None
    finished: bool


@dataclass(frozen=True)
class Recommendation:
    """What to practise next, and why (said to the learner)."""

    family: str
    reason: str
    focus: str | None  # the mistake code the problem is drawn to show, if any


@dataclass
class NothingDue:
    next_due: datetime | None


@dataclass
class SubmitResult:
    attempt_id: int
    item_id: str
    correct: bool
    grade: Grade | None  # None for flashcards (self-graded)
    box_before: int
    box_after: int
    next_due: datetime | None
    replayed: bool  # True when this attempt had already been submitted: nothing new recorded
    practice: bool
    # a missed problem with a wrong backward answer: StudyService.start_walk can take it
    walkable: bool = False


@dataclass
class UndoResult:
    item_id: str
    box: int  # the box restored
    due: datetime | None  # the due time restored
    reviewed_at: datetime  # when the undone answer was given
    practice: bool = False  # a practice answer: no box moved, none to restore
    title: str = ""  # how the learner knows the item: "the card “…”", "the problem “…”"


@dataclass
class Progress:
    user_id: int
    timezone: str
    boxes: dict[int, int]  # box -> number of items in it (every configured box present)
    due_now: int
    due_today: int  # due before the end of the learner's local day (includes due_now)
    due_tomorrow: int  # due during the next local day
    due_this_week: int  # due within the next 7 local days (includes today and tomorrow)
    streak_days: int  # consecutive local days with a review, ending today or yesterday
    reviews: int  # answered and not undone, practice included
    correct: int
    accuracy: float | None  # correct / reviews, None before the first review
    accuracy_by_family: dict[str, float]  # problem family id -> accuracy
    next_due: datetime | None
    skills: tuple[Mastery, ...] = ()  # every skill practised so far, in the lesson's order
    frequent_mistake: tuple[str, int] | None = None  # (code, times) in the last 14 days


@dataclass(frozen=True)
class ItemAccuracy:
    item_id: str
    attempts: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


@dataclass(frozen=True)
class LearnerItemRow:
    """One learner × item row (the instructor CSV)."""

    user_id: int
    item_id: str
    attempts: int
    correct: int
    box: int
    due: datetime | None
    last_review: datetime | None

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


@dataclass(frozen=True)
class OverdueLearner:
    user_id: int
    overdue_items: int
    oldest_due: datetime


@dataclass
class ClassStats:
    guild_id: int
    since: datetime
    enrolled: int
    active: int  # enrolled learners with a review at or after ``since``
    reviews_per_day: list[tuple[date, int]]  # UTC days from since to now, zero days included
    hardest_items: list[ItemAccuracy]  # lowest accuracy first (reviews since ``since``)
    diagnosis_counts: list[tuple[str, int]]  # most frequent first
    boxes: dict[int, int]
    overdue_learners: list[OverdueLearner]
    rows: list[LearnerItemRow] = field(default_factory=list)
    skills: list[SkillSummary] = field(default_factory=list)  # the class's, lesson order
    retests: list[MistakeRetest] = field(default_factory=list)  # most learners first
    learner_skills: dict[int, dict[str, float]] = field(default_factory=dict)  # for the CSV


@dataclass(frozen=True)
class SkillSummary:
    """One skill across a class: the mean mastery estimate of those who practised it."""

    skill: str
    label: str
    learners: int
    mean: float
    solid: int  # learners whose estimate is solid
    shaky: int


@dataclass(frozen=True)
class MistakeRetest:
    """How many learners made a mistake in the period, and how many of them then got a
    retest of it (a problem drawn so the mistake would show) right."""

    code: str
    learners: int
    retested: int  # of them, with a retest of the code answered after the mistake
    retest_right: int  # of them, with a retest answered right


@dataclass
class LearnerStats:
    guild_id: int
    user_id: int
    enrolled: bool
    progress: Progress
    items: list[LearnerItemRow]
    diagnosis_counts: list[tuple[str, int]]
    last_review: datetime | None
