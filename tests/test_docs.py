"""README and docs/ say what the code does: settings, example deck, CI commands, links."""

from __future__ import annotations

import importlib.util
import re
import struct
from pathlib import Path
from types import ModuleType

import pytest

from bot.deck_check import check_deck_file
from quizzes import decks
from quizzes.decks import load_deck
from quizzes.storage.models import ITEM_ID_LENGTH

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
IMAGES = ("circuit.png", "class-stats.png")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SETTING_LITERAL = re.compile(r"""["'](DISCORD_TOKEN|CHAINRULE_[A-Z_]+)["']""")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)|\bsrc=\"([^\"]+)\"")


def section(text: str, heading: str) -> str:
    """The text under ``## heading``, up to the next ``## ``."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def fenced_after(text: str, marker: str) -> tuple[str, list[str]]:
    """The fence opening and the lines of the block on the line right after ``marker``."""
    lines = text.splitlines()
    opening = lines.index(marker) + 1
    closing = lines.index("```", opening + 1)
    return lines[opening], lines[opening + 1 : closing]


def settings_the_code_reads() -> set[str]:
    sources = [
        p for package in ("bot", "quizzes", "terminal") for p in (ROOT / package).rglob("*.py")
    ]
    return {name for path in sources for name in SETTING_LITERAL.findall(path.read_text("utf-8"))}


def test_the_settings_table_lists_exactly_the_variables_the_code_reads() -> None:
    rows = [
        line
        for line in section(README.read_text("utf-8"), "Settings").splitlines()
        if line.startswith("| `")
    ]
    documented = [re.findall(r"`([A-Z_]+)`", row.split("|")[1]) for row in rows]
    assert all(len(names) == 1 for names in documented), "one variable per row"
    names = [names[0] for names in documented]
    assert len(names) == len(set(names))
    assert set(names) == settings_the_code_reads()
    assert {"DISCORD_TOKEN", "CHAINRULE_DECK", "CHAINRULE_DATABASE_URL"} <= set(names)


# ---- docs/decks.md -------------------------------------------------------------------
DECKS_MD = ROOT / "docs" / "decks.md"
EXAMPLE_MARKER = "<!-- example-deck -->"


def example_deck_text() -> str:
    opening, lines = fenced_after(DECKS_MD.read_text("utf-8"), EXAMPLE_MARKER)
    assert opening == "```toml"
    return "\n".join(lines) + "\n"


def console_output(text: str, command: str) -> list[str]:
    """The lines printed after ``$ command`` in a console block of decks.md."""
    block = next(b for b in FENCE.findall(text) if f"$ {command}\n" in b)
    return block.split(f"$ {command}\n", 1)[1].removesuffix("```").rstrip("\n").splitlines()


def test_the_example_deck_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = Path("my-deck.toml")
    path.write_text(example_deck_text(), encoding="utf-8")
    deck = load_deck(path)
    assert len(deck.cards) >= 2 and deck.families and deck.objectives
    printed = check_deck_file(path).lines()
    shown = console_output(DECKS_MD.read_text("utf-8"), "chainrule decks validate my-deck.toml")
    assert shown == printed


BROKEN_EDITS = {  # what decks.md says it changed in the example to show the errors
    "broken-deck.toml": (
        ('"add-mul"]', '"add-mul", "quadratic"]'),
        ('id = "gm-max-gate-routes"', 'id = "gm-add-gate-distributes"'),
        ('tags = ["max-gate"]', 'tags = ["Max Gate"]'),
        ('objective = "circuit-by-hand"', 'objective = "circuits"'),
    ),
    "syntax.toml": (
        (
            'front = "Max gate: what does it do to the gradient flowing backward?"',
            'front = "Max gate: what does it do',
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN_EDITS))
def test_the_error_examples_are_what_the_validator_prints(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = example_deck_text()
    for old, new in BROKEN_EDITS[name]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    printed = check_deck_file(Path(name)).lines()
    assert (
        console_output(DECKS_MD.read_text("utf-8"), f"chainrule decks validate {name}") == printed
    )


# ---- the README's two commands, as CI extracts them ----------------------------------
@pytest.mark.parametrize(
    ("marker", "command"),
    [("run-command", "bash scripts/run.sh"), ("test-command", "bash scripts/test.sh")],
)
def test_the_readme_shows_each_ci_command_once(marker: str, command: str) -> None:
    text = README.read_text("utf-8")
    line = f"<!-- ci: {marker} -->"
    assert text.splitlines().count(line) == 1
    opening, block = fenced_after(text, line)
    assert (opening, block) == ("```sh", [command])
    assert (ROOT / command.split()[1]).is_file()


# ---- links and images ---------------------------------------------------------------
def heading_anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", path.read_text("utf-8")), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def relative_links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text("utf-8"))
    targets = [markdown or html for markdown, html in LINK.findall(text)]
    return [t for t in targets if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.name)
def test_every_relative_link_points_to_something_that_exists(path: Path) -> None:
    for link in relative_links(path):
        target, _, anchor = link.partition("#")
        resolved = (path.parent / target).resolve() if target else path
        assert resolved.exists(), f"{path.name}: {link} points to nothing"
        if anchor and resolved.suffix == ".md":
            assert anchor in heading_anchors(resolved), f"{path.name}: no heading #{anchor}"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


@pytest.mark.parametrize("name", IMAGES)
def test_the_committed_pictures_are_pngs_the_readme_shows(name: str) -> None:
    png_size((ROOT / "docs" / "images" / name).read_bytes())
    assert f"docs/images/{name}" in relative_links(README)


def render_script() -> ModuleType:
    path = ROOT / "scripts" / "render_docs_images.py"
    spec = importlib.util.spec_from_file_location("render_docs_images", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_render_script_redraws_both_pictures(tmp_path: Path) -> None:
    written = render_script().main(out=tmp_path)
    assert sorted(path.name for path in written) == sorted(IMAGES)
    for name in IMAGES:
        committed = (ROOT / "docs" / "images" / name).read_bytes()
        assert png_size((tmp_path / name).read_bytes()) == png_size(committed)


def test_the_deck_guide_states_every_limit_the_checker_enforces() -> None:
    assert decks.MAX_CARD_ID_CHARS == ITEM_ID_LENGTH
    guide = (ROOT / "docs" / "decks.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(): line for line in guide.splitlines() if line.startswith("| `")
    }
    limits = {
        "`title`": f"at most {decks.MAX_TITLE_CHARS} characters",
        "`front`": f"at most {decks.MAX_TEXT_CHARS} characters",
        "`back`": f"at most {decks.MAX_TEXT_CHARS} characters",
        "`source`": f"at most {decks.MAX_TEXT_CHARS} characters",
        "`tags`": f"up to {decks.MAX_TAGS}",
    }
    for field, limit in limits.items():
        assert limit in rows[field], field
    card_id_rows = [line for line in guide.splitlines() if line.startswith("| `id`        |")]
    assert card_id_rows and f"at most {decks.MAX_CARD_ID_CHARS} characters" in card_id_rows[0]
