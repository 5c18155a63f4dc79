"""``chainrule decks validate``: each file reported; each problem names file, card and field."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.deck_check import validate_decks
from quizzes.decks import load_deck, shipped_deck_paths
from tests.cli import run_chainrule

CARD = """
[[cards]]
id = "{id}"
front = "What does a gate pass back?"
back = "Its local gradient times the upstream gradient."
objective = "chain-rule"
tags = {tags}
source = "lesson 4"
"""
DECK_HEADER = """
id = "{deck_id}"
title = "A deck written for this test"
families = []

[objectives]
chain-rule = "Apply the chain rule gate by gate."
"""


def write_deck(directory: Path, name: str, cards: list[str], deck_id: str = "test-deck") -> Path:
    path = directory / name
    path.write_text(DECK_HEADER.format(deck_id=deck_id) + "".join(cards), encoding="utf-8")
    return path


def validate(paths: list[Path]) -> tuple[int, list[str]]:
    lines: list[str] = []
    return validate_decks(paths, write=lines.append), lines


def test_the_shipped_deck_validates_and_its_line_counts_its_cards() -> None:
    path = shipped_deck_paths()[0]
    deck = load_deck(path)

    exit_code, lines = validate([path])

    assert exit_code == 0
    assert lines == [
        f'✓ {path}: deck "{deck.id}" — {len(deck.cards)} cards, {len(deck.objectives)} '
        f"objectives, {len(deck.families)} problem families"
    ]


def test_a_valid_deck_of_one_card_is_counted_in_the_singular(tmp_path: Path) -> None:
    path = write_deck(tmp_path, "one.toml", [CARD.format(id="only-card", tags="[]")])
    exit_code, lines = validate([path])
    assert exit_code == 0
    assert lines == [f'✓ {path}: deck "test-deck" — 1 card, 1 objective, 0 problem families']


def test_a_broken_deck_names_the_file_the_card_and_the_field_of_every_problem(
    tmp_path: Path,
) -> None:
    good = write_deck(tmp_path, "good.toml", [CARD.format(id="fine-card", tags="[]")])
    broken = write_deck(
        tmp_path,
        "broken.toml",
        [
            CARD.format(id="twice", tags="[]"),
            CARD.format(id="twice", tags="[]"),  # duplicate id
            CARD.format(id="coloured", tags="[]") + 'colour = "red"\n',  # unknown field
            CARD.format(id="tagged", tags='"chain-rule"'),  # a string where an array belongs
        ],
    )

    exit_code, lines = validate([broken, good])

    assert exit_code == 1
    assert lines[0] == f"✗ {broken}"
    problems = lines[1:-1]
    assert all(line.startswith("    card ") for line in problems)
    assert "    card 'twice', field 'id': duplicate card id (ids must be unique)" in problems
    assert any(
        line.startswith("    card 'coloured', field 'colour': unknown field") for line in problems
    )
    assert "    card 'tagged', field 'tags': must be an array" in problems
    # it went on to the next file after the broken one
    assert lines[-1].startswith(f"✓ {good}: ")


def test_a_missing_file_or_a_directory_is_one_line_and_the_rest_are_still_checked(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-deck.toml"
    exit_code, lines = validate([missing, tmp_path, shipped_deck_paths()[0]])

    assert exit_code == 1
    assert lines[0] == f"✗ {missing}: no such file"
    assert lines[1] == f"✗ {tmp_path}: is a directory, not a deck file"
    assert lines[2].startswith("✓ ")
    assert len(lines) == 3


def run_validate(paths: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_chainrule(["decks", "validate", *paths], cwd)


def test_the_command_exits_0_for_valid_decks_and_1_for_any_invalid_one(tmp_path: Path) -> None:
    write_deck(tmp_path, "mine.toml", [CARD.format(id="my-card", tags="[]")])
    write_deck(tmp_path, "typo.toml", [CARD.format(id="Not Kebab", tags="[]")])
    shipped = str(shipped_deck_paths()[0])

    valid = run_validate(["mine.toml", shipped], tmp_path)
    invalid = run_validate(["mine.toml", "typo.toml", "absent.toml"], tmp_path)

    assert (valid.returncode, valid.stderr) == (0, "")
    assert valid.stdout.count("✓ ") == 2
    assert invalid.returncode == 1
    assert "Traceback" not in invalid.stderr + invalid.stdout
    assert "✗ typo.toml\n    card 'Not Kebab', field 'id': must be kebab-case" in invalid.stdout
    assert "✗ absent.toml: no such file" in invalid.stdout
