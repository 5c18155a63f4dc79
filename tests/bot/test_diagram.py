"""Circuit diagrams: valid PNGs for every family, CS231n colours, safe in worker threads."""

from __future__ import annotations

import io
import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from matplotlib import colors
from matplotlib.image import imread

from quizzes.autograd import GateRow, Value, gate_table
from quizzes.diagram import (
    DPI,
    GRADIENT_COLOUR,
    MAX_FIGURE_INCHES,
    VALUE_COLOUR,
    DiagramError,
    render_circuit,
)
from quizzes.problems import FAMILIES
from quizzes.problems.add_mul import WORKED_EXAMPLE_SEED
from quizzes.problems.add_mul import build as build_add_mul

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CIRCUIT_FAMILIES = sorted(
    family_id for family_id, family in FAMILIES.items() if family.build(1, 1).gates
)


def decode(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(png), format="png")


def pixels_near(image: np.ndarray, colour: str, tolerance: float = 0.15) -> int:
    target = np.array(colors.to_rgb(colour))
    distance = np.abs(image[..., :3] - target).max(axis=-1)
    return int((distance < tolerance).sum())


def test_the_lessons_circuit_shows_values_in_green_and_gradients_in_red() -> None:
    problem = build_add_mul(WORKED_EXAMPLE_SEED, 1)
    image = decode(render_circuit(problem.gates, problem.formula))
    height, width = image.shape[:2]
    assert width > height > 100
    assert pixels_near(image, VALUE_COLOUR) > 20
    assert pixels_near(image, GRADIENT_COLOUR) > 20


@pytest.mark.parametrize("family_id", CIRCUIT_FAMILIES)
@pytest.mark.parametrize("level", [1, 5])
def test_every_circuit_family_renders_within_bounds(family_id: str, level: int) -> None:
    problem = FAMILIES[family_id].generate(random.Random(level), level)
    image = decode(render_circuit(problem.gates, problem.formula))
    height, width = image.shape[:2]
    assert width <= MAX_FIGURE_INCHES[0] * DPI + 1
    assert height <= MAX_FIGURE_INCHES[1] * DPI + 1


def test_a_huge_graph_is_capped_in_size() -> None:
    total = Value(0.5, label="x0")
    for i in range(1, 60):
        total = total * Value(1.01, label=f"w{i}") + Value(0.1, label=f"b{i}")
    image = decode(render_circuit(gate_table(total.backward())))
    assert image.shape[1] <= MAX_FIGURE_INCHES[0] * DPI + 1
    assert image.shape[0] <= MAX_FIGURE_INCHES[1] * DPI + 1


def test_fan_out_and_constants_render() -> None:
    x = Value(3.0, label="x")
    f = x * x + 1  # x feeds one gate twice; 1 is an unnamed constant
    f.label = "f"
    assert decode(render_circuit(gate_table(f.backward()))).size > 0


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
