"""The types every problem family shares.

A family is a module with ``FAMILY`` (its id), ``VERSION`` (bumped whenever the
same seed would produce a different problem) and ``build(seed, level)``.
``generate(rng, level)`` draws a seed from ``rng`` and builds from it, so every
problem can be rebuilt exactly from (family, version, seed, level).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from quizzes.autograd import BackwardRule, GateRow, Value, chain_rule, gate_table, replay
from quizzes.tolerance import clean

Matrix = tuple[tuple[float, ...], ...]
Expected = float | Matrix | str
QuantityKind = Literal["value", "gradient", "matrix", "choice"]

MAX_FIELDS_PER_PAGE = 5  # a Discord form (modal) holds at most five text inputs
SEED_BOUND = 2**31 - 1


class QuizError(Exception):
    """A domain error whose message is safe to show to a learner."""


class UnknownFamilyError(QuizError):
    pass


@dataclass(frozen=True)
class Quantity:
    """One thing the learner is asked for.

    ``node`` names the circuit node whose value (kind "value") or gradient
    (kind "gradient") this is; the grader uses it to re-run a mistaken backprop.
    """

    name: str  # a short key, safe as a form field id: "q", "f", "dx", "W"
    label: str  # what the learner reads: "∂f/∂x"
    expected: Expected
    kind: QuantityKind
    node: str = ""
    example: str = "-1.5"  # a valid answer of the right shape, shown with parse errors
    skill: str = ""  # the skill answering it exercises, where no circuit says (quizzes.skills)


@dataclass(frozen=True)
class Choice:
    key: str  # "A", "B", ...
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Misconception:
    """A family-specific mistake and the whole attempt a learner who makes it would give.

    Circuit families get their backprop mistakes from the engine (a mistaken backward
    rule re-run through the graph); a family adds here what the engine cannot replay
    (a wrong update direction, a transposed matrix, a forward slip), computed from
    the problem's own numbers, never written by hand.  ``predicted`` maps every asked
    quantity's name to what that learner answers; ``gate`` is the index into
    ``Problem.gates`` where the slip happens, when it happens at one gate.
    """

    code: str  # a stable mistake code: instructor statistics count it
    where: str  # where the slip is, as the worked solution names it: "the update w ← w − α·∂L/∂w"
    predicted: Mapping[str, Expected]
    gate: int | None = None


# What a learner did at some gates, given the graph in topological order: the backward
# rule they followed (see quizzes.hypotheses, which builds one per hypothesis).
RuleFor = Callable[[list[Value]], BackwardRule]


@dataclass(frozen=True)
class Circuit:
    """Builds the problem's graph afresh, so backprop can be re-run with any rule.

    ``build`` returns the output node and the named nodes (inputs and
    intermediates) that quantities refer to.
    """

    build: Callable[[], tuple[Value, Mapping[str, Value]]]

    def run(
        self,
        rule: BackwardRule | None = None,
        *,
        only_at: int | None = None,
        rule_for: RuleFor | None = None,
        forced: Mapping[str, float] | None = None,
        decimals: int | None = None,
    ) -> tuple[dict[str, float], dict[str, float]]:
        """(values, gradients) of the named nodes after backprop under ``rule``.

        With ``only_at``, ``rule`` applies at that one gate (its index in the gate
        table, i.e. in topological order) and the chain rule everywhere else: a
        learner usually slips at one gate, not at every gate of a kind.  ``rule_for``
        makes the rule from the graph instead (for a slip tied to particular nodes).
        ``forced`` replays the forward pass with those named nodes at the given values
        (a learner's own forward values); ``decimals`` rounds every intermediate value
        and gradient as it is computed (a learner rounding by hand).
        """
        out, named = self.build()
        order = out.topological_order()
        if forced or decimals is not None:
            fixed = {id(named[name]): value for name, value in (forced or {}).items()}
            replay(order, fixed, decimals)
        if rule_for is not None:
            rule = rule_for(order)
        elif rule is not None and only_at is not None:
            rule = _at_one_gate(rule, order[only_at])
        if decimals is not None:
            rule = _rounded(rule or chain_rule, decimals)
        out.backward(rule)
        return (
            {name: clean(node.data) for name, node in named.items()},
            {name: clean(node.grad) for name, node in named.items()},
        )

    def table(self) -> list[GateRow]:
        out, _ = self.build()
        return gate_table(out.backward())


def _at_one_gate(rule: BackwardRule, gate: Value) -> BackwardRule:
    def at_gate(node: Value, upstream: float) -> tuple[float, ...]:
        return rule(node, upstream) if node is gate else chain_rule(node, upstream)

    return at_gate


def _rounded(rule: BackwardRule, decimals: int) -> BackwardRule:
    def rounded(node: Value, upstream: float) -> tuple[float, ...]:
        return tuple(round(g, decimals) for g in rule(node, upstream))

    return rounded


# numbers answered -> {field: (its value from them, what it followed from, e.g. "your ∂L/∂b = 4")}
FollowThrough = Callable[[Mapping[str, float]], dict[str, tuple[float, str]]]


@dataclass(frozen=True)
class Problem:
    family: str
    version: int
    seed: int
    level: int
    title: str
    formula: str
    prompt: str  # the numbers and what to compute, plain text
    givens: tuple[tuple[str, float | Matrix], ...]
    pages: tuple[tuple[Quantity, ...], ...]
    solution: str  # the worked solution, plain text
    gates: tuple[GateRow, ...] = ()  # per-gate table (circuits only)
    choices: tuple[Choice, ...] = ()  # multiple-choice families only
    misconceptions: tuple[Misconception, ...] = ()  # family-specific mistakes (see Misconception)
    circuit: Circuit | None = field(default=None, compare=False, repr=False)
    # Keys that follow from the learner's own earlier answers (an update from their
    # gradients): given the numbers answered, each such field's value and what it followed
    # from.  An answer right for them is credited, as a backward pass right for the
    # learner's own forward values is.
    follow_through: FollowThrough | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for number, page in enumerate(self.pages, 1):
            if not 1 <= len(page) <= MAX_FIELDS_PER_PAGE:
                raise ValueError(
                    f"{self.family}: page {number} asks {len(page)} quantities "
                    f"(1..{MAX_FIELDS_PER_PAGE} allowed)"
                )

    @property
    def quantities(self) -> tuple[Quantity, ...]:
        return tuple(q for page in self.pages for q in page)

    @property
    def is_multiple_choice(self) -> bool:
        return bool(self.choices)

    @property
    def key(self) -> tuple[str, int, int, int]:
        return (self.family, self.version, self.seed, self.level)


def gradient_quantities(
    grads: Mapping[str, float], *nodes: str, example: str = "-1.5"
) -> tuple[Quantity, ...]:
    """∂f/∂node for each named input, keyed "d<node>", as every circuit family asks them."""
    return tuple(
        Quantity(f"d{node}", f"∂f/∂{node}", grads[node], "gradient", node, example=example)
        for node in nodes
    )


class Family:
    """What the registry knows of one problem family module."""

    def __init__(
        self, family: str, version: int, title: str, build: Callable[[int, int], Problem]
    ) -> None:
        self.id = family
        self.version = version
        self.title = title
        self.build = build

    def generate(self, rng: random.Random, level: int) -> Problem:
        return self.build(draw_seed(rng), level)


def draw_seed(rng: random.Random) -> int:
    """A fresh seed; 0 is never drawn, since families may reserve it for a fixed item."""
    return rng.randrange(1, SEED_BOUND)


MAX_LEVEL = 5


def clamp_level(level: int) -> int:
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be an int, not {type(level).__name__}")
    return max(1, min(level, MAX_LEVEL))


def fmt(x: float) -> str:
    """A number as a learner would write it: -4 rather than -4.0, at most 4 decimals."""
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    return f"{x:.4f}".rstrip("0").rstrip(".")


def fmt_matrix(rows: Iterable[Iterable[float]]) -> str:
    """A matrix as a learner would write it: [[1, 2], [3, 4]], numbers via ``fmt``."""
    return "[" + ", ".join("[" + ", ".join(fmt(x) for x in row) + "]" for row in rows) + "]"


def fmt_column(rows: Iterable[Iterable[float]]) -> str:
    """A column vector as the prompts write it: [5, 6], not [[5], [6]]."""
    return "[" + ", ".join(fmt(x) for row in rows for x in row) + "]"


def fmt_array(rows: Matrix) -> str:
    """A matrix, or a column vector written as one (how every prompt and solution writes b)."""
    if len(rows) > 1 and all(len(row) == 1 for row in rows):
        return fmt_column(rows)
    return fmt_matrix(rows)


def fmt_answer(value: Expected) -> str:
    """An answer or a key as a learner would write it: numbers via ``fmt``, matrices in
    brackets, text as it is."""
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return fmt_array(value)
    return fmt(value)


def fmt_factor(x: float) -> str:
    """A number as a factor in a written product: negatives in parentheses, 2·(-1)."""
    return f"({fmt(x)})" if x < 0 else fmt(x)


def pick_nonzero(rng: random.Random, level: int, low: int = -5, high: int = 5) -> float:
    """A given for a circuit: small integers at level 1, wider at 2, one decimal from 3."""
    while True:
        if level <= 1:
            x = float(rng.randint(low, high))
        elif level == 2:
            x = float(rng.randint(2 * low, 2 * high))
        else:
            x = rng.randint(10 * low, 10 * high) / 10
        if x != 0:
            return x
