"""Where everything in a circuit diagram goes: nodes in columns, wires as polylines, and the
box of every text, in pixels at 1×.

The layout is pure geometry (no Pillow): :mod:`quizzes.diagram` draws it, and the tests
check it (no two texts overlap, no text covers a gate, no two wires cross).

Rows come from a walk from the output that gives every use of an input its own row (its
*lane*).  An input used once sits in its lane; an input used several times (x0 and x1 of the
two-layer net feed both hidden units) sits between its lanes, one column further left for
every other node between them, and fans out to its lanes.  Where two subtrees of a gate share
inputs the walk draws the second mirrored, so the shared inputs' lanes nest (x1's inside x0's)
instead of interleaving, and their fans need not cross.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from quizzes.autograd import GateRow
from quizzes.circuit_view import power
from quizzes.problems.base import fmt

ROW = 38.0  # one lane: a wire with a label above and below, and a gap
GATE_RADIUS = 14.0
LEAF_GAP = 4.0  # between an input's name and the start of its wire
STEM_PAD = 6.0  # either side of a wire's labels
LABEL_GAP = 2.0  # between a wire and its labels
FAN = 20.0  # where a shared input's wires spread to their lanes
APPROACH = 22.0  # the slanted last stretch of a wire into its gate
MARGIN = 12.0
MIN_GATE_GAP = 1.0  # rows between two gates of one column

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

Point = tuple[float, float]
Box = tuple[float, float, float, float]
# (text, style) -> (width, height) of its line box in pixels at 1×
Measure = Callable[[str, str], tuple[float, float]]


@dataclass(frozen=True)
class PlacedText:
    text: str
    box: Box  # left, top, right, bottom
    style: str  # "value", "gradient", "name", "gate", "output", "title", "legend-value", ...


@dataclass(frozen=True)
class Wire:
    source: int  # the node the wire carries the value of
    target: int  # the gate it feeds (-1: the output's own stem)
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Gate:
    index: int
    centre: Point
    radius: float


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    texts: tuple[PlacedText, ...]
    wires: tuple[Wire, ...]
    gates: tuple[Gate, ...]


@dataclass(frozen=True)
class _Grid:
    """The part of a layout that depends only on the circuit's shape (cached)."""

    column: tuple[int, ...]
    row: tuple[float, ...]
    lane: dict[tuple[int, int], float]  # (gate, input position) -> the row its wire arrives in
    shared: frozenset[int]  # inputs that fan out to several lanes
    leaf_lanes: dict[int, tuple[float, ...]]


def layout_circuit(gates: Sequence[GateRow], title: str, measure: Measure) -> Layout:
    grid = _grid(tuple((row.op, row.inputs) for row in gates))
    texts: list[PlacedText] = []
    title_lines = _wrap(title, measure) if title else []
    top = MARGIN + sum(measure(line, "title")[1] + 2 for line in title_lines) + 8
    stems = _stem_lengths(gates, grid, measure)
    x = _column_x(gates, grid, stems, measure)
    first_row = min([*grid.row, *grid.lane.values()])
    y0 = top + measure("0", "value")[1] + GATE_RADIUS

    def y_of(row: float) -> float:
        return y0 + (row - first_row) * ROW

    def at(index: int) -> Point:
        return x[grid.column[index]], y_of(grid.row[index])

    wires: list[Wire] = []
    drawn_gates: list[Gate] = []
    fans = {grid.column[i] for i in grid.shared}
    fork = {c: x[c] + stems[c] - (FAN if c in fans else 0.0) for c in x}
    used = {child for row in gates for child in row.inputs}
    uses: dict[int, list[tuple[GateRow, int]]] = {}
    for gate in gates:
        for k, child in enumerate(gate.inputs):
            uses.setdefault(child, []).append((gate, k))
    for row in gates:
        px, py = at(row.index)
        start = px + (GATE_RADIUS if row.inputs else LEAF_GAP)
        stem_end = fork[grid.column[row.index]]
        if row.inputs:
            drawn_gates.append(Gate(row.index, (px, py), GATE_RADIUS))
            texts.extend(_gate_texts(row, (px, py), gates[-1].index, measure))
        else:
            width, height = measure(_leaf_name(row), "name")
            texts.append(
                PlacedText(
                    _leaf_name(row), (px - width, py - height / 2, px, py + height / 2), "name"
                )
            )
        is_output = row.index == gates[-1].index
        if is_output or row.index in used:
            texts.extend(_wire_labels(row, (start + stem_end) / 2, py, measure))
        if is_output:
            wires.append(Wire(row.index, -1, ((start, py), (stem_end, py))))
            if row.name:
                width, height = measure(row.name, "output")
                box = (stem_end + 4, py - height / 2, stem_end + 4 + width, py + height / 2)
                texts.append(PlacedText(row.name, box, "output"))
        for gate, k in uses.get(row.index, []):
            lane_y = y_of(grid.lane.get((gate.index, k), grid.row[row.index]))
            points = _wire_points(row, (start, py), stem_end, at(gate.index), lane_y, grid)
            wires.append(Wire(row.index, gate.index, points))
    content_right = max(box.box[2] for box in texts) + MARGIN
    legend_y = max(max(t.box[3] for t in texts), max(g.centre[1] + g.radius for g in drawn_gates))
    texts.extend(_legend(legend_y + 10, measure))
    width = max(content_right, max(t.box[2] for t in texts) + MARGIN)
    texts.extend(_title_texts(title_lines, width, measure))
    height = max(t.box[3] for t in texts) + MARGIN
    return Layout((round(width), round(height)), tuple(texts), tuple(wires), tuple(drawn_gates))


def _leaf_name(row: GateRow) -> str:
    return row.name or fmt(row.value)


def _wire_points(
    node: GateRow, start: Point, stem_end: float, gate: Point, lane_y: float, grid: _Grid
) -> tuple[Point, ...]:
    """Stem, then (for a shared input) a fan to its lane, then along the lane to the slant
    into the gate, ending on the gate's circle."""
    gx, gy = gate
    bend_x = gx - GATE_RADIUS - APPROACH
    points: list[Point] = [start, (stem_end, start[1])]
    if node.index in grid.shared:
        points.append((stem_end + FAN, lane_y))
    points.append((bend_x, lane_y))
    dx, dy = bend_x - gx, lane_y - gy
    distance = (dx * dx + dy * dy) ** 0.5
    points.append((gx + GATE_RADIUS * dx / distance, gy + GATE_RADIUS * dy / distance))
    return tuple(points)


def _wire_labels(row: GateRow, x: float, y: float, measure: Measure) -> list[PlacedText]:
    value, gradient = fmt(row.value), fmt(row.upstream)
    vw, vh = measure(value, "value")
    gw, gh = measure(gradient, "gradient")
    return [
        PlacedText(value, (x - vw / 2, y - LABEL_GAP - vh, x + vw / 2, y - LABEL_GAP), "value"),
        PlacedText(
            gradient, (x - gw / 2, y + LABEL_GAP, x + gw / 2, y + LABEL_GAP + gh), "gradient"
        ),
    ]


def _gate_texts(row: GateRow, centre: Point, output: int, measure: Measure) -> list[PlacedText]:
    x, y = centre
    symbol = gate_symbol(row.op, row.operand)
    style = "gate" if len(symbol) <= 2 else "gate-small"
    width, height = measure(symbol, style)
    texts = [
        PlacedText(symbol, (x - width / 2, y - height / 2, x + width / 2, y + height / 2), style)
    ]
    if row.name and row.index != output:
        width, height = measure(row.name, "gate-name")
        top = y - GATE_RADIUS - 1 - height
        texts.append(
            PlacedText(row.name, (x - width / 2, top, x + width / 2, top + height), "gate-name")
        )
    return texts


def gate_symbol(op: str, operand: float | None = None) -> str:
    if op == "**" and operand is not None:
        return f"x{power(operand)}"
    return GATE_SYMBOLS.get(op, op or "?")


LEGEND = (
    ("value (forward, above the wire)", "legend-value"),
    ("gradient (backward, below)", "legend-gradient"),
)


def _legend(top: float, measure: Measure) -> list[PlacedText]:
    texts, left = [], MARGIN
    for text, style in LEGEND:
        width, height = measure(text, style)
        texts.append(PlacedText(text, (left, top, left + width, top + height), style))
        left += width + 16
    return texts


def _wrap(title: str, measure: Measure) -> list[str]:
    """A long formula on several lines, broken where it lists its steps."""
    parts = title.split(",  ")
    lines = [parts[0]]
    for part in parts[1:]:
        if measure(f"{lines[-1]},  {part}", "title")[0] <= 520:
            lines[-1] = f"{lines[-1]},  {part}"
        else:
            lines[-1] += ","
            lines.append(part)
    return lines


def _title_texts(lines: Sequence[str], width: float, measure: Measure) -> list[PlacedText]:
    texts, top = [], MARGIN
    for line in lines:
        w, h = measure(line, "title")
        left = max(MARGIN, (width - w) / 2)
        texts.append(PlacedText(line, (left, top, left + w, top + h), "title"))
        top += h + 2
    return texts


def _column_x(
    gates: Sequence[GateRow], grid: _Grid, stems: dict[int, float], measure: Measure
) -> dict[int, float]:
    """Each column just far enough right of the last for its names, labels, fans and slants."""
    columns = sorted(stems)
    left: dict[int, float] = {c: GATE_RADIUS + APPROACH for c in columns}
    for row in gates:
        if not row.inputs:
            c = grid.column[row.index]
            left[c] = max(left[c], measure(_leaf_name(row), "name")[0] + 8)
    x = {columns[0]: MARGIN + left[columns[0]]}
    for before, after in zip(columns, columns[1:], strict=False):
        x[after] = x[before] + stems[before] + left[after]
    return x


def _stem_lengths(gates: Sequence[GateRow], grid: _Grid, measure: Measure) -> dict[int, float]:
    """Per column, from its nodes to where their wires leave the stem (and fan, if any do)."""
    longest: dict[int, float] = {}
    for row in gates:
        c = grid.column[row.index]
        labels = max(measure(fmt(row.value), "value")[0], measure(fmt(row.upstream), "gradient")[0])
        length = (GATE_RADIUS if row.inputs else LEAF_GAP) + labels + 2 * STEM_PAD
        if row.index in grid.shared:
            length += FAN
        longest[c] = max(longest.get(c, 0.0), length)
    return longest


@lru_cache(maxsize=256)
def _grid(shape: tuple[tuple[str, tuple[int, ...]], ...]) -> _Grid:
    """Of the walks (mirroring subtrees that share inputs, and plain), the one whose shared
    inputs' lanes nest best: fewest pairs that interleave (their fans would cross)."""
    candidates = [_grid_for(shape, mirror) for mirror in (True, False)]
    return min(candidates, key=_interleavings)


def _interleavings(grid: _Grid) -> int:
    spans = [(min(lanes), max(lanes)) for lanes in grid.leaf_lanes.values() if len(lanes) > 1]
    return sum(
        1
        for n, (low_a, high_a) in enumerate(spans)
        for low_b, high_b in spans[n + 1 :]
        if not (high_a < low_b or high_b < low_a)  # apart
        and not (low_a < low_b and high_b < high_a)  # nested
        and not (low_b < low_a and high_a < high_b)
    )


def _grid_for(shape: tuple[tuple[str, tuple[int, ...]], ...], mirror: bool) -> _Grid:
    inputs = [row_inputs for _, row_inputs in shape]
    output = len(shape) - 1
    below = _leaves_below(inputs)
    lane: dict[tuple[int, int], float] = {}
    leaf_lanes: dict[int, list[float]] = {}
    seen: set[int] = set()
    # depth first from the output; ("use", gate, k) hands the next lane to input k of gate
    stack: list[tuple[str, int, int]] = [("gate", output, 0)]
    while stack:
        kind, node, flag = stack.pop()
        if kind == "use":
            leaf = inputs[node][flag]
            lane[(node, flag)] = float(len(lane))
            leaf_lanes.setdefault(leaf, []).append(lane[(node, flag)])
            continue
        if node in seen:
            continue
        seen.add(node)
        order = list(enumerate(inputs[node]))
        if flag:
            order.reverse()
        shares = len(order) == 2 and bool(below[order[0][1]] & below[order[1][1]])
        visits = []
        for position, (k, child) in enumerate(order):
            if inputs[child]:
                visits.append(
                    ("gate", child, int(bool(flag) != (mirror and shares and position == 1)))
                )
            else:
                visits.append(("use", node, k))
        stack.extend(reversed(visits))
    return _place(inputs, lane, leaf_lanes)


def _leaves_below(inputs: Sequence[tuple[int, ...]]) -> list[frozenset[int]]:
    below: list[frozenset[int]] = []
    for index, row_inputs in enumerate(inputs):
        if not row_inputs:
            below.append(frozenset({index}))
        else:
            below.append(frozenset().union(*(below[i] for i in row_inputs)))
    return below


def _place(
    inputs: Sequence[tuple[int, ...]],
    lane: dict[tuple[int, int], float],
    leaf_lanes: dict[int, list[float]],
) -> _Grid:
    """Columns by depth (an input just left of its first gate); rows from the lanes, a gate
    level with the middle of its inputs' lanes, gates in a column pushed apart; a shared
    input between its lanes, moved left past every node that sits between them."""
    depth: list[int] = []
    for row_inputs in inputs:
        depth.append(1 + max((depth[i] for i in row_inputs), default=-1))
    consumers: dict[int, list[int]] = {i: [] for i in range(len(inputs))}
    for gate, row_inputs in enumerate(inputs):
        for child in row_inputs:
            consumers[child].append(gate)
    column = list(depth)
    row = [0.0] * len(inputs)
    for leaf, lanes in leaf_lanes.items():
        column[leaf] = min(depth[g] for g in consumers[leaf]) - 1
        row[leaf] = sum(lanes) / len(lanes)
    shared = {leaf for leaf, lanes in leaf_lanes.items() if len(lanes) > 1}
    by_column: dict[int, list[int]] = {}
    for index in range(len(inputs)):
        if index not in shared and (inputs[index] or index in leaf_lanes):
            by_column.setdefault(depth[index] if inputs[index] else column[index], []).append(index)
    for c in sorted(by_column):
        for gate in by_column[c]:
            if inputs[gate]:
                arriving = [lane.get((gate, k), row[i]) for k, i in enumerate(inputs[gate])]
                row[gate] = sum(arriving) / len(arriving)
        _push_apart(by_column[c], row, inputs)
    # inner (narrower) shared inputs first, so an outer one moves past them
    for leaf in sorted(shared, key=lambda i: max(leaf_lanes[i]) - min(leaf_lanes[i])):
        low, high = min(leaf_lanes[leaf]) - 0.5, max(leaf_lanes[leaf]) + 0.5
        while any(low <= row[i] <= high for i in by_column.get(column[leaf], [])):
            column[leaf] -= 1
        by_column.setdefault(column[leaf], []).append(leaf)
    return _Grid(
        column=tuple(column),
        row=tuple(row),
        lane=dict(lane),
        shared=frozenset(shared),
        leaf_lanes={leaf: tuple(lanes) for leaf, lanes in leaf_lanes.items()},
    )


def _push_apart(nodes: list[int], row: list[float], inputs: Sequence[tuple[int, ...]]) -> None:
    ordered = sorted(nodes, key=lambda i: row[i])
    for above, below in zip(ordered, ordered[1:], strict=False):
        if inputs[below] and row[below] < row[above] + MIN_GATE_GAP:
            row[below] = row[above] + MIN_GATE_GAP
