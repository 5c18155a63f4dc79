"""Circuit diagrams: a PNG for every family with every value and gradient on it, no text over
another text or a gate, no crossing wires, colour-blind-safe colours, the golden pictures.

Regenerate the goldens (tests/golden/) after an intended change of the picture with
``CHAINRULE_REGENERATE_GOLDENS=1 .venv/bin/python -m pytest tests/bot/test_diagram.py``.
"""

from __future__ import annotations

import io
import os
import random
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from quizzes.autograd import GateRow, Value, gate_table
from quizzes.circuit_view import display_gates
from quizzes.diagram import (
    GRADIENT_COLOUR,
    MAX_SIZE,
    VALUE_COLOUR,
    DiagramError,
    Drawing,
    draw_circuit,
    render_circuit,
)
from quizzes.problems import FAMILIES
from quizzes.problems.add_mul import WORKED_EXAMPLE_SEED
from quizzes.problems.add_mul import build as build_add_mul
from quizzes.problems.base import fmt

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CIRCUIT_FAMILIES = sorted(
    family_id for family_id, family in FAMILIES.items() if family.build(1, 1).gates
)
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
GOLDEN_SEED = 3
GOLDEN_TOLERANCE = 0.02  # mean absolute grey-level difference, as a share of 255
MAX_PNG_BYTES = 40_000
Box = tuple[float, float, float, float]
Point = tuple[float, float]


def decode(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def drawings(seeds: range = range(12)) -> list[tuple[str, list[GateRow], Drawing]]:
    drawn = []
    for family_id in CIRCUIT_FAMILIES:
        for seed in seeds:
            problem = FAMILIES[family_id].build(seed, 1 + seed % 3)
            drawn.append((family_id, problem.gates, draw_circuit(problem.gates, problem.title)))
    return drawn


def pixels_near(image: Image.Image, colour: str, tolerance: int = 40) -> int:
    rgb = np.asarray(image.convert("RGB"), dtype=int)
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=-1) < tolerance).sum())


def boxes_overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def box_meets_circle(box: Box, circle: tuple[float, float, float]) -> bool:
    x, y, r = circle
    nearest_x, nearest_y = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    return (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < r * r


def segments_meet(p: Point, q: Point, r: Point, s: Point) -> bool:
    """Whether segment pq and segment rs share a point (touching counts)."""

    def orientation(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    def within(a: Point, b: Point, c: Point) -> bool:  # c on the line ab: inside the segment?
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(
            a[1], b[1]
        )

    d1, d2 = orientation(r, s, p), orientation(r, s, q)
    d3, d4 = orientation(p, q, r), orientation(p, q, s)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return any(
        abs(d) < 1e-9 and within(a, b, c)
        for d, a, b, c in ((d1, r, s, p), (d2, r, s, q), (d3, p, q, r), (d4, p, q, s))
    )


def crossings(drawing: Drawing) -> list[tuple[int, int]]:
    """Pairs of wires from different nodes that meet anywhere (wires from one node share
    their stem, and that is not a crossing)."""
    found = []
    for a, b in combinations(drawing.wires, 2):
        if a.source == b.source:
            continue
        for p, q in zip(a.points, a.points[1:], strict=False):
            if any(segments_meet(p, q, r, s) for r, s in zip(b.points, b.points[1:], strict=False)):
                found.append((a.source, b.source))
                break
    return found


def overlaps(drawing: Drawing) -> list[str]:
    texts = drawing.texts
    found = [
        f"{a.text!r} / {b.text!r}" for a, b in combinations(texts, 2) if boxes_overlap(a.box, b.box)
    ]
    for text in texts:
        if text.style.startswith("gate") and text.style != "gate-name":
            continue  # a gate's own symbol sits inside it
        found += [
            f"{text.text!r} on a gate" for g in drawing.gates if box_meets_circle(text.box, g)
        ]
    return found


def test_the_lessons_circuit_shows_values_and_gradients_in_their_colours() -> None:
    problem = build_add_mul(WORKED_EXAMPLE_SEED, 1)
    image = decode(render_circuit(problem.gates, problem.formula))
    width, height = image.size
    assert width > height > 100
    assert pixels_near(image, VALUE_COLOUR) > 20
    assert pixels_near(image, GRADIENT_COLOUR) > 20
    assert image.mode == "P"


@pytest.mark.parametrize("family_id", CIRCUIT_FAMILIES)
@pytest.mark.parametrize("level", [1, 3, 5])
def test_every_family_draws_a_small_readable_png(family_id: str, level: int) -> None:
    problem = FAMILIES[family_id].generate(random.Random(level), level)
    drawing = draw_circuit(problem.gates, problem.title)
    image = decode(drawing.png)
    assert image.size == drawing.size
    width, height = image.size
    assert 300 <= width <= 1100 and 150 <= height <= 800
    assert len(drawing.png) <= MAX_PNG_BYTES
    assert min(t.box[3] - t.box[1] for t in drawing.texts) >= 11  # text readable at 1x
    assert pixels_near(image, VALUE_COLOUR) > 20 and pixels_near(image, GRADIENT_COLOUR) > 20


@pytest.mark.parametrize("family_id", CIRCUIT_FAMILIES)
def test_every_value_and_gradient_of_the_table_is_drawn(family_id: str) -> None:
    for seed in range(10):
        problem = FAMILIES[family_id].build(seed, 1 + seed % 3)
        drawing = draw_circuit(problem.gates, problem.title)
        values = sorted(t.text for t in drawing.texts if t.style == "value")
        gradients = sorted(t.text for t in drawing.texts if t.style == "gradient")
        shown = display_gates(problem.gates, name_all=False)
        assert values == sorted(fmt(row.value) for row in shown)
        assert gradients == sorted(fmt(row.upstream) for row in shown)


def test_no_text_overlaps_another_or_a_gate() -> None:
    for family_id, _, drawing in drawings():
        assert overlaps(drawing) == [], family_id


def test_no_two_wires_cross() -> None:
    for family_id, _, drawing in drawings(range(30)):
        assert crossings(drawing) == [], family_id


def test_the_checks_catch_a_broken_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The overlap and crossing checks can fail: squeezed rows put labels on each other."""
    from quizzes import diagram_layout

    monkeypatch.setattr(diagram_layout, "ROW", 16.0)
    diagram_layout._grid.cache_clear()
    problem = FAMILIES["two-layer-net"].build(1, 1)
    assert overlaps(draw_circuit(problem.gates, problem.title))
    shape_of = diagram_layout._grid_for
    monkeypatch.setattr(diagram_layout, "_grid", lambda shape: shape_of(shape, False))
    monkeypatch.setattr(diagram_layout, "ROW", 38.0)
    assert crossings(draw_circuit(problem.gates, problem.title))  # the walk without mirroring


@pytest.mark.parametrize("family_id", CIRCUIT_FAMILIES)
def test_the_picture_matches_its_golden(family_id: str) -> None:
    problem = FAMILIES[family_id].build(GOLDEN_SEED, 1)
    png = render_circuit(problem.gates, problem.title)
    golden = GOLDEN / f"{family_id}.png"
    if os.environ.get("CHAINRULE_REGENERATE_GOLDENS"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(png)
    expected = decode(golden.read_bytes())
    actual = decode(png)
    assert actual.size == expected.size
    grey = [np.asarray(image.convert("L"), dtype=float) for image in (actual, expected)]
    assert np.abs(grey[0] - grey[1]).mean() / 255 < GOLDEN_TOLERANCE


def test_a_huge_graph_is_capped_in_size() -> None:
    total = Value(0.5, label="x0")
    for i in range(1, 60):
        total = total * Value(1.01, label=f"w{i}") + Value(0.1, label=f"b{i}")
    image = decode(render_circuit(gate_table(total.backward())))
    assert image.width <= MAX_SIZE[0] and image.height <= MAX_SIZE[1]


def test_fan_out_and_constants_render() -> None:
    x = Value(3.0, label="x")
    f = x * x + 1  # x feeds one gate twice; 1 is an unnamed constant
    f.label = "f"
    drawing = draw_circuit(gate_table(f.backward()))
    assert decode(drawing.png).size == drawing.size
    assert overlaps(drawing) == [] and crossings(drawing) == []


def test_a_constant_factor_is_drawn_as_its_gate() -> None:
    problem = FAMILIES["gate-patterns"].build(1, 1)
    factor = next(row for row in problem.gates if not row.inputs and row.name == fmt(row.value))
    drawing = draw_circuit(problem.gates, problem.title)
    assert f"×{fmt(factor.value)}" in {t.text for t in drawing.texts if t.style.startswith("gate")}
    assert fmt(factor.value) not in {t.text for t in drawing.texts if t.style == "name"}


def test_the_legend_says_which_colour_is_which() -> None:
    problem = build_add_mul(WORKED_EXAMPLE_SEED, 1)
    legend = " ".join(t.text for t in draw_circuit(problem.gates).texts if "legend" in t.style)
    assert "value (forward, above the wire)" in legend and "gradient (backward, below)" in legend


def test_rendering_in_threads_gives_the_same_picture() -> None:
    problem = build_add_mul(WORKED_EXAMPLE_SEED, 1)
    expected = render_circuit(problem.gates, problem.formula)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: render_circuit(problem.gates, problem.formula), range(8)))
    assert all(result == expected for result in results)


def test_an_empty_or_malformed_table_is_refused() -> None:
    with pytest.raises(DiagramError):
        render_circuit([])
    forward_reference = GateRow(0, "q", "+", (1, 2), 1.0, (1.0, 1.0), 1.0, (1.0, 1.0))
    with pytest.raises(DiagramError, match="gate 0"):
        render_circuit([forward_reference])
