"""A circuit's gate table as a learner reads it: constants folded into their gate, every node
named.

The engine's table (:func:`quizzes.autograd.gate_table`) lists a constant factor as an
input with a gradient of its own, and leaves intermediate nodes unnamed.  CS231n draws
``2·s`` as one "×2" gate whose only input is ``s``; and "#7" means nothing to a learner.
This view is for display (the worked solution's table, the diagram); grading and tutoring
keep the engine's indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from quizzes.autograd import GateRow
from quizzes.problems.base import fmt

OP_SYMBOLS = {"*": "·", "+": " + "}
MAX_EXPRESSION_CHARS = 16  # a longer formula is named after the node it feeds


def is_constant(row: GateRow) -> bool:
    """A leaf named by its own number (the circuit's "2"): a fixed factor, not a variable."""
    return not row.inputs and row.name == fmt(row.value)


def display_gates(gates: Sequence[GateRow], *, name_all: bool = True) -> list[GateRow]:
    """The table with constants folded into "×c" gates and, with ``name_all``, every node
    named, re-indexed.  (A diagram shows its unnamed nodes by their gate symbol alone.)"""
    constant = {row.index for row in gates if is_constant(row)}
    folded = [_folded(row, constant, gates) for row in gates if row.index not in constant]
    new_index = {row.index: number for number, row in enumerate(folded)}
    named = _names(folded, gates) if name_all else {row.index: row.name for row in folded}
    return [
        replace(
            row,
            index=new_index[row.index],
            inputs=tuple(new_index[i] for i in row.inputs),
            name=named[row.index],
        )
        for row in folded
    ]


def _folded(row: GateRow, constant: set[int], gates: Sequence[GateRow]) -> GateRow:
    kept = [k for k, i in enumerate(row.inputs) if i not in constant]
    if len(kept) == len(row.inputs) or row.op != "*" or len(kept) != 1:
        return row
    [factor] = [gates[i].value for i in row.inputs if i in constant]
    return replace(
        row,
        op=f"×{fmt(factor)}",
        inputs=tuple(row.inputs[k] for k in kept),
        local_grads=tuple(row.local_grads[k] for k in kept),
        downstream=tuple(row.downstream[k] for k in kept),
    )


def _names(rows: Sequence[GateRow], gates: Sequence[GateRow]) -> dict[int, str]:
    """Every node's name: its own label, else its formula over its inputs' names when short,
    else "part of <the node it feeds>"."""
    names: dict[int, str] = {}
    consumer = {i: row.index for row in rows for i in row.inputs}
    for row in rows:  # inputs come first: their names are known
        names[row.index] = row.name or _formula(row, names, gates)
    for row in reversed(rows):  # consumers come last: name long formulas after them
        if not row.name and len(names[row.index]) > MAX_EXPRESSION_CHARS:
            feeds = consumer.get(row.index)
            names[row.index] = f"part of {names[feeds]}" if feeds is not None else "out"
    return names


def _formula(row: GateRow, names: dict[int, str], gates: Sequence[GateRow]) -> str:
    parts = [names.get(i, gates[i].name or fmt(gates[i].value)) for i in row.inputs]
    return _written(row.op, parts, row.operand)


GATE_KINDS = {
    "+": "add gate",
    "*": "multiply gate",
    "max": "max gate",
    "relu": "ReLU",
    "sigmoid": "sigmoid gate",
    "exp": "exp gate",
    "neg": "negation",
    "**": "power gate",
}


def gate_kind(op: str) -> str:
    """What a learner calls a gate of this op: "add gate", "×2 gate", "ReLU"."""
    return f"{op} gate" if op.startswith("×") else GATE_KINDS.get(op, f"{op} gate")


def node_name(gates: Sequence[GateRow], index: int) -> str:
    """The engine's node ``index`` named as the gate table names it ("q", "x·y", "W1[0][0]")."""
    constant = {row.index for row in gates if is_constant(row)}
    if index in constant:
        return fmt(gates[index].value)
    kept = [row.index for row in gates if row.index not in constant]
    return display_gates(gates, name_all=True)[kept.index(index)].name


def describe_gate(gates: Sequence[GateRow], index: int) -> str:
    """The engine's gate ``index`` as the worked solution names it: "the add gate q = x + y",
    "the ×2 gate f = 2·s", "the ReLU h1 = max(0, z1)"."""
    constant = {row.index for row in gates if is_constant(row)}
    shown = display_gates(gates, name_all=False)  # the circuit's own labels, "" elsewhere
    kept = [row.index for row in gates if row.index not in constant]
    row = shown[kept.index(index)]

    def written(i: int) -> str:
        node = shown[i]
        if node.name or not node.inputs:
            return node.name or fmt(node.value)
        return _written(node.op, [written(j) for j in node.inputs], node.operand)

    formula = _written(row.op, [written(i) for i in row.inputs], row.operand)
    kind = "square gate" if row.op == "**" and row.operand == 2 else gate_kind(row.op)
    return f"the {kind} {row.name} = {formula}" if row.name else f"the {kind} {formula}"


def _written(op: str, parts: Sequence[str], operand: float | None = None) -> str:
    if op in OP_SYMBOLS and len(parts) == 2:
        first, second = parts
        return OP_SYMBOLS[op].join([first, f"({second})" if second[:1] == "−" else second])
    if op.startswith("×") and parts:
        return f"{op[1:]}·{parts[0]}"
    if op == "relu" and parts:
        return f"max(0, {parts[0]})"
    if op == "sigmoid" and parts:
        return f"σ({parts[0]})"
    if op == "neg" and len(parts) == 1:
        return f"−{_grouped(parts[0])}"
    if op == "**" and len(parts) == 1 and operand is not None:
        return f"{_grouped(parts[0])}{power(operand)}"
    return f"{op}({', '.join(parts)})"


SUPERSCRIPTS = {2.0: "²", 3.0: "³"}


def power(exponent: float) -> str:
    """An exponent as written after its base: "²", "³", else "^k"."""
    return SUPERSCRIPTS.get(exponent, f"^{fmt(exponent)}")


def _grouped(part: str) -> str:
    """A compound operand in parentheses: −(s − t), (s − t)²; a name or number as it is."""
    return f"({part})" if any(c in part for c in " +−·-") else part
