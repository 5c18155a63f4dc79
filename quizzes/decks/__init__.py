"""Flashcard decks: TOML content files, validated by a schema when they are loaded.

A deck file declares its id, title, learning objectives, the problem families it
schedules and its cards (see docs/decks.md).  ``load_deck`` refuses a
file with any schema problem and reports *every* problem at once, each naming
the file, the card id and the field, so an author can fix the whole file in one
go.  An "item id" the scheduler tracks is either a card id or a family id, which
is why a card may not take a family's id.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizzes.problems.base import QuizError

DECKS_DIR = Path(__file__).resolve().parent
DEFAULT_DECK_FILE = "lesson-04.toml"

# Discord shows a card's front and back in embed fields (at most 1024 characters
# each); 1000 leaves room for the markers a front end adds.
MAX_TEXT_CHARS = 1000
MAX_TITLE_CHARS = 200
MAX_TAGS = 10
# a card id is stored as a learner's item id: the storage column holds 64 characters
# (quizzes.storage.models.ITEM_ID_LENGTH; a test keeps the two equal)
MAX_CARD_ID_CHARS = 64

KEBAB_CASE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

DECK_FIELDS: dict[str, type] = {
    "id": str,
    "title": str,
    "card_id_prefix": str,
    "objectives": dict,
    "families": list,
    "requires": dict,
    "cards": list,
}
REQUIRED_DECK_FIELDS = ("id", "title", "objectives", "families", "cards")

CARD_FIELDS: dict[str, type] = {
    "id": str,
    "front": str,
    "back": str,
    "objective": str,
    "tags": list,
    "source": str,
}

_TOML_TYPE_NAMES: dict[type, str] = {str: "a string", list: "an array", dict: "a table"}


@dataclass(frozen=True)
class Card:
    id: str
    front: str
    back: str
    objective: str
    tags: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Deck:
    id: str
    title: str
    path: Path
    cards: tuple[Card, ...]
    families: tuple[str, ...]
    # objective id -> what the learner will be able to do, in the lesson's words
    objectives: tuple[tuple[str, str], ...] = ()
    # family id -> the items (card or family ids) a learner meets before that family
    requires: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def card(self, card_id: str) -> Card | None:
        return next((c for c in self.cards if c.id == card_id), None)

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Everything the scheduler tracks, in the order new items are introduced.

        The families are spread evenly through the cards, in the deck's order, so a
        learner meets a problem to practise within the first day's new items rather
        than only after every card: family ``j`` of ``k`` comes after the first
        ``ceil(j * cards / k)`` cards — or, if later, right after the last item it
        ``requires`` (the cards that teach what it asks).
        """
        cards = [c.id for c in self.cards]
        if not self.families:
            return tuple(cards)
        position = {card: n for n, card in enumerate(cards, 1)}  # cards before, inclusive
        requires = dict(self.requires)
        after: dict[str, int] = {}  # family -> how many cards come before it
        ordered = _requirement_order(self.families, requires)
        for family in ordered:
            spread = -(-(self.families.index(family) + 1) * len(cards) // len(self.families))
            needed = [position.get(item, after.get(item, 0)) for item in requires.get(family, ())]
            after[family] = max([spread, *needed])
        order: list[str] = []
        placed = 0
        for family in sorted(self.families, key=lambda f: (after[f], ordered.index(f))):
            order += cards[placed : after[family]]
            order.append(family)
            placed = max(placed, after[family])
        return tuple(order + cards[placed:])

    def cards_for(self, objective: str) -> tuple[Card, ...]:
        return tuple(c for c in self.cards if c.objective == objective)


def _cycle_from(start: str, requires: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A chain of families that requires its own start, or [] if there is none."""
    stack = [(start, [start])]
    while stack:
        family, path = stack.pop()
        for item in requires.get(family, ()):
            if item == start:
                return [*path, start]
            if item in requires and item not in path:
                stack.append((item, [*path, item]))
    return []


def _requirement_order(
    families: tuple[str, ...], requires: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """The families with each after the families it requires (the loader refuses cycles)."""
    done: list[str] = []

    def visit(family: str) -> None:
        if family in done:
            return
        for item in requires.get(family, ()):
            if item in families:
                visit(item)
        done.append(family)

    for family in families:
        visit(family)
    return done


@dataclass(frozen=True)
class DeckProblem:
    card_id: str | None  # None for a problem with the deck's own fields
    field: str | None
    message: str

    def describe(self) -> str:
        where = "deck" if self.card_id is None else f"card {self.card_id!r}"
        if self.field is not None:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


class DeckError(QuizError):
    """A deck file that cannot be used; the message names the file, card id and field."""

    def __init__(self, path: Path, problems: Collection[DeckProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = [f"{path.name}: {p.describe()}" for p in self.problems]
        super().__init__("\n".join(lines))


def load_deck(path: Path, *, known_families: Collection[str] | None = None) -> Deck:
    """The deck in ``path``, or DeckError listing every schema problem in it.

    Families are checked against ``known_families``, by default the registered
    problem families (``quizzes.problems.FAMILIES``).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeckError(path, [DeckProblem(None, None, f"cannot read the file ({exc})")]) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeckError(path, [_syntax_problem(text, exc)]) from exc
    if known_families is None:
        from quizzes.problems import FAMILIES  # read at call time: families register late

        known_families = FAMILIES.keys()
    return _DeckValidator(path, raw, frozenset(known_families)).deck()


def shipped_deck_paths() -> list[Path]:
    """Every deck file that ships inside the package."""
    return sorted(DECKS_DIR.glob("*.toml"))


@functools.cache
def default_deck() -> Deck:
    """The lesson-4 deck (read once per process)."""
    return load_deck(DECKS_DIR / DEFAULT_DECK_FILE)


class _DeckValidator:
    """Checks one parsed deck file, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path, raw: Mapping[str, Any], known_families: frozenset[str]):
        self.path = path
        self.raw = raw
        self.known_families = known_families
        self.problems: list[DeckProblem] = []

    def deck(self) -> Deck:
        self._check_fields(None, self.raw, DECK_FIELDS, REQUIRED_DECK_FIELDS)
        deck_id = self._string(None, "id", self.raw)
        title = self._string(None, "title", self.raw, max_chars=MAX_TITLE_CHARS)
        prefix = self._string(None, "card_id_prefix", self.raw, required=False)
        objectives = self._objectives()
        families = self._families()
        cards = self._cards(prefix, dict(objectives), families)
        requires = self._requires(families, {c.id for c in cards})
        if self.problems:
            raise DeckError(self.path, self.problems)
        return Deck(deck_id, title, self.path, cards, families, objectives, requires)

    def _report(self, card_id: str | None, field: str | None, message: str) -> None:
        self.problems.append(DeckProblem(card_id, field, message))

    def _check_fields(
        self,
        card_id: str | None,
        table: Mapping[str, Any],
        fields: Mapping[str, type],
        required: Collection[str],
    ) -> None:
        for name in table:
            if name not in fields:
                self._report(card_id, name, f"unknown field (allowed: {', '.join(fields)})")
        for name in required:
            if name not in table:
                self._report(card_id, name, "missing")
        for name, value in table.items():
            expected = fields.get(name)
            if expected is not None and not isinstance(value, expected):
                self._report(card_id, name, f"must be {_TOML_TYPE_NAMES[expected]}")

    def _string(
        self,
        card_id: str | None,
        field: str,
        table: Mapping[str, Any],
        *,
        required: bool = True,
        max_chars: int = MAX_TEXT_CHARS,
    ) -> str:
        """The stripped string in ``table[field]``; type/missing problems are reported elsewhere."""
        value = table.get(field)
        if not isinstance(value, str):
            return ""
        text = value.strip()
        if required and not text:
            self._report(card_id, field, "must not be empty")
        if len(text) > max_chars:
            self._report(card_id, field, f"has {len(text)} characters (at most {max_chars})")
        return text

    def _objectives(self) -> tuple[tuple[str, str], ...]:
        table = self.raw.get("objectives")
        if not isinstance(table, dict):
            return ()
        if not table:
            self._report(None, "objectives", "must declare at least one objective")
        objectives = []
        for objective_id, text in table.items():
            field = f"objectives.{objective_id}"
            if not KEBAB_CASE.match(objective_id):
                self._report(None, field, "objective ids must be kebab-case")
            if not isinstance(text, str) or not text.strip():
                self._report(None, field, "must be a non-empty string")
                continue
            objectives.append((objective_id, text.strip()))
        return tuple(objectives)

    def _families(self) -> tuple[str, ...]:
        families = self.raw.get("families")
        if not isinstance(families, list):
            return ()
        seen: list[str] = []
        for family in families:
            if not isinstance(family, str):
                self._report(None, "families", f"{family!r} is not a string")
            elif family not in self.known_families:
                known = ", ".join(sorted(self.known_families)) or "none registered"
                self._report(None, "families", f"unknown family {family!r} (known: {known})")
            elif family in seen:
                self._report(None, "families", f"family {family!r} is listed twice")
            else:
                seen.append(family)
        return tuple(seen)

    def _requires(
        self, families: tuple[str, ...], card_ids: Collection[str]
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``[requires]``: per family of this deck, the card (or family) ids it comes after."""
        table = self.raw.get("requires")
        if not isinstance(table, dict):
            return ()
        found: dict[str, tuple[str, ...]] = {}
        for family, items in table.items():
            field = f"requires.{family}"
            if family not in families:
                self._report(None, field, f"{family!r} is not one of this deck's families")
                continue
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                self._report(None, field, "must be an array of card ids")
                continue
            for item in items:
                if item == family:
                    self._report(None, field, "a family cannot require itself")
                elif item not in card_ids and item not in families:
                    self._report(None, field, f"unknown card or family {item!r}")
            found[family] = tuple(i for i in items if i != family)
        for family in found:
            cycle = _cycle_from(family, found)
            if cycle:
                self._report(None, f"requires.{family}", f"cycle: {' → '.join(cycle)}")
                break
        return tuple(found.items())

    def _cards(
        self, prefix: str, objectives: Mapping[str, str], families: Collection[str]
    ) -> tuple[Card, ...]:
        raw_cards = self.raw.get("cards")
        if not isinstance(raw_cards, list):
            return ()
        if not raw_cards:
            self._report(None, "cards", "the deck has no cards")
        family_ids = self.known_families | set(families)
        cards: list[Card] = []
        seen_ids: set[str] = set()
        for number, raw_card in enumerate(raw_cards, 1):
            if not isinstance(raw_card, dict):
                self._report(f"#{number}", None, "each [[cards]] entry must be a table")
                continue
            raw_id = raw_card.get("id")
            has_id = isinstance(raw_id, str) and bool(raw_id.strip())
            card_id = raw_id.strip() if has_id and isinstance(raw_id, str) else f"#{number}"
            before = len(self.problems)
            if has_id:
                self._check_card_id(card_id, prefix, seen_ids, family_ids)
                seen_ids.add(card_id)
            card = self._card(card_id, raw_card, objectives)
            if card is not None and len(self.problems) == before:
                cards.append(card)
        return tuple(cards)

    def _check_card_id(
        self, card_id: str, prefix: str, seen_ids: Collection[str], family_ids: Collection[str]
    ) -> None:
        if card_id in seen_ids:
            self._report(card_id, "id", "duplicate card id (ids must be unique)")
        if card_id in family_ids:
            self._report(card_id, "id", "a card id may not equal a problem family id")
        if not KEBAB_CASE.match(card_id):
            self._report(card_id, "id", "must be kebab-case (lowercase letters, digits, '-')")
        if prefix and not card_id.startswith(prefix):
            self._report(card_id, "id", f"must start with the deck's prefix {prefix!r}")
        if len(card_id) > MAX_CARD_ID_CHARS:
            self._report(
                card_id, "id", f"has {len(card_id)} characters (at most {MAX_CARD_ID_CHARS})"
            )

    def _card(
        self, card_id: str, raw: Mapping[str, Any], objectives: Mapping[str, str]
    ) -> Card | None:
        """The card, or None (with the reasons reported) if any of its fields is unusable."""
        before = len(self.problems)
        self._check_fields(card_id, raw, CARD_FIELDS, tuple(CARD_FIELDS))
        front = self._string(card_id, "front", raw)
        back = self._string(card_id, "back", raw)
        source = self._string(card_id, "source", raw)
        objective = self._string(card_id, "objective", raw)
        if objective and objective not in objectives:
            known = ", ".join(objectives) or "none declared"
            self._report(card_id, "objective", f"unknown objective {objective!r} (known: {known})")
        tags = self._tags(card_id, raw.get("tags"))
        if len(self.problems) > before:
            return None
        return Card(card_id, front, back, objective, tags, source)

    def _tags(self, card_id: str, tags: object) -> tuple[str, ...]:
        if not isinstance(tags, list):
            return ()
        if len(tags) > MAX_TAGS:
            self._report(card_id, "tags", f"has {len(tags)} tags (at most {MAX_TAGS})")
        for tag in tags:
            if not isinstance(tag, str) or not KEBAB_CASE.match(tag):
                self._report(card_id, "tags", f"tag {tag!r} must be a kebab-case string")
        if len(set(map(str, tags))) != len(tags):
            self._report(card_id, "tags", "lists a tag twice")
        return tuple(str(tag) for tag in tags)


_TOML_ERROR_LINE = re.compile(r"at line (\d+)")
_TOML_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
_TOML_ID_LINE = re.compile(r"""^\s*id\s*=\s*["']([^"']*)["']""")


def _syntax_problem(text: str, exc: tomllib.TOMLDecodeError) -> DeckProblem:
    """A TOML syntax error, placed near the card and field it is in when that can be told.

    tomllib only reports a line number; the card is the last ``[[cards]]`` entry
    opened before that line and the field the last ``key =`` line at or before it.
    """
    found = _TOML_ERROR_LINE.search(str(exc))
    if found is None:
        return DeckProblem(None, None, f"TOML syntax error: {exc}")
    line_number = int(found.group(1))
    lines = text.splitlines()[:line_number]
    card_id: str | None = None
    field: str | None = None
    in_multiline_string = False
    for line in lines:
        if not in_multiline_string:
            if line.strip() == "[[cards]]":
                card_id, field = "(id not yet read)", None
            elif (id_match := _TOML_ID_LINE.match(line)) and card_id is not None:
                card_id = id_match.group(1)
            if key_match := _TOML_KEY_LINE.match(line):
                field = key_match.group(1)
        if line.count('"""') % 2 == 1:
            in_multiline_string = not in_multiline_string
    return DeckProblem(card_id, field, f"TOML syntax error near line {line_number}: {exc}")


__all__ = [
    "Card",
    "Deck",
    "DeckError",
    "DeckProblem",
    "default_deck",
    "load_deck",
    "shipped_deck_paths",
]
