"""Whole-attempt diagnosis: which mistake, made where, explains the learner's numbers.

Each hypothesis (:mod:`quizzes.hypotheses`) predicts every answer of its pass.  One is
named only when it reproduces every answer it changes and changes no answer the learner
got right, and when it explains all the wrong answers of that pass (or, said so in the
message, most of them); two independent slips in different answers may each be named.
Hypotheses of different mistakes that predict the same attempt are named together, as
an honest "this — or that".

The forward pass is diagnosed first.  When a forward value is wrong the backward answers
are graded again against the learner's own forward values ("error carried forward"): a
backward pass that is right for them is credited and not charged a backward mistake, and
backward mistakes are looked for on the learner's own graph.  An answer that is right
once intermediate values are rounded to two decimals is accepted, with a note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from quizzes.circuit_view import describe_gate, gate_kind
from quizzes.grading.parsing import Given
from quizzes.grading.results import Diagnosis, Finding, QuantityResult
from quizzes.hypotheses import (
    Hypothesis,
    backward_fields,
    backward_hypotheses,
    forward_fields,
    forward_hypotheses,
    rounded_key,
    same_within_tolerance,
)
from quizzes.mistakes import MISTAKES
from quizzes.problems.base import Problem, Quantity, fmt, fmt_answer
from quizzes.tolerance import Answer, matches

CARRIED, ROUNDED = "carried", "rounded"


def diagnose(
    problem: Problem, given: Mapping[str, Given]
) -> tuple[tuple[QuantityResult, ...], tuple[Finding, ...]]:
    """Each quantity's verdict, and the located mistakes that explain the wrong ones."""
    key = {q.name: q.expected for q in problem.quantities}
    right = {name: matches(given[name], expected) for name, expected in key.items()}
    credit: dict[str, str] = {}
    notes: dict[str, str] = {}
    if not all(right.values()):
        _credit_rounding(problem, given, right, credit, notes)
    findings: list[Finding] = []
    forward = [q.name for q in forward_fields(problem)]
    wrong_forward = [name for name in forward if not right[name]]
    if wrong_forward:
        findings += explain(
            problem, forward_hypotheses(problem), forward, given, key, wrong_forward
        )
    findings += _diagnose_backward(problem, given, right, credit, notes)
    explained = {name for f in findings for name in f.fields}
    _credit_follow_through(problem, given, right, explained, credit, notes)
    results = []
    for q in problem.quantities:
        diagnoses = tuple(Diagnosis(f.code, f.message) for f in findings if q.name in f.fields)
        results.append(
            QuantityResult(
                q.name,
                q.label,
                q.expected,
                given[q.name],
                right[q.name],
                diagnoses,
                credit.get(q.name, ""),
                notes.get(q.name, ""),
            )
        )
    return tuple(results), tuple(findings)


def _credit_rounding(
    problem: Problem,
    given: Mapping[str, Given],
    right: dict[str, bool],
    credit: dict[str, str],
    notes: dict[str, str],
) -> None:
    """Credit early rounding in a pass only when it explains every wrong answer of that pass:
    one answer that happens to be near its rounded value is not a rounding story."""
    rounded = rounded_key(problem)
    for fields in (forward_fields(problem), backward_fields(problem)):
        wrong = [q for q in fields if not right[q.name]]
        if not wrong or not all(
            q.name in rounded and matches(given[q.name], rounded[q.name]) for q in wrong
        ):
            continue
        for q in wrong:
            right[q.name] = True
            credit[q.name] = ROUNDED
            notes[q.name] = (
                "Right once intermediate values are rounded to two decimals; the key keeps "
                f"more digits ({fmt_answer(q.expected)})."
            )


def _credit_follow_through(
    problem: Problem,
    given: Mapping[str, Given],
    right: dict[str, bool],
    explained: set[str],
    credit: dict[str, str],
    notes: dict[str, str],
) -> None:
    """Credit an answer that is wrong against the key, that no finding explains, but that
    is right for the learner's own earlier answers (an update w − α·g from their own
    gradient g): the slip is in those answers, diagnosed as they are, not in this step."""
    if problem.follow_through is None or all(right.values()):
        return
    numbers = {name: value for name, value in given.items() if isinstance(value, float)}
    for name, (value, source) in problem.follow_through(numbers).items():
        charged = name in explained or name in credit
        if name in right and not right[name] and not charged and matches(given[name], value):
            credit[name] = CARRIED
            notes[name] = f"Right for {source}; fix that first."


def _diagnose_backward(
    problem: Problem,
    given: Mapping[str, Given],
    right: dict[str, bool],
    credit: dict[str, str],
    notes: dict[str, str],
) -> list[Finding]:
    fields = [q.name for q in backward_fields(problem)]
    if not fields or all(right[name] for name in fields):
        return []
    own = {
        q.node: value
        for q in problem.quantities
        if q.kind == "value" and q.node and not right[q.name]
        for value in (given[q.name],)
        if isinstance(value, float)
    }
    reference, hypotheses = backward_hypotheses(problem, own or None)
    carried = [n for n in fields if own and not right[n] and matches(given[n], reference[n])]
    if carried:
        note = _carried_note(problem, own)
        for name in carried:
            credit[name], notes[name] = CARRIED, note
    wrong = [n for n in fields if not right[n] and n not in carried]
    if not wrong:
        return []
    return explain(problem, hypotheses, fields, given, reference, wrong, forced=bool(own))


def _carried_note(problem: Problem, own: Mapping[str, float]) -> str:
    asked = [q for q in problem.quantities if q.kind == "value" and q.node in own]
    yours = _joined([f"{q.name} = {fmt(own[q.node])}" for q in asked])
    fix = _joined([q.label for q in asked])
    return f"Your backward pass is right for your {yours}; fix {fix} first."


# ---- choosing hypotheses ------------------------------------------------------
def explain(
    problem: Problem,
    hypotheses: Sequence[Hypothesis],
    fields: Sequence[str],
    given: Mapping[str, Given],
    reference: Mapping[str, Answer],
    wrong: Sequence[str],
    *,
    forced: bool = False,
) -> list[Finding]:
    """The findings that explain the ``wrong`` answers among ``fields``, or none."""
    wrong_set = frozenset(wrong)
    consistent: list[tuple[Hypothesis, frozenset[str]]] = []
    for h in hypotheses:
        changed = frozenset(
            n for n in fields if not same_within_tolerance(h.predicted[n], reference[n])
        )
        if (
            changed
            and changed <= wrong_set
            and all(matches(given[n], h.predicted[n]) for n in changed)
        ):
            consistent.append((h, changed))

    def those(explained: frozenset[str]) -> list[Hypothesis]:
        return [h for h, changed in consistent if changed == explained]

    def finding(explained: frozenset[str], partial: bool = False) -> Finding:
        unexplained = [n for n in wrong if n not in explained] if partial else []
        ordered = _ordered(fields, explained)
        return _finding(problem, those(explained), ordered, given, unexplained, forced)

    if those(wrong_set):
        return [finding(wrong_set)]
    partitions = {
        frozenset((a, b))
        for (_, a), (_, b) in combinations(consistent, 2)
        if not a & b and a | b == wrong_set
    }
    if len(partitions) == 1:  # two independent slips, in different answers
        first, second = sorted(next(iter(partitions)), key=lambda s: min(map(fields.index, s)))
        a, b = those(first), those(second)
        if {h.code for h in a} == {h.code for h in b} and len({h.code for h in a}) == 1:
            return [
                _twice(
                    problem,
                    a[0],
                    b[0],
                    [*_ordered(fields, first), *_ordered(fields, second)],
                    given,
                    forced,
                )
            ]
        return [finding(first), finding(second)]
    sizes = {
        changed for _, changed in consistent if 2 <= len(changed) and 2 * len(changed) > len(wrong)
    }
    largest = [s for s in sizes if len(s) == max(map(len, sizes), default=0)]
    if len(largest) == 1:  # most of the wrong answers, said so
        return [finding(largest[0], partial=True)]
    return []


def _ordered(fields: Sequence[str], some: frozenset[str]) -> list[str]:
    return [n for n in fields if n in some]


def _twice(
    problem: Problem,
    first: Hypothesis,
    second: Hypothesis,
    fields: list[str],
    given: Mapping[str, Given],
    forced: bool,
) -> Finding:
    """One mistake made in two places, in different answers: one finding, one hint."""
    text = _message(problem, first, [], fields, given, [], forced, again=second)
    return Finding(
        code=first.code, gate=None, fields=tuple(fields), message=text, scope=first.scope
    )


def _finding(
    problem: Problem,
    hypotheses: list[Hypothesis],
    fields: list[str],
    given: Mapping[str, Given],
    unexplained: list[str],
    forced: bool,
) -> Finding:
    codes = list(dict.fromkeys(h.code for h in hypotheses))
    lead = [h for h in hypotheses if h.code == codes[0]]
    gates = {h.gate for h in lead if h.gate is not None}
    gate = gates.pop() if len(gates) == 1 else None
    shown = next((h for h in lead if h.gate == gate and gate is not None), lead[0])
    if gate is None and len(lead) > 1:
        shown = next((h for h in lead if h.scope == "every"), lead[0])
    others = [next(h for h in hypotheses if h.code == code) for code in codes[1:]]
    return Finding(
        code=codes[0],
        gate=gate,
        fields=tuple(fields),
        message=_message(problem, shown, others, fields, given, unexplained, forced),
        ambiguous_with=tuple(codes[1:]),
        scope=shown.scope,
        partial=bool(unexplained),
    )


# ---- saying it ----------------------------------------------------------------
def _message(
    problem: Problem,
    shown: Hypothesis,
    others: list[Hypothesis],
    fields: list[str],
    given: Mapping[str, Given],
    unexplained: list[str],
    forced: bool,
    again: Hypothesis | None = None,
) -> str:
    labels = {q.name: _spoken(q) for q in problem.quantities}
    gave = _joined([f"{labels[n]} = {fmt_answer(given[n])}" for n in fields])
    text = f"You gave {gave}: this is what you get if you {_slip(problem, shown)}"
    if again is not None:
        same = again.variant == shown.variant
        text += f", and {_where(problem, again).lstrip() if same else _slip(problem, again)}"
    hints = [MISTAKES[shown.code].hint]
    for other in others:
        text += f" — or if you {_slip(problem, other)}"
        hints.append(MISTAKES[other.code].hint)
    text += "."
    if shown.code == "forgot-upstream" and shown.gate is not None and not forced:
        text += f" There the upstream gradient is {fmt(problem.gates[shown.gate].upstream)}."
    text += " " + " ".join(hints)
    if unexplained:
        rest = _joined([labels[n] for n in unexplained])
        text += (
            f" That does not explain {rest}: check {'it' if len(unexplained) == 1 else 'them'} too."
        )
    return text


def _spoken(q: Quantity) -> str:
    """A quantity as a learner reads it in a sentence: ∂f/∂x, q, "w0 after the step",
    "f at P2" (a label's left-hand side, never a field name such as w0_new or f2)."""
    return q.label if q.kind == "gradient" else q.label.split(" = ")[0]


def _slip(problem: Problem, h: Hypothesis) -> str:
    slip = MISTAKES[h.code].slip
    if h.variant and not h.variant.isdigit():
        slip += f" ({h.variant})"
    return slip + _where(problem, h)


def _where(problem: Problem, h: Hypothesis) -> str:
    """Where the slip was made, as it completes the slip: " at the add gate q = x + y"."""
    if h.scope == "gate" and h.gate is not None and problem.gates:
        return f" at {describe_gate(problem.gates, h.gate)}"
    if h.scope == "every":
        ops = [op for op, _, variant in MISTAKES[h.code].overrides if variant == h.variant]
        kind = "gate" if not ops or ops[0] == "" else gate_kind(ops[0])
        return f" at every {kind}"
    if h.scope == "answer":
        label = next((q.label for q in problem.quantities if q.name == h.node), h.node)
        if h.gate is not None and problem.gates:
            return f" for {label} at {describe_gate(problem.gates, h.gate)}"
        return f" in {label}"
    if h.scope == "fork":
        return f" ({h.node or 'a value'} feeds two gates)"
    if h.scope == "family" and h.where:
        return f" in {h.where}"
    return ""


def _joined(parts: Sequence[str]) -> str:
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
