"""Whether a circuit layout is readable: no two texts overlap, no text covers a gate, no two
wires cross.  Pure geometry on :class:`quizzes.diagram_layout.Layout` (at 1×), so a generator
can refuse a draw whose picture would be hard to read before anything is painted; the diagram
tests check the painted picture with their own copy of these rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from quizzes.diagram_layout import Box, Gate, Layout, PlacedText, Point


def overlapping_texts(layout: Layout) -> list[str]:
    """Texts whose boxes overlap, and texts on a gate (other than the gate's own symbol)."""
    texts = layout.texts
    found = [
        f"{a.text!r} / {b.text!r}"
        for n, a in enumerate(texts)
        for b in texts[n + 1 :]
        if _boxes_overlap(a.box, b.box)
    ]
    for text in texts:
        if text.style in ("gate", "gate-small"):
            continue  # a gate's own symbol sits inside it
        found += [f"{text.text!r} on a gate" for g in layout.gates if _box_meets_circle(text, g)]
    return found


def crossing_wires(layout: Layout) -> list[tuple[int, int]]:
    """Pairs of wires from different nodes that meet anywhere (wires from one node share
    their stem, and that is not a crossing)."""
    found = []
    wires = layout.wires
    for n, a in enumerate(wires):
        for b in wires[n + 1 :]:
            if a.source != b.source and _polylines_meet(a.points, b.points):
                found.append((a.source, b.source))
    return found


def _boxes_overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box_meets_circle(text: PlacedText, gate: Gate) -> bool:
    (x, y), r, box = gate.centre, gate.radius, text.box
    nearest_x, nearest_y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    return (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < r * r


def _polylines_meet(a: Sequence[Point], b: Sequence[Point]) -> bool:
    return any(
        _segments_meet(p, q, r, s)
        for p, q in zip(a, a[1:], strict=False)
        for r, s in zip(b, b[1:], strict=False)
    )


def _segments_meet(p: Point, q: Point, r: Point, s: Point) -> bool:
    """Whether segment pq and segment rs share a point (touching counts)."""
    if max(p[0], q[0]) < min(r[0], s[0]) or max(r[0], s[0]) < min(p[0], q[0]):
        return False  # apart left to right: most pairs, decided without the products
    if max(p[1], q[1]) < min(r[1], s[1]) or max(r[1], s[1]) < min(p[1], q[1]):
        return False
    d1, d2 = _orientation(r, s, p), _orientation(r, s, q)
    d3, d4 = _orientation(p, q, r), _orientation(p, q, s)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return any(
        abs(d) < 1e-9 and _within(a, b, c)
        for d, a, b, c in ((d1, r, s, p), (d2, r, s, q), (d3, p, q, r), (d4, p, q, s))
    )


def _orientation(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _within(a: Point, b: Point, c: Point) -> bool:
    """c on the line ab: whether it lies inside the segment."""
    return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])
