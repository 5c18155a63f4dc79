"""``chainrule decks validate`` (being written)."""

from pathlib import Path


def validate_decks(paths: list[Path]) -> int:
    raise NotImplementedError
