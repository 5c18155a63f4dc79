"""The drawing libraries issue 14 named, on the same layouts: Pillow (what chainrule draws
with) against skia-python, the one of the others whose wheel installs from the package
registry without system packages (pycairo has no wheel here and needs libcairo to build;
cairocffi needs libcairo from the system).

    .venv/bin/pip install skia-python   # not a dependency of chainrule
    nice -n 10 .venv/bin/python bench/diagram_engines.py [problems per family, default 50]

Per circuit family, over problems of seeds 0.. and levels 1-3: the layout is computed once
(quizzes.diagram.layout_of, measured with the same DejaVu fonts), then painted and encoded
to PNG by each library, interleaved.  Pillow: quizzes.diagram as shipped (grey layer at 2x
shrunk by a box filter, cached text tiles, palette PNG at zlib level 1).  skia: the same
wires, circles and texts drawn anti-aliased at 1x on a raster surface with the same TTFs,
encoded by skia's PNG encoder at its fastest level (an RGBA PNG: skia writes no palette
PNG), and skia's painting alone.  Printed: median ms and median KB of each, the ratio
of the medians, and skia's median without the encoding.  Figures
only, no asserts on time.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:
    import skia
except ImportError:  # pragma: no cover - an optional comparison
    sys.exit("bench/diagram_engines.py compares against skia-python: pip install skia-python")

from quizzes import diagram  # noqa: E402
from quizzes.diagram_layout import Layout  # noqa: E402
from quizzes.problems import FAMILIES  # noqa: E402

_typefaces: dict[str, skia.Typeface] = {}


def _skia_font(style: str) -> tuple[skia.Font, int]:
    filename, size, colour = diagram.STYLES[style]
    face = _typefaces.get(filename)
    if face is None:
        with resources.as_file(resources.files("quizzes") / "fonts" / filename) as path:
            face = _typefaces[filename] = skia.Typeface.MakeFromFile(str(path))
    return skia.Font(face, round(size)), skia.Color(*diagram._rgb(colour))


def paint_with_skia(layout: Layout) -> bytes:
    image = _skia_image(layout)
    return bytes(image.encodeToData(skia.EncodedImageFormat.kPNG, 0))


def paint_with_skia_unencoded(layout: Layout) -> bytes:
    """skia's painting alone, for where its time goes (the pixels, not a PNG)."""
    return bytes(_skia_image(layout).tobytes()[:1])


def _skia_image(layout: Layout) -> skia.Image:
    width, height = layout.size
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    wire = skia.Paint(
        AntiAlias=True,
        Color=skia.Color(*diagram._rgb(diagram.WIRE_COLOUR)),
        Style=skia.Paint.kStroke_Style,
        StrokeWidth=diagram.WIRE_WIDTH,
    )
    fill = skia.Paint(AntiAlias=True, Color=skia.Color(*diagram._rgb(diagram.GATE_FILL)))
    for each in layout.wires:
        path = skia.Path()
        path.moveTo(*each.points[0])
        for point in each.points[1:]:
            path.lineTo(*point)
        canvas.drawPath(path, wire)
    for gate in layout.gates:
        canvas.drawCircle(*gate.centre, gate.radius, fill)
        canvas.drawCircle(*gate.centre, gate.radius, wire)
    for text in layout.texts:
        font, colour = _skia_font(text.style)
        ascent = -font.getMetrics().fAscent
        paint = skia.Paint(AntiAlias=True, Color=colour)
        canvas.drawString(text.text, text.box[0], text.box[1] + ascent, font, paint)
    return surface.makeImageSnapshot()


def paint_with_pillow(layout: Layout) -> bytes:
    return diagram._encode(diagram._paint(layout, diagram.SUPERSAMPLE))


def measure(paint: Callable[[Layout], bytes], layout: Layout) -> tuple[float, int]:
    start = time.perf_counter()
    png = paint(layout)
    return (time.perf_counter() - start) * 1000, len(png)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    families = sorted(f for f in FAMILIES if FAMILIES[f].build(1, 1).gates)
    print(f"{count} problems per family (seeds 0-{count - 1}, levels 1-3), paint + PNG encode")
    print(
        f"{'family':<16}{'Pillow ms':>10}{'KB':>6}   {'skia ms':>8}{'KB':>6}{'skia/Pillow':>13}"
        f"{'skia unencoded ms':>19}"
    )
    for family in families:
        layouts = []
        for seed in range(count):
            problem = FAMILIES[family].build(seed, 1 + seed % 3)
            layouts.append(diagram.layout_of(problem.gates, problem.title))
        for paint in (paint_with_pillow, paint_with_skia):  # warm: fonts, text tiles
            paint(layouts[0])
        figures: dict[str, list[tuple[float, int]]] = {"pillow": [], "skia": [], "raw": []}
        for layout in layouts:
            figures["pillow"].append(measure(paint_with_pillow, layout))
            figures["skia"].append(measure(paint_with_skia, layout))
            figures["raw"].append(measure(paint_with_skia_unencoded, layout))
        raw_ms = statistics.median(ms for ms, _ in figures["raw"])
        pillow_ms = statistics.median(ms for ms, _ in figures["pillow"])
        skia_ms = statistics.median(ms for ms, _ in figures["skia"])
        pillow_kb = statistics.median(size for _, size in figures["pillow"]) / 1000
        skia_kb = statistics.median(size for _, size in figures["skia"]) / 1000
        print(
            f"{family:<16}{pillow_ms:>10.2f}{pillow_kb:>6.1f}   {skia_ms:>8.2f}{skia_kb:>6.1f}"
            f"{skia_ms / pillow_ms:>12.1f}x{raw_ms:>19.2f}"
        )


if __name__ == "__main__":
    main()
