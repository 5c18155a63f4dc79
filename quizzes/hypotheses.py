"""Hypotheses about a whole attempt: a mistake, where it was made, and every answer it predicts.

A hypothesis is one of the known mistakes (:mod:`quizzes.mistakes`) made at one place —
one gate, every gate of a kind, one answer (a sign), one fork, or a family's own
misconception — together with the answer it predicts for every asked quantity of its
pass (forward values or backward gradients).  The grader picks the hypothesis that
explains a learner's numbers (:mod:`quizzes.grading.diagnosis`); the generators use
:func:`distinguishable` to refuse draws where two hypotheses, or a hypothesis and the
key, come out within the grading tolerance of each other.

Only the engine computes predictions: backprop re-run with a wrong rule, or the forward
pass replayed with a forced value.  Nothing here is written per problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Literal

from quizzes.autograd import BackwardRule, Value, chain_rule, replay
from quizzes.mistakes import MISTAKES, GateOverride
from quizzes.tolerance import Answer, clean, is_close, matches

if TYPE_CHECKING:
    from quizzes.problems.base import Problem, Quantity

Scope = Literal["gate", "every", "answer", "fork", "family"]
ROUNDING_DECIMALS = 2
# mistakes a family shows only at some levels (two-layer-net has no inactive unit at level 1)
LEVEL_DEPENDENT = frozenset(
    {"dead-relu"}
)  # a learner rounding intermediate values by hand (σ′ ≈ 0.2, as CS231n)


@dataclass(frozen=True)
class Hypothesis:
    """A mistake made at one place, and what the learner then answers.

    ``predicted`` holds every asked quantity of the hypothesis' pass.  ``gate`` is the
    engine's gate index (into ``Problem.gates``) for a slip at one gate or fork;
    ``node`` names the value whose gradient a fork slip drops, or the answer a sign
    slip is in; a gate slip with scope "answer" is made in that answer's own last gate,
    for that input only (∂s/∂W1[1][0] = x0 at W1[1][0]·x0, with ∂s/∂x0 right).
    """

    code: str
    predicted: Mapping[str, Answer]
    scope: Scope
    gate: int | None = None
    variant: str = ""
    node: str = ""
    where: str = ""  # a family misconception's own words for where the slip is


def backward_fields(problem: Problem) -> tuple[Quantity, ...]:
    return tuple(q for q in problem.quantities if q.kind == "gradient" and q.node)


def forward_fields(problem: Problem) -> tuple[Quantity, ...]:
    return tuple(q for q in problem.quantities if q.kind in ("value", "matrix"))


# ---- backward ---------------------------------------------------------------
def backward_hypotheses(
    problem: Problem, forced: Mapping[str, float] | None = None
) -> tuple[dict[str, Answer], list[Hypothesis]]:
    """The right gradients (for the forward values ``forced``, if given) and every backward
    hypothesis that changes at least one asked gradient."""
    reference, found, _ = _backward(problem, forced)
    return reference, [h for h, _ in found]


Rerun = Callable[[BackwardRule | None, BackwardRule | None], bool]


def _backward(
    problem: Problem, forced: Mapping[str, float] | None
) -> tuple[dict[str, Answer], list[tuple[Hypothesis, BackwardRule | None]], Rerun | None]:
    """:func:`backward_hypotheses` with each hypothesis' rule (None for a sign slip in one
    answer), and a test of whether two rules agree on every draw of this circuit."""
    fields = backward_fields(problem)
    if problem.circuit is None or not fields:
        return {}, [], None
    out, named = problem.circuit.build()
    order = out.topological_order()
    if forced:
        replay(order, {id(named[name]): value for name, value in forced.items()})

    def gradients(rule: BackwardRule | None) -> dict[str, Answer]:
        out.backward(rule)
        return {q.name: clean(named[q.node].grad) for q in fields}

    reference = gradients(None)
    found: list[tuple[Hypothesis, BackwardRule | None]] = []
    asked = {q.name: q.node for q in fields}
    for code, scope, gate, variant, node, rule in _backward_slips(order, named, asked):
        predicted = gradients(rule)
        if _differs(predicted, reference):
            found.append((Hypothesis(code, predicted, scope, gate, variant, node), rule))
    for q in fields:
        value = reference[q.name]
        if isinstance(value, float) and value != 0:
            negated = dict(reference) | {q.name: -value}
            found.append((Hypothesis("sign", negated, "answer", node=q.name), None))

    def always_alike(a: BackwardRule | None, b: BackwardRule | None) -> bool:
        """Whether ``a`` and ``b`` also predict the same gradients on other numbers (the
        inputs scaled): two slips that no draw of this circuit can tell apart, such as a
        square gate's 2 left out and the add gate below it split in half."""
        if a is None or b is None:
            return False
        leaves = [node for node in order if not node.inputs]
        start = {id(node): node.data for node in leaves}
        try:
            for shift in STRUCTURAL_SHIFTS:
                scaled = {
                    id(node): node.data * (1 + shift * (k + 1)) for k, node in enumerate(leaves)
                }
                replay(order, scaled)
                if _differs(gradients(a), gradients(b)):
                    return False
            return True
        finally:
            replay(order, start)

    return reference, found, always_alike


STRUCTURAL_SHIFTS = (0.07, 0.13)  # leaf i scaled by 1 + shift·(i + 1): other numbers, same shape


Slip = tuple[str, Scope, int | None, str, str, BackwardRule]


def _backward_slips(
    order: list[Value], named: Mapping[str, Value], asked: Mapping[str, str]
) -> Iterator[Slip]:
    gates = [k for k, node in enumerate(order) if node.inputs]
    feeds = _feeds(order)
    asked_ids = {id(named[node]) for node in asked.values()}
    for mistake in MISTAKES.values():
        for op, override, variant in mistake.overrides:
            kinds = [k for k in gates if op in ("", order[k].op)]
            if not kinds:
                continue
            if len(kinds) > 1:
                where = {id(order[k]) for k in kinds}
                yield mistake.code, "every", None, variant, "", _at(override, where)
            for k in kinds:
                yield mistake.code, "gate", k, variant, "", _at(override, {id(order[k])})
            for name, asked_node in asked.items() if mistake.per_input else ():
                # the slip in one answer's own last step
                leaf = named[asked_node]
                if leaf.inputs or len(feeds.get(id(leaf), ())) != 1:
                    continue
                k, position = feeds[id(leaf)][0]
                others = [c for p, c in enumerate(order[k].inputs) if p != position]
                if all(id(c) in asked_ids and len(feeds[id(c)]) == 1 for c in others):
                    continue  # x·y with both answers asked: the slip at the gate covers it
                if op in ("", order[k].op):
                    rule = _at_input(override, order[k], position)
                    yield mistake.code, "answer", k, variant, name, rule
    for k in gates:  # a minus sign dropped from a negative local gradient
        for position, local in enumerate(order[k].local_grads):
            if local < 0:
                yield "sign", "gate", k, str(position), "", _negated(order[k], position)
    label = {id(node): name for name, node in named.items()}
    index = {id(node): k for k, node in enumerate(order)}
    for node, consumers in _forks(order):
        name = label.get(id(node), "")
        for kept in consumers:
            yield "fork-sum", "fork", index[id(node)], "", name, _one_path(node, kept)


def _at(override: GateOverride, where: set[int]) -> BackwardRule:
    def rule(node: Value, upstream: float) -> tuple[float, ...]:
        return override(node, upstream) if id(node) in where else chain_rule(node, upstream)

    return rule


def _at_input(override: GateOverride, gate: Value, position: int) -> BackwardRule:
    """The wrong rule at ``gate`` for its input ``position`` only; the other inputs right."""

    def rule(node: Value, upstream: float) -> tuple[float, ...]:
        sent = chain_rule(node, upstream)
        if node is not gate:
            return sent
        wrong = override(node, upstream)
        return tuple(
            w if k == position else g for k, (w, g) in enumerate(zip(wrong, sent, strict=True))
        )

    return rule


def _feeds(order: list[Value]) -> dict[int, list[tuple[int, int]]]:
    """For every node, the gates it feeds: (gate index in ``order``, input position)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for k, node in enumerate(order):
        for position, child in enumerate(node.inputs):
            out.setdefault(id(child), []).append((k, position))
    return out


def _negated(gate: Value, position: int) -> BackwardRule:
    def rule(node: Value, upstream: float) -> tuple[float, ...]:
        sent = chain_rule(node, upstream)
        if node is not gate:
            return sent
        return tuple(-g if k == position else g for k, g in enumerate(sent))

    return rule


def _forks(order: list[Value]) -> list[tuple[Value, list[Value]]]:
    """Every node that feeds two or more gates, with the gates it feeds."""
    consumers: dict[int, list[Value]] = {}
    for node in order:
        for child in node.inputs:
            consumers.setdefault(id(child), []).append(node)
    return [(node, consumers[id(node)]) for node in order if len(consumers.get(id(node), ())) > 1]


def _one_path(fork: Value, kept: Value) -> BackwardRule:
    """Backprop that counts only the path through ``kept`` into ``fork``."""

    def rule(node: Value, upstream: float) -> tuple[float, ...]:
        sent = chain_rule(node, upstream)
        if node is kept:
            return sent
        return tuple(
            0.0 if child is fork else g for child, g in zip(node.inputs, sent, strict=True)
        )

    return rule


# ---- forward ----------------------------------------------------------------
def forward_hypotheses(problem: Problem) -> list[Hypothesis]:
    """Every forward hypothesis that changes at least one asked value: a sign slip at one
    gate, a ReLU left out, and the family's own misconceptions."""
    fields = forward_fields(problem)
    key: dict[str, Answer] = {q.name: q.expected for q in fields}
    found = [
        Hypothesis(
            m.code, {n: m.predicted.get(n, key[n]) for n in key}, "family", m.gate, where=m.where
        )
        for m in problem.misconceptions
        if any(q.name in m.predicted for q in fields)
    ]
    circuit = problem.circuit
    valued = [q for q in fields if q.kind == "value" and q.node]
    if circuit is None or not valued:
        return [h for h in found if _differs(h.predicted, key)]
    out, named = circuit.build()
    order = out.topological_order()
    slips: list[tuple[str, Scope, int | None, Callable[[list[Value]], dict[int, float]]]] = []
    for k, node in enumerate(order):
        if node.inputs and node.data != 0:
            slips.append(("sign-forward", "gate", k, _negate_value(k)))
    inactive = [k for k, node in enumerate(order) if node.op == "relu" and node.inputs[0].data < 0]
    for k in inactive:
        slips.append(("relu-forward", "gate", k, _relu_left_out([k])))
    if len(inactive) > 1:
        slips.append(
            (
                "relu-forward",
                "every",
                None,
                _relu_left_out(inactive),
            )
        )
    for code, scope, gate, forcing in slips:
        out, named = circuit.build()
        order = out.topological_order()
        replay(order, forcing(order))
        predicted: dict[str, Answer] = {q.name: clean(named[q.node].data) for q in valued}
        predicted = key | predicted
        if _differs(predicted, key):
            found.append(Hypothesis(code, predicted, scope, gate))
    return [h for h in found if _differs(h.predicted, key)]


def _negate_value(k: int) -> Callable[[list[Value]], dict[int, float]]:
    return lambda order: {id(order[k]): -order[k].data}


def _relu_left_out(gates: list[int]) -> Callable[[list[Value]], dict[int, float]]:
    return lambda order: {id(order[k]): order[k].inputs[0].data for k in gates}


def rounded_key(problem: Problem) -> dict[str, Answer]:
    """The answers of a learner who rounds every intermediate value to two decimals."""
    if problem.circuit is None:
        return {}
    values, grads = problem.circuit.run(decimals=ROUNDING_DECIMALS)
    return {
        q.name: (grads if q.kind == "gradient" else values)[q.node]
        for q in problem.quantities
        if q.kind in ("value", "gradient") and q.node
    }


# ---- telling hypotheses apart --------------------------------------------------
def same_within_tolerance(a: Answer, b: Answer) -> bool:
    return matches(a, b) or matches(b, a)


def _differs(predicted: Mapping[str, Answer], reference: Mapping[str, Answer]) -> bool:
    """Whether ``predicted`` changes any answer at all (beyond float noise)."""
    return any(not _equal(predicted[n], reference[n]) for n in reference)


def _equal(a: Answer, b: Answer) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return abs(a - b) <= 1e-9
    return a == b


def _apart(a: Mapping[str, Answer], b: Mapping[str, Answer]) -> bool:
    """Whether two whole attempts differ by more than the tolerance in some answer."""
    return any(not same_within_tolerance(a[n], b[n]) for n in b)


@dataclass(frozen=True)
class Check:
    """What keeps an instance from telling its mistakes apart.

    ``hard``: a mistake that would be graded right (its whole attempt within the tolerance
    of the key, or of the key a learner gets by rounding intermediate values), or a key so
    near 0 that "0" passes.  ``soft``: two different mistakes predicting the same attempt
    (the diagnosis would have to say "this — or that").  ``alike``: two mistakes that
    predict the same attempt on every draw of this circuit's shape (a square gate's 2 left
    out and the add gate below it halved): another draw of a fixed-shape family cannot tell
    them apart, another shape can.
    """

    hard: tuple[str, ...]
    soft: tuple[str, ...]
    alike: tuple[str, ...] = ()


def check(problem: Problem) -> Check:
    hard: list[str] = []
    soft: list[str] = []
    alike: list[str] = []
    for q in problem.quantities:
        if isinstance(q.expected, float) and q.expected != 0 and is_close(0.0, q.expected):
            hard.append(f"{q.name} = {q.expected:g} is within the tolerance of 0")
    rounded = rounded_key(problem)
    forward_key = {q.name: q.expected for q in forward_fields(problem)}
    reference, backward_rules, always_alike = _backward(problem, None)
    backward = [h for h, _ in backward_rules]
    rule_of = {id(h): rule for h, rule in backward_rules}
    # a problem that asks no gradient (its circuit only drawn and replayed forward) cannot
    # show a backward mistake, so none is required to show
    ops = {row.op for row in problem.gates if row.inputs} if backward_fields(problem) else set()
    shown = {h.code for h in backward}
    for mistake in MISTAKES.values():
        kinds = {op for op, _, _ in mistake.overrides}
        applies = bool(ops) and ("" in kinds or bool(kinds & ops))
        if applies and mistake.code not in LEVEL_DEPENDENT and mistake.code not in shown:
            hard.append(f"{mistake.code} changes no answer")  # z = 1 hides forgot-upstream
    located = {(h.code, h.variant, h.gate) for h in backward if h.scope == "gate"}
    for mistake in MISTAKES.values():
        if mistake.code in LEVEL_DEPENDENT:
            continue
        for op, _, variant in mistake.overrides:
            for row in problem.gates:  # x = y hides a swapped x·y gate; only upstream 0 may
                if op in ops and row.op == op and row.upstream != 0:
                    if (mistake.code, variant, row.index) not in located:
                        soft.append(f"{mistake.code} at gate {row.index} changes no answer")
    for m in problem.misconceptions:  # a symmetric W1 would hide the transposed W1·x
        if all(_equal(value, forward_key.get(n, value)) for n, value in m.predicted.items()):
            hard.append(f"{m.code} changes no answer")
    for key, hypotheses in ((forward_key, forward_hypotheses(problem)), (reference, backward)):
        keys = [key] + ([{n: rounded.get(n, key[n]) for n in key}] if rounded else [])
        for h in hypotheses:
            if not all(_apart(h.predicted, k) for k in keys):
                hard.append(f"{_name(h)} is graded right")
        for a, b in combinations(hypotheses, 2):
            if a.code != b.code and not _apart(a.predicted, b.predicted):
                pair = f"{_name(a)} looks like {_name(b)}"
                if always_alike and always_alike(rule_of.get(id(a)), rule_of.get(id(b))):
                    alike.append(pair)  # on every draw of this shape
                else:
                    soft.append(pair)
    return Check(tuple(hard), tuple(soft), tuple(alike))


def distinguishable(problem: Problem) -> bool:
    """Whether every mistake shows, and no two mistakes look alike, on this instance.

    For a family whose shape varies (random circuits): a pair of mistakes alike on every
    draw of this shape counts too, since another shape tells them apart.
    """
    found = check(problem)
    return not found.hard and not found.soft and not found.alike


SOFT_TRIES = 8  # draws that show every mistake, tried for one where no two look alike


def first_distinguishable(problems: Iterable[Problem]) -> Problem:
    """The first draw on which every mistake shows and no two mistakes look alike.

    Every served draw shows every mistake (no ``hard`` problem).  Where a family's small
    numbers make two mistakes look alike on most draws, the draw with the fewest such
    pairs among the first SOFT_TRIES that show every mistake is served, and the
    diagnosis says "this — or that" when one of those pairs comes up.  A pair alike on
    every draw of the family's one shape (``Check.alike``) is not held against a draw:
    redrawing cannot remove it, and the diagnosis names both.
    """
    best: tuple[int, Problem] | None = None
    tried = 0
    for problem in problems:
        found = check(problem)
        if found.hard:
            continue
        if not found.soft:
            return problem
        if best is None or len(found.soft) < best[0]:
            best = (len(found.soft), problem)
        tried += 1
        if tried >= SOFT_TRIES:
            return best[1]
    if best is None:
        raise ValueError("no draw shows every mistake")
    return best[1]


def _name(h: Hypothesis) -> str:
    at = f" at gate {h.gate}" if h.gate is not None else f" ({h.scope})"
    return f"{h.code}{' ' + h.variant if h.variant else ''}{at}"
