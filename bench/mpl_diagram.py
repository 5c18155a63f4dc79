"""The matplotlib circuit renderer that quizzes/diagram.py replaced, kept only so that
bench/diagrams.py can compare the two on the same problems.  Nothing in the bot uses it.

Circuit diagrams in the style of the CS231n notes, rendered to PNG bytes.

Inputs sit on the left, gates are circles, and every wire shows the value flowing
forward above it (green) and the gradient flowing back below it (red).  The
diagram is drawn from a problem's per-gate table (``Problem.gates``), so any
front end (Discord, terminal) can attach it to a worked solution.

Figures are built with ``matplotlib.figure.Figure`` and the Agg canvas directly,
never pyplot, so rendering in worker threads is safe.  ``render_circuit`` takes
and returns picklable values (gate rows, a title, PNG bytes), so the bot can run
it in worker processes (bot/diagrams.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from quizzes.autograd import GateRow
from quizzes.circuit_view import display_gates
from quizzes.problems.base import fmt

VALUE_COLOUR = "#1a7f37"  # green, forward
GRADIENT_COLOUR = "#cf222e"  # red, backward
WIRE_COLOUR = "#444444"
GATE_FILL = "#f6f8fa"
COLUMN_WIDTH = 2.6
ROW_HEIGHT = 1.2
MIN_ROW_GAP = 0.9  # keeps a wire's value and gradient clear of the next node
GATE_RADIUS = 0.32
MAX_FIGURE_INCHES = (18.0, 14.0)
DPI = 110
# zlib's fastest level: a third faster to encode at ~20% more bytes (50 kB, far below
# Discord's upload limit); the bot renders one diagram per answered problem
PNG_COMPRESS_LEVEL = 1

GATE_SYMBOLS = {
    "+": "+",
    "*": "×",
    "**": "x^k",
    "neg": "−x",
    "exp": "exp",
    "log": "log",
    "relu": "relu",
    "sigmoid": "σ",
    "tanh": "tanh",
    "max": "max",
}


class DiagramError(ValueError):
    """The gate table cannot be drawn (empty, or inputs that point forward)."""


@dataclass(frozen=True)
class _Layout:
    x: dict[int, float]
    y: dict[int, float]
    output: int
    consumers: dict[int, list[int]]


def render_circuit(gates: Sequence[GateRow], title: str = "") -> bytes:
    """A PNG of the circuit in ``gates`` (topological order, output last); a constant factor
    is drawn as its "×c" gate, as the worked solution's table shows it."""
    _check_table(gates)
    gates = display_gates(gates, name_all=False)
    layout = _layout(gates)
    figure = _new_figure(layout)
    axes = figure.add_axes((0.0, 0.0, 1.0, 0.92 if title else 1.0))
    axes.set_axis_off()
    axes.set_aspect("equal")
    for row in gates:
        for child in row.inputs:
            _draw_wire(axes, layout, gates[child], row)
        _label_wire(axes, layout, gates, row)
    _draw_output_wire(axes, layout, gates[layout.output])
    for row in gates:
        _draw_node(axes, layout, row)
    xs, ys = list(layout.x.values()), list(layout.y.values())
    axes.set_xlim(min(xs) - 1.0, max(xs) + COLUMN_WIDTH)
    axes.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    if title:
        figure.suptitle(title, fontsize=12, y=0.98)
    figure.text(
        0.01, 0.01, "green: value (forward)   red: gradient (backward)", fontsize=8, color="#666"
    )
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return buffer.getvalue()


def _check_table(gates: Sequence[GateRow]) -> None:
    if not gates:
        raise DiagramError("a circuit diagram needs at least one gate")
    for row in gates:
        if any(not 0 <= child < row.index for child in row.inputs):
            raise DiagramError(f"gate {row.index} has an input that is not drawn before it")


def _layout(gates: Sequence[GateRow]) -> _Layout:
    """Gates in columns by depth; leaves in the order a walk from the output meets them."""
    depth: dict[int, int] = {}
    consumers: dict[int, list[int]] = {row.index: [] for row in gates}
    for row in gates:
        depth[row.index] = 1 + max((depth[c] for c in row.inputs), default=-1)
        for child in row.inputs:
            consumers[child].append(row.index)
    column: dict[int, int] = {}
    for row in gates:
        column[row.index] = depth[row.index]
        if not row.inputs and consumers[row.index]:
            # an input sits just left of its first consumer, so its wire stays short
            column[row.index] = min(depth[c] for c in consumers[row.index]) - 1
    output = gates[-1].index
    y = _rows(gates, output, column)
    x = {index: c * COLUMN_WIDTH for index, c in column.items()}
    return _Layout(x=x, y=y, output=output, consumers=consumers)


def _rows(gates: Sequence[GateRow], output: int, column: dict[int, int]) -> dict[int, float]:
    """Leaves one row each, in walk order; a gate level with its inputs' middle; then each
    column pushed apart so no two nodes (and their labels) overlap."""
    y = {leaf: -slot * ROW_HEIGHT for slot, leaf in enumerate(_leaves_in_walk_order(gates, output))}
    by_column: dict[int, list[int]] = {}
    for row in gates:
        by_column.setdefault(column[row.index], []).append(row.index)
    for c in sorted(by_column):
        for index in by_column[c]:  # inputs are in earlier columns, so already final
            inputs = gates[index].inputs
            if inputs:
                y[index] = sum(y[i] for i in inputs) / len(inputs)
            y.setdefault(index, 0.0)  # a lone node that nothing reaches
        ordered = sorted(by_column[c], key=lambda index: -y[index])
        for above, below in zip(ordered, ordered[1:], strict=False):
            y[below] = min(y[below], y[above] - MIN_ROW_GAP)
    return y


def _leaves_in_walk_order(gates: Sequence[GateRow], output: int) -> list[int]:
    leaves: list[int] = []
    seen: set[int] = set()
    stack = [output]
    while stack:  # depth-first, first input on top
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if not gates[node].inputs:
            leaves.append(node)
        stack.extend(reversed(gates[node].inputs))
    return leaves


def _new_figure(layout: _Layout) -> Figure:
    width = (max(layout.x.values()) - min(layout.x.values())) / COLUMN_WIDTH * 2.2 + 3.5
    height = (max(layout.y.values()) - min(layout.y.values())) / ROW_HEIGHT * 1.0 + 2.2
    return Figure(
        figsize=(min(width, MAX_FIGURE_INCHES[0]), min(height, MAX_FIGURE_INCHES[1])), dpi=DPI
    )


def _wire_start(layout: _Layout, node: GateRow) -> float:
    return layout.x[node.index] + (GATE_RADIUS if node.inputs else 0.25)


def _bend(layout: _Layout, child: GateRow, gate: GateRow) -> float:
    return max(_wire_start(layout, child) + 0.6, layout.x[gate.index] - GATE_RADIUS - 0.55)


def _draw_wire(axes: Axes, layout: _Layout, child: GateRow, gate: GateRow) -> None:
    start_x, start_y = _wire_start(layout, child), layout.y[child.index]
    end_x, end_y = layout.x[gate.index] - GATE_RADIUS, layout.y[gate.index]
    bend_x = _bend(layout, child, gate)
    xs, ys = [start_x, bend_x, end_x], [start_y, start_y, end_y]
    axes.plot(xs, ys, color=WIRE_COLOUR, lw=1.4, zorder=1)


def _label_wire(axes: Axes, layout: _Layout, gates: Sequence[GateRow], node: GateRow) -> None:
    """One label pair per node, on the stem its consumers share: its value and its total
    gradient (the sum over every branch, as the notes add gradients where wires fork)."""
    users = layout.consumers[node.index]
    if not users:
        return
    start_x = _wire_start(layout, node)
    stem_end = min(_bend(layout, node, gates[user]) for user in users)
    _wire_labels(axes, (start_x + stem_end) / 2, layout.y[node.index], node.value, node.upstream)


def _draw_output_wire(axes: Axes, layout: _Layout, output: GateRow) -> None:
    start_x = _wire_start(layout, output)
    y = layout.y[output.index]
    end_x = start_x + COLUMN_WIDTH * 0.7
    axes.plot([start_x, end_x], [y, y], color=WIRE_COLOUR, lw=1.4, zorder=1)
    _wire_labels(axes, (start_x + end_x) / 2, y, output.value, output.upstream)
    if output.name:
        axes.text(end_x + 0.1, y, output.name, ha="left", va="center", fontsize=11)


def _wire_labels(axes: Axes, x: float, y: float, value: float, gradient: float) -> None:
    text = axes.text
    text(x, y + 0.1, fmt(value), color=VALUE_COLOUR, ha="center", va="bottom", fontsize=10)
    text(x, y - 0.1, fmt(gradient), color=GRADIENT_COLOUR, ha="center", va="top", fontsize=10)


def _draw_node(axes: Axes, layout: _Layout, row: GateRow) -> None:
    x, y = layout.x[row.index], layout.y[row.index]
    text = axes.text
    if not row.inputs:  # an input or a constant: its name at the start of its wire
        text(x + 0.2, y, row.name or fmt(row.value), ha="right", va="center", fontsize=11)
        return
    circle = Circle((x, y), GATE_RADIUS, facecolor=GATE_FILL, edgecolor=WIRE_COLOUR, lw=1.4)
    circle.set_zorder(2)
    axes.add_patch(circle)
    symbol = GATE_SYMBOLS.get(row.op, row.op or "?")
    size = 13 if len(symbol) <= 2 else 8
    text(x, y, symbol, ha="center", va="center", fontsize=size, zorder=3)
    if row.name and row.index != layout.output:
        text(
            x, y + GATE_RADIUS + 0.05, row.name, ha="center", va="bottom", fontsize=9, color="#555"
        )
