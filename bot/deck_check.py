"""``chainrule decks validate PATH...``: check deck files an instructor wrote, before teaching them.

Each file is loaded exactly as the bot loads it (``quizzes.decks.load_deck``), so
a file that passes here is one ``chainrule run`` accepts.  Every problem is
listed, each naming the card id and the field, so an author fixes a file in one
go.  ``chainrule doctor`` reuses :func:`check_deck_file` for the shipped decks
and ``CHAINRULE_DECK``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from quizzes.decks import Deck, DeckError, load_deck
from quizzes.presentation import plural

EXIT_VALID = 0
EXIT_INVALID = 1


@dataclass(frozen=True)
class DeckFileReport:
    """What validating one path found: the deck, or the reasons it cannot be used."""

    path: Path
    deck: Deck | None
    problems: tuple[str, ...] = ()  # one line each, naming the card and the field
    not_a_file: str | None = None  # "no such file", "it is a directory"

    @property
    def ok(self) -> bool:
        return self.deck is not None

    def lines(self) -> list[str]:
        """``✓ path: summary``, or ``✗ path`` and one indented line per problem."""
        if self.deck is not None:
            return [f"✓ {self.path}: {deck_summary(self.deck)}"]
        if self.not_a_file is not None:
            return [f"✗ {self.path}: {self.not_a_file}"]
        return [f"✗ {self.path}", *(f"    {problem}" for problem in self.problems)]


def deck_summary(deck: Deck) -> str:
    """``deck "lesson-04" — 38 cards, 5 objectives, 6 problem families``."""
    return (
        f'deck "{deck.id}" — {plural(len(deck.cards), "card")}, '
        f"{plural(len(deck.objectives), 'objective')}, "
        f"{plural(len(deck.families), 'problem family', 'problem families')}"
    )


def check_deck_file(path: Path) -> DeckFileReport:
    """Load ``path`` as the bot would; a missing file or a directory is one plain problem."""
    if path.is_dir():
        return DeckFileReport(path, None, not_a_file="is a directory, not a deck file")
    if not path.exists():
        return DeckFileReport(path, None, not_a_file="no such file")
    try:
        deck = load_deck(path)
    except DeckError as error:
        return DeckFileReport(path, None, tuple(p.describe() for p in error.problems))
    return DeckFileReport(path, deck)


def check_deck_files(paths: Iterable[Path]) -> list[DeckFileReport]:
    return [check_deck_file(Path(path)) for path in paths]


def validate_decks(paths: list[Path], write: Callable[[str], None] = print) -> int:
    """Report on every path (never stopping at the first bad one); 1 if any is invalid."""
    reports = check_deck_files(paths)
    for report in reports:
        for line in report.lines():
            write(line)
    return EXIT_VALID if all(report.ok for report in reports) else EXIT_INVALID
