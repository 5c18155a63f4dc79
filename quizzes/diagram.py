"""Circuit diagrams in the style of the CS231n notes, drawn with Pillow to PNG bytes.

Inputs sit on the left, gates are circles, and every wire shows the value flowing forward
above it (blue) and the gradient flowing back below it (vermillion): Okabe-Ito colours that
colour-blind readers tell apart, and a legend line, so colour is never the only cue.  The
diagram is drawn from a problem's per-gate table (``Problem.gates``), so any front end
(Discord, terminal) can attach it to a worked solution.

:mod:`quizzes.diagram_layout` places everything; this module only paints it, at
``SUPERSAMPLE`` times the size, shrunk for smooth lines and circles, and saves a small
palette PNG.  ``render_circuit`` takes and returns picklable values (gate rows, a title, PNG
bytes), so the bot can run it in worker processes (bot/diagrams.py).  The matplotlib
renderer this replaces is kept for comparison in bench/mpl_diagram.py.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

from quizzes.autograd import GateRow
from quizzes.circuit_view import display_gates
from quizzes.diagram_layout import Box, Layout, Wire, layout_circuit

VALUE_COLOUR = "#0072B2"  # Okabe-Ito blue: forward values, above the wire
GRADIENT_COLOUR = "#D55E00"  # Okabe-Ito vermillion: gradients, below the wire
WIRE_COLOUR = "#444444"
GATE_FILL = "#f4f4f4"  # grey: wires and gates are drawn in one grey layer
TEXT_COLOUR = "#1f2328"
MUTED_COLOUR = "#57606a"
BACKGROUND = "#ffffff"
# wires and gates at 2x, shrunk by a box filter (Image.reduce): smooth slants for ~1 ms more
# than 1x on the two-layer net (4.0 against 2.8 ms); 3x costs 5.5 ms, and LANCZOS instead
# of the box filter 25 ms, for no visible gain at these line widths
SUPERSAMPLE = 2
PNG_COMPRESS_LEVEL = 1
MAX_SIZE = (2000, 1600)  # a huge graph is shrunk to fit, text and all
WIRE_WIDTH = 1.5

# style -> (font file, size in pixels at 1×, colour)
STYLES: dict[str, tuple[str, float, str]] = {
    "value": ("DejaVuSans.ttf", 12, VALUE_COLOUR),
    "gradient": ("DejaVuSans.ttf", 12, GRADIENT_COLOUR),
    "name": ("DejaVuSans.ttf", 13, TEXT_COLOUR),
    "output": ("DejaVuSans-Bold.ttf", 13, TEXT_COLOUR),
    "gate": ("DejaVuSans.ttf", 15, TEXT_COLOUR),
    "gate-small": ("DejaVuSans.ttf", 11, TEXT_COLOUR),
    "gate-name": ("DejaVuSans.ttf", 11, MUTED_COLOUR),
    "title": ("DejaVuSans-Bold.ttf", 13, TEXT_COLOUR),
    "legend-value": ("DejaVuSans.ttf", 11, VALUE_COLOUR),
    "legend-gradient": ("DejaVuSans.ttf", 11, GRADIENT_COLOUR),
}


class DiagramError(ValueError):
    """The gate table cannot be drawn (empty, or inputs that point forward)."""


@dataclass(frozen=True)
class DrawnText:
    text: str
    box: Box  # left, top, right, bottom in the PNG's pixels
    style: str


@dataclass(frozen=True)
class Drawing:
    """A rendered diagram and what is on it, in the PNG's pixels (for tests and benchmarks)."""

    png: bytes
    size: tuple[int, int]
    texts: tuple[DrawnText, ...]
    wires: tuple[Wire, ...]
    gates: tuple[tuple[float, float, float], ...]  # centre x, centre y, radius


def render_circuit(gates: Sequence[GateRow], title: str = "") -> bytes:
    """A PNG of the circuit in ``gates`` (topological order, output last); a constant factor
    is drawn as its "×c" gate, as the worked solution's table shows it."""
    return draw_circuit(gates, title).png


def draw_circuit(gates: Sequence[GateRow], title: str = "") -> Drawing:
    """``render_circuit``'s picture together with every text, wire and gate it drew."""
    layout = layout_of(gates, title)
    image = _paint(layout, SUPERSAMPLE)
    scale = min(1.0, MAX_SIZE[0] / image.width, MAX_SIZE[1] / image.height)
    if scale < 1.0:  # a palette image cannot be resampled: shrink in colour, map back
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        shrunk = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        image = shrunk.quantize(palette=PALETTE, dither=Image.Dither.NONE)
    return Drawing(
        png=_encode(image),
        size=image.size,
        texts=tuple(DrawnText(t.text, _scaled(t.box, scale), t.style) for t in layout.texts),
        wires=tuple(
            Wire(w.source, w.target, tuple((x * scale, y * scale) for x, y in w.points))
            for w in layout.wires
        ),
        gates=tuple(
            (g.centre[0] * scale, g.centre[1] * scale, g.radius * scale) for g in layout.gates
        ),
    )


def layout_of(gates: Sequence[GateRow], title: str = "") -> Layout:
    """Where ``draw_circuit`` puts everything, in pixels at 1× (measured with the fonts it
    draws in), without painting: for a generator that checks a draw is readable."""
    _check_table(gates)
    return layout_circuit(display_gates(gates, name_all=False), title, _measure)


def _scaled(box: Box, scale: float) -> Box:
    return (box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale)


def _check_table(gates: Sequence[GateRow]) -> None:
    if not gates:
        raise DiagramError("a circuit diagram needs at least one gate")
    for row in gates:
        if any(not 0 <= child < row.index for child in row.inputs):
            raise DiagramError(f"gate {row.index} has an input that is not drawn before it")


_fonts = threading.local()  # a FreeType face is not shared between threads


def _font(style: str) -> ImageFont.FreeTypeFont:
    cache: dict[str, ImageFont.FreeTypeFont] = _fonts.__dict__.setdefault("cache", {})
    font = cache.get(style)
    if font is None:
        filename, size, _ = STYLES[style]
        with resources.as_file(resources.files("quizzes") / "fonts" / filename) as path:
            # the basic layout engine: a third faster than raqm, and these texts need no shaping
            font = ImageFont.truetype(str(path), round(size), layout_engine=ImageFont.Layout.BASIC)
        cache[style] = font
    return font


@lru_cache(maxsize=4096)
def _measure(text: str, style: str) -> tuple[float, float]:
    """A text's line box at 1×, measured with the font it is drawn in."""
    font = _font(style)
    ascent, descent = font.getmetrics()
    return font.getlength(text), float(ascent + descent)


def _paint(layout: Layout, supersample: int) -> Image.Image:
    """Straight to palette indices: wires and gates in grey at ``supersample`` times the size
    and shrunk (a box filter: smooth slants), then each text's own indices pasted on."""
    width, height = layout.size
    lines = Image.new("L", (width * supersample, height * supersample), 255)
    draw = ImageDraw.Draw(lines)
    line_width = round(WIRE_WIDTH * supersample)
    for wire in layout.wires:
        points = [(x * supersample, y * supersample) for x, y in wire.points]
        draw.line(points, fill=WIRE_GREY, width=line_width, joint="curve")
    for gate in layout.gates:
        x, y = gate.centre[0] * supersample, gate.centre[1] * supersample
        r = gate.radius * supersample
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=FILL_GREY, outline=WIRE_GREY, width=line_width
        )
    if supersample > 1:
        lines = lines.reduce(supersample)
    image = lines.point(GREY_TO_INDEX)  # still mode L, as the tiles are: no conversions
    for text in layout.texts:
        indices, mask, (dx, dy) = _text_tiles(text.text, text.style)
        image.paste(indices, (round(text.box[0]) + dx, round(text.box[1]) + dy), mask)
    image.putpalette(PALETTE_RGB)  # now mode P
    return image


@lru_cache(maxsize=4096)
def _text_tiles(text: str, style: str) -> tuple[Image.Image, Image.Image, tuple[int, int]]:
    """A text as palette indices (its colour blended with white at its anti-aliased edges),
    the mask of its pixels, and its offset from the line box's top left.  Rendering a string
    costs ~0.1 ms, and a diagram's numbers repeat from one problem to the next."""
    font = _font(style)
    left, top, right, bottom = (int(edge) for edge in font.getbbox(text, anchor="la"))
    coverage = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(coverage).text((-left, -top), text, fill=255, font=font, anchor="la")
    base = RAMP_START[STYLES[style][2]]
    lut = [0] + [base + (level * RAMP_STEPS - 1) // 255 for level in range(1, 256)]
    indices = coverage.point(lut)
    return indices, coverage.point([0] + [255] * 255), (left, top)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _blend(colour: tuple[int, int, int], alpha: float) -> tuple[int, int, int]:
    r, g, b = (round(255 * (1 - alpha) + channel * alpha) for channel in colour)
    return r, g, b


# The palette: greys from white to the wires' grey (what shrinking the wires leaves), then
# each text colour blended with white in RAMP_STEPS steps (its anti-aliased edges).
WIRE_GREY = _rgb(WIRE_COLOUR)[0]
FILL_GREY = _rgb(GATE_FILL)[0]
GREY_STEPS = 16
RAMP_STEPS = 8
GREY_TO_INDEX = [
    round((255 - max(v, WIRE_GREY)) * GREY_STEPS / (255 - WIRE_GREY)) for v in range(256)
]
_TEXT_COLOURS = sorted({colour for _, _, colour in STYLES.values()})
RAMP_START = {colour: GREY_STEPS + 1 + n * RAMP_STEPS for n, colour in enumerate(_TEXT_COLOURS)}
_PALETTE_COLOURS = [
    _blend((WIRE_GREY,) * 3, step / GREY_STEPS) for step in range(GREY_STEPS + 1)
] + [
    _blend(_rgb(colour), step / RAMP_STEPS)
    for colour in _TEXT_COLOURS
    for step in range(1, RAMP_STEPS + 1)
]
PALETTE_RGB = [channel for colour in _PALETTE_COLOURS for channel in colour]
PALETTE = Image.new("P", (1, 1))
PALETTE.putpalette(PALETTE_RGB)


def _encode(image: Image.Image) -> bytes:
    """A palette PNG of ~50 colours, at zlib's fastest level: ``optimize`` and the default
    level cost 3-20 ms more on the two-layer net for a quarter fewer bytes (bench/diagrams.py)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
