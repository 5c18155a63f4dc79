"""The deck loader's schema, and every shipped deck against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzes.decks import (
    DECKS_DIR,
    DEFAULT_DECK_FILE,
    MAX_TEXT_CHARS,
    Card,
    DeckError,
    default_deck,
    load_deck,
    shipped_deck_paths,
)
from quizzes.leitner import LeitnerConfig
from quizzes.problems import FAMILIES
from quizzes.problems.base import QuizError

# What lesson 4 schedules (issue 2); some families may not be registered yet while engineers
# add them, so shipped decks are checked against this full list.
LESSON_04_FAMILIES = (
    "add-mul",
    "gate-patterns",
    "sigmoid-neuron",
    "two-layer-net",
    "linear-collapse",
    "relu-role",
    "param-count",
    "training-step",
    "xor-net",
    "random-circuit",
)
LESSON_04_OBJECTIVES = (
    "linear-no-op",
    "two-layer-forward",
    "learned-features-history",
    "backprop-local-upstream",
    "circuit-by-hand",
)

LESSON_04_PATH = DECKS_DIR / DEFAULT_DECK_FILE

DECK_HEADER = """\
id = "test-deck"
title = "A test deck"
card_id_prefix = "t-"
families = ["add-mul"]

[objectives]
first = "The first objective"
second = "The second objective"
"""

GOOD_CARD = """
[[cards]]
id = "t-good"
front = "A question?"
back = "An answer."
objective = "first"
tags = ["tag-one"]
source = "a test"
"""


def card_toml(card_id: str = "t-card", **overrides: str) -> str:
    """One [[cards]] entry; an override is raw TOML for the value, "" drops the field."""
    fields = {
        "id": f'"{card_id}"',
        "front": '"What is it?"',
        "back": '"It is."',
        "objective": '"second"',
        "tags": '["t"]',
        "source": '"a test"',
    }
    fields.update(overrides)
    lines = [f"{name} = {value}" for name, value in fields.items() if value != ""]
    return "\n[[cards]]\n" + "\n".join(lines) + "\n"


def write_deck(tmp_path: Path, *cards: str, header: str = DECK_HEADER) -> Path:
    path = tmp_path / "broken-deck.toml"
    path.write_text(header + GOOD_CARD + "".join(cards), encoding="utf-8")
    return path


def load_error(path: Path) -> DeckError:
    with pytest.raises(DeckError) as caught:
        load_deck(path, known_families=LESSON_04_FAMILIES)
    return caught.value


def assert_names(error: DeckError, card_id: str | None, field: str | None) -> None:
    """The error names the file, and one of its problems names this card and field."""
    text = str(error)
    assert error.path.name in text
    assert (card_id, field) in [(p.card_id, p.field) for p in error.problems], text
    if card_id is not None:
        assert f"card {card_id!r}" in text
    if field is not None:
        assert f"field {field!r}" in text


# --- shipped decks --------------------------------------------------------------------------


def test_the_lesson_4_deck_ships() -> None:
    assert DEFAULT_DECK_FILE in [p.name for p in shipped_deck_paths()]


@pytest.mark.parametrize("path", shipped_deck_paths(), ids=lambda p: p.name)
def test_every_shipped_deck_loads(path: Path) -> None:
    deck = load_deck(path, known_families=LESSON_04_FAMILIES)
    assert deck.cards
    assert deck.path == path
    for card in deck.cards:
        assert len(card.front) <= MAX_TEXT_CHARS
        assert len(card.back) <= MAX_TEXT_CHARS
        assert card.source


@pytest.fixture(scope="module")
def lesson_4() -> tuple[Card, ...]:
    return load_deck(LESSON_04_PATH, known_families=LESSON_04_FAMILIES).cards


def test_lesson_4_has_at_least_24_cards(lesson_4: tuple[Card, ...]) -> None:
    assert len(lesson_4) >= 24


def test_lesson_4_covers_all_five_objectives_with_several_cards_each(
    lesson_4: tuple[Card, ...],
) -> None:
    per_objective = {o: sum(c.objective == o for c in lesson_4) for o in LESSON_04_OBJECTIVES}
    assert all(count >= 3 for count in per_objective.values()), per_objective


def test_lesson_4_declares_exactly_the_lessons_objectives_and_families() -> None:
    deck = load_deck(LESSON_04_PATH, known_families=LESSON_04_FAMILIES)
    assert deck.id == "lesson-04"
    assert tuple(o for o, _ in deck.objectives) == LESSON_04_OBJECTIVES
    assert sorted(deck.families) == sorted(LESSON_04_FAMILIES)


def test_lesson_4_card_ids_are_prefixed_and_unique(lesson_4: tuple[Card, ...]) -> None:
    ids = [c.id for c in lesson_4]
    assert all(i.startswith("l04-") for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("topic", "needle"),
    [
        ("the collapse algebra", "(W2·W1)·x + (W2·b1 + b2)"),
        ("the two-layer forward pass", "W2·max(0, W1·x + b1) + b2"),
        ("AlexNet 2012", "ILSVRC challenge in 2012"),
        ("hand-engineered features", "HOG"),
        ("backprop in one sentence", "chain rule recursively"),
        ("local × upstream", "local gradient × upstream gradient"),
        ("add distributes", "distributes"),
        ("max routes", "routes"),
        ("mul swaps", "swaps"),
        ("the training loop", "W ← W - α·∇L"),
        ("why backprop scales", "two forward passes"),
        ("the numerical gradient's cost", "one extra loss evaluation (a forward pass) per"),
        ("counting parameters, [3, 4, 2]", "20 + 6 = 26"),
        ("counting parameters, [3, 4, 4, 1]", "32 + 9 = 41"),
        ("universal approximation's bounded region", "closed and bounded region"),
        ("the worked circuit's gradients", "[-4, -4, 3]"),
    ],
)
def test_lesson_4_teaches(lesson_4: tuple[Card, ...], topic: str, needle: str) -> None:
    assert any(needle in c.back for c in lesson_4), f"no card teaches {topic}"


def test_lesson_4_drills_the_training_loop_order_as_clozes(lesson_4: tuple[Card, ...]) -> None:
    fronts = [c.front for c in lesson_4]
    for step in ("forward pass", "loss", "backward pass", "step"):
        assert f"Training loop: after the {step} comes ___." in fronts, step


def test_lesson_4_leaves_convolutional_networks_to_phase_2(lesson_4: tuple[Card, ...]) -> None:
    assert not [c.id for c in lesson_4 if "POOL" in c.back or "LeNet" in c.back]


def test_default_deck_is_lesson_4_checked_against_the_registered_families() -> None:
    assert set(LESSON_04_FAMILIES) <= FAMILIES.keys()
    deck = default_deck()
    assert deck.id == "lesson-04"
    assert deck.path == LESSON_04_PATH
    assert deck is default_deck()


# --- the Deck API ---------------------------------------------------------------------------


def test_item_ids_are_card_ids_then_family_ids(tmp_path: Path) -> None:
    deck = load_deck(write_deck(tmp_path, card_toml("t-other")), known_families=["add-mul"])
    assert deck.item_ids == ("t-good", "t-other", "add-mul")


def test_families_are_spread_through_the_cards_in_the_decks_order(tmp_path: Path) -> None:
    header = DECK_HEADER.replace('families = ["add-mul"]', 'families = ["add-mul", "relu-role"]')
    cards = [card_toml(f"t-{n}") for n in range(5)]
    deck = load_deck(write_deck(tmp_path, *cards, header=header), known_families=FAMILIES)
    assert deck.item_ids == (
        "t-good", "t-0", "t-1", "add-mul", "t-2", "t-3", "t-4", "relu-role"
    )  # fmt: skip


def test_a_family_comes_only_after_the_items_it_requires(tmp_path: Path) -> None:
    header = DECK_HEADER.replace('families = ["add-mul"]', 'families = ["add-mul", "relu-role"]')
    header += '\n[requires]\nadd-mul = ["t-3"]\nrelu-role = ["add-mul"]\n'
    cards = [card_toml(f"t-{n}") for n in range(5)]
    deck = load_deck(write_deck(tmp_path, *cards, header=header), known_families=FAMILIES)
    assert deck.item_ids == (
        "t-good", "t-0", "t-1", "t-2", "t-3", "add-mul", "t-4", "relu-role"
    )  # fmt: skip


def test_the_shipped_decks_introduction_order_meets_every_requirement() -> None:
    deck = default_deck()
    order = deck.item_ids
    assert sorted(order) == sorted([c.id for c in deck.cards] + list(deck.families))
    requires = dict(deck.requires)
    assert set(requires) == set(deck.families)  # every family says what it needs first
    for family, items in requires.items():
        for item in items:
            assert order.index(item) < order.index(family), (family, item)
    assert order.index("two-layer-net") > order.index("l04-gradients-add-at-forks")
    positions = [order.index(family) for family in deck.families]
    assert positions == sorted(positions)  # met in the order the deck lists them
    assert positions[0] < LeitnerConfig().new_per_day  # practice on the very first day


@pytest.mark.parametrize(
    ("requires", "field", "message"),
    [
        ('sigmoid-neuron = ["t-good"]', "requires.sigmoid-neuron", "not one of this deck"),
        ('add-mul = ["t-missing"]', "requires.add-mul", "unknown card or family 't-missing'"),
        ('add-mul = ["add-mul"]', "requires.add-mul", "cannot require itself"),
        ('add-mul = "t-good"', "requires.add-mul", "must be an array"),
        ('add-mul = ["relu-role"]\nrelu-role = ["add-mul"]', "requires.add-mul", "cycle"),
    ],
)
def test_requirement_errors_name_the_family(
    tmp_path: Path, requires: str, field: str, message: str
) -> None:
    header = DECK_HEADER.replace('families = ["add-mul"]', 'families = ["add-mul", "relu-role"]')
    header += f"\n[requires]\n{requires}\n"
    error = load_error(write_deck(tmp_path, header=header))
    assert_names(error, None, field)
    assert message in str(error)


def test_card_lookup_by_id(tmp_path: Path) -> None:
    deck = load_deck(write_deck(tmp_path), known_families=["add-mul"])
    card = deck.card("t-good")
    assert card == Card("t-good", "A question?", "An answer.", "first", ("tag-one",), "a test")
    assert deck.card("t-missing") is None
    assert deck.cards_for("first") == (card,)


def test_families_default_to_the_registered_ones(tmp_path: Path) -> None:
    assert load_deck(write_deck(tmp_path)).families == ("add-mul",)
    header = DECK_HEADER.replace('["add-mul"]', '["add-mul", "not-a-family"]')
    with pytest.raises(DeckError) as caught:
        load_deck(write_deck(tmp_path, header=header))
    assert_names(caught.value, None, "families")


# --- each kind of schema error names the file, the card and the field -------------------------


LONG_TEXT = '"' + "x" * (MAX_TEXT_CHARS + 1) + '"'


@pytest.mark.parametrize(
    ("card_id", "overrides", "field"),
    [
        ("t-unknown-field", {"hint": '"extra"'}, "hint"),
        ("t-missing-back", {"back": ""}, "back"),
        ("t-missing-source", {"source": ""}, "source"),
        ("t-wrong-type-front", {"front": "42"}, "front"),
        ("t-wrong-type-tags", {"tags": '"one-tag"'}, "tags"),
        ("t-bad-tag", {"tags": '["ok", 3]'}, "tags"),
        ("t-empty-front", {"front": '"   "'}, "front"),
        ("t-unknown-objective", {"objective": '"third"'}, "objective"),
        ("t-long-front", {"front": LONG_TEXT}, "front"),
        ("t-long-back", {"back": LONG_TEXT}, "back"),
        ("t-Not_Kebab", {}, "id"),
        ("x-wrong-prefix", {}, "id"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith(("t-", "x-")) else "",
)
def test_card_schema_errors_name_file_card_and_field(
    tmp_path: Path, card_id: str, overrides: dict[str, str], field: str
) -> None:
    error = load_error(write_deck(tmp_path, card_toml(card_id, **overrides)))
    assert_names(error, card_id, field)


def test_duplicate_card_id(tmp_path: Path) -> None:
    error = load_error(write_deck(tmp_path, card_toml("t-good")))
    assert_names(error, "t-good", "id")
    assert "duplicate" in str(error)


def test_duplicate_is_reported_even_when_the_first_copy_has_other_problems(
    tmp_path: Path,
) -> None:
    error = load_error(
        write_deck(tmp_path, card_toml("t-twice", objective='"nope"'), card_toml("t-twice"))
    )
    assert_names(error, "t-twice", "objective")
    assert_names(error, "t-twice", "id")


def test_card_id_equal_to_a_family_id_is_refused(tmp_path: Path) -> None:
    header = DECK_HEADER.replace('card_id_prefix = "t-"\n', "")
    error = load_error(write_deck(tmp_path, card_toml("add-mul"), header=header))
    assert_names(error, "add-mul", "id")


def test_card_without_an_id_is_named_by_position(tmp_path: Path) -> None:
    error = load_error(write_deck(tmp_path, card_toml(id="")))
    assert_names(error, "#2", "id")


def test_unknown_deck_field(tmp_path: Path) -> None:
    error = load_error(write_deck(tmp_path, header='author = "me"\n' + DECK_HEADER))
    assert_names(error, None, "author")


def test_missing_deck_field(tmp_path: Path) -> None:
    error = load_error(
        write_deck(tmp_path, header=DECK_HEADER.replace('title = "A test deck"\n', ""))
    )
    assert_names(error, None, "title")


def test_wrong_deck_field_type(tmp_path: Path) -> None:
    header = DECK_HEADER.replace('families = ["add-mul"]', 'families = "add-mul"')
    assert_names(load_error(write_deck(tmp_path, header=header)), None, "families")


def test_unknown_family(tmp_path: Path) -> None:
    header = DECK_HEADER.replace('["add-mul"]', '["add-mul", "quadratic"]')
    error = load_error(write_deck(tmp_path, header=header))
    assert_names(error, None, "families")
    assert "quadratic" in str(error)


def test_bad_toml_syntax_is_placed_at_its_card_and_field(tmp_path: Path) -> None:
    broken = card_toml("t-broken", back='"never closed')
    error = load_error(write_deck(tmp_path, broken))
    assert_names(error, "t-broken", "back")
    assert "TOML syntax error" in str(error)


def test_bad_toml_syntax_in_the_deck_header(tmp_path: Path) -> None:
    error = load_error(write_deck(tmp_path, header="id = lesson\n" + DECK_HEADER))
    assert_names(error, None, "id")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    error = load_error(
        write_deck(
            tmp_path,
            card_toml("t-one", objective='"nope"'),
            card_toml("t-two", tags="7"),
        )
    )
    assert {(p.card_id, p.field) for p in error.problems} == {
        ("t-one", "objective"),
        ("t-two", "tags"),
    }


def test_unreadable_file_is_a_deck_error(tmp_path: Path) -> None:
    error = load_error(tmp_path / "absent.toml")
    assert "absent.toml" in str(error)


def test_deck_error_is_a_learner_safe_quiz_error() -> None:
    assert issubclass(DeckError, QuizError)
