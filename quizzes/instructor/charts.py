"""The instructors' PNG charts, drawn with matplotlib.

Pure functions of the study service's ``ClassStats`` / ``LearnerStats``.  Figures are
built with ``matplotlib.figure.Figure`` and the Agg canvas directly (never pyplot's
global state).  The bot draws them in its worker processes (bot/diagrams.py), so this
module, and matplotlib with it, is never imported by the bot's own process.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from quizzes.study import ClassStats, LearnerStats

CHART_DPI = 100
MAX_MISTAKE_BARS = 10
_BAR_COLOUR = "#5865F2"  # Discord blurple, like the bot's embeds
_MISTAKE_COLOUR = "#ED4245"
_BOX_COLOUR = "#57F287"


def class_chart_png(stats: ClassStats) -> bytes:
    """Reviews per day, the box distribution and mistakes by code, stacked in one PNG."""
    figure = Figure(figsize=(8, 10), layout="constrained")
    reviews, boxes, mistakes = figure.subplots(3, 1)
    draw_reviews_per_day(reviews, stats.reviews_per_day)
    draw_boxes(boxes, stats.boxes)
    draw_mistakes(mistakes, stats.diagnosis_counts)
    figure.suptitle(f"Class statistics since {stats.since.date().isoformat()} (UTC)")
    return _png(figure)


def learner_chart_png(stats: LearnerStats) -> bytes:
    """One learner's box distribution and mistakes by code."""
    figure = Figure(figsize=(8, 7), layout="constrained")
    boxes, mistakes = figure.subplots(2, 1)
    draw_boxes(boxes, stats.progress.boxes)
    draw_mistakes(mistakes, stats.diagnosis_counts)
    figure.suptitle(f"Learner {stats.user_id}")
    return _png(figure)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()


def draw_reviews_per_day(axes: Axes, per_day: Sequence[tuple[date, int]]) -> None:
    labels = [day.strftime("%m-%d") for day, _ in per_day]
    counts = [count for _, count in per_day]
    axes.bar(range(len(counts)), counts, color=_BAR_COLOUR)
    axes.set_xticks(range(len(labels)), labels, rotation=45, fontsize=8)
    axes.set_title("Reviews per day (UTC)")
    axes.set_ylabel("reviews")
    _whole_numbers(axes)


def draw_boxes(axes: Axes, boxes: dict[int, int]) -> None:
    numbers = sorted(boxes)
    axes.bar([str(box) for box in numbers], [boxes[box] for box in numbers], color=_BOX_COLOUR)
    axes.set_title("Items per Leitner box")
    axes.set_xlabel("box (1 = newest or last missed)")
    axes.set_ylabel("items")
    _whole_numbers(axes)


def draw_mistakes(axes: Axes, counts: Sequence[tuple[str, int]]) -> None:
    shown = list(counts[:MAX_MISTAKE_BARS])
    axes.set_title("Diagnosed mistakes by code")
    if not shown:
        axes.text(0.5, 0.5, "no mistakes diagnosed", ha="center", va="center")
        axes.set_axis_off()
        return
    shown.reverse()  # barh draws bottom-up: most frequent on top
    axes.barh([code for code, _ in shown], [count for _, count in shown], color=_MISTAKE_COLOUR)
    axes.set_xlabel("answers")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _whole_numbers(axes: Axes) -> None:
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
