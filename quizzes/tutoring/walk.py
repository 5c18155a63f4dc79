"""Work through it: a step-by-step walk through the gate where a backward answer went wrong.

The learner does each step — the gate's upstream gradient, its local gradient for the
input in question, and their product (at a fork, one product per gate the value feeds,
then their sum) — and each is checked at once with the grader's parser and tolerance.
A wrong step gets a short hint aimed at that step and may be tried again; after
``MAX_TRIES`` misses the value is shown and the walk goes on.  Every expected number
comes from the engine's per-gate table, never from a hand-written key.

The walk starts where the diagnosis located the slip: the gate of the first finding
with a gradient answer (or, without one, the gate next to the wrong answer nearest the
output — the first wrong quantity met going backward).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from quizzes.autograd import GateRow
from quizzes.circuit_view import describe_gate, node_name
from quizzes.grading import Grade
from quizzes.grading.parsing import parse_field
from quizzes.problems.base import Problem, Quantity, fmt
from quizzes.skills import GATE_SKILLS
from quizzes.tolerance import clean, is_close

MAX_TRIES = 2  # misses on one step before its value is shown
LABEL_LIMIT = 45  # Discord's limit for a form field's label

StepKind = Literal["upstream", "local", "downstream", "sum"]

RULES = {
    "+": "add gate: each input gets the upstream gradient unchanged.",
    "*": "mul gate: each input gets the other input's value × upstream.",
    "max": "max gate: the larger input gets the whole upstream gradient, the other 0.",
    "relu": "ReLU: the upstream gradient passes if the input is positive, else 0.",
    "sigmoid": "sigmoid gate: local gradient σ(1−σ), times upstream.",
    "²": "square gate u²: local gradient 2u (the power rule), times upstream.",
}
FORK_RULE = "fork: a value that feeds two gates gets the sum of what both send back."
LOCAL_HINTS = {
    "+": "An add gate's local gradient is 1 for each input.",
    "*": "A multiply gate's local gradient for one input is the OTHER input's value.",
    "max": "A max gate's local gradient is 1 for the larger input and 0 for the other.",
    "relu": "ReLU's local gradient is 1 where its input is positive and 0 where it is not.",
    "sigmoid": "The sigmoid's local gradient is σ(1−σ), with σ the gate's output value.",
    "²": "A square gate u² has the local gradient 2u (the power rule), u its input's value.",
}


@dataclass(frozen=True)
class Step:
    kind: StepKind
    label: str  # a form field's label (≤ 45 characters): "upstream ∂f/∂q"
    question: str  # the full question
    expected: float
    hint: str
    skill: str


@dataclass(frozen=True)
class Plan:
    """What a walk goes through: the answer it corrects, at which gate, in which steps."""

    quantity: str  # the answer's name ("dx")
    label: str  # "∂f/∂x"
    gate: int  # engine gate index the walk starts at
    gate_text: str  # "the add gate q = x + y"
    steps: tuple[Step, ...]
    answer: float  # the corrected quantity
    summary: str  # the rule, one line
    code: str | None = None  # the diagnosis it starts from


@dataclass(frozen=True)
class Feedback:
    right: bool
    shown: bool  # the value was shown after MAX_TRIES misses
    text: str
    finished: bool


@dataclass
class Walk:
    """A walk in progress: which step, how many tries, and what each step ended as."""

    plan: Plan
    position: int = 0
    tries: int = 0
    record: list[dict[str, object]] = field(default_factory=list)

    @property
    def step(self) -> Step | None:
        return self.plan.steps[self.position] if self.position < len(self.plan.steps) else None

    @property
    def finished(self) -> bool:
        return self.position >= len(self.plan.steps)

    def answer(self, problem: Problem, text: str) -> Feedback:
        """Check one step.  Raises AnswerParseError (changing nothing) for unreadable text."""
        step = self.step
        if step is None:
            raise ValueError("the walk is finished")
        given = parse_field(problem, Quantity("step", step.label, step.expected, "value"), text)
        if not isinstance(given, float):  # a number field reads only numbers
            raise TypeError(f"a step reads a number, not {given!r}")
        self.tries += 1
        right = is_close(given, step.expected)
        hint = step.hint
        if step.kind == "upstream" and is_close(given, 1.0) and not right:
            hint += " 1 is the upstream gradient of the output gate only."
        if right or self.tries >= MAX_TRIES:
            self.record.append(
                {
                    "kind": step.kind,
                    "skill": step.skill,
                    "right": right and self.tries == 1,
                    "tries": self.tries,
                }
            )
            shown = not right
            self.position, self.tries = self.position + 1, 0
            if right:
                text_out = f"Right: {step.label} = {fmt(step.expected)}."
            else:
                text_out = f"Not quite. {hint} It is {fmt(step.expected)}."
            if self.finished:
                text_out += " " + self.closing()
            return Feedback(right, shown, text_out, self.finished)
        return Feedback(False, False, f"Not yet. {hint} Try again.", False)

    def closing(self) -> str:
        p = self.plan
        return f"So {p.label} = {fmt(p.answer)}. Rule — {p.summary}"


def plan(problem: Problem, grade: Grade) -> Plan | None:
    """The walk for a graded attempt, or None when no backward answer is wrong (the walk
    goes through gradients; a forward slip is shown by the worked solution)."""
    wrong = [r.name for r in grade.results if not r.correct]
    gradients = {q.name: q for q in problem.quantities if q.kind == "gradient" and q.node}
    targets = [name for name in wrong if name in gradients]
    if not targets or problem.circuit is None or not problem.gates:
        return None
    index = _node_indices(problem)
    code: str | None = None
    located: int | None = None
    for finding in grade.findings:
        fields = [n for n in finding.fields if n in targets]
        if fields:
            targets, code, located = fields, finding.code, finding.gate
            break
    # going backward from the output, the first wrong answer met is the latest node
    target = gradients[max(targets, key=lambda name: index[gradients[name].node])]
    node, label, answer = index[target.node], target.label, float(target.expected)  # type: ignore[arg-type]
    gates = problem.gates
    if located is not None and node not in gates[located].inputs:
        # the slip was made further along: walk that gate, for its input on the way
        on_the_way = [i for i in gates[located].inputs if _depends_on(gates, i, node)]
        if on_the_way:
            node = on_the_way[0]
            label = f"∂{node_name(gates, len(gates) - 1)}/∂{_grouped(node_name(gates, node))}"
            answer = gates[node].upstream
    return _plan_for(problem, target.name, label, answer, node, located, code)


def _depends_on(gates: Sequence[GateRow], node: int, on: int) -> bool:
    """Whether ``node``'s value is computed from ``on`` (or is it)."""
    stack, seen = [node], set()
    while stack:
        k = stack.pop()
        if k == on:
            return True
        if k not in seen:
            seen.add(k)
            stack.extend(gates[k].inputs)
    return False


def _node_indices(problem: Problem) -> dict[str, int]:
    if problem.circuit is None:
        return {}
    output, named = problem.circuit.build()
    position = {id(node): k for k, node in enumerate(output.topological_order())}
    return {name: position[id(node)] for name, node in named.items() if id(node) in position}


def _plan_for(
    problem: Problem,
    quantity: str,
    label: str,
    answer: float,
    node: int,
    located: int | None,
    code: str | None,
) -> Plan:
    gates = problem.gates
    out = node_name(gates, len(gates) - 1)
    consumers = [row for row in gates if node in row.inputs]
    name = node_name(gates, node)
    if len(consumers) == 1 or not consumers:
        gate = consumers[0] if consumers else gates[node]
        if located is not None and any(row.index == located for row in consumers):
            gate = gates[located]
        steps = _gate_steps(gates, gate, node, out, name, fork=False)
        summary = RULES.get(_rule_key(gate), "downstream = local gradient × upstream gradient.")
    else:
        steps = []
        for gate in consumers:
            steps += _gate_steps(gates, gate, node, out, name, fork=True)
        total = sum(row.downstream[row.inputs.index(node)] for row in consumers)
        steps.append(
            Step(
                "sum",
                _short(f"{label}, the sum"),
                f"{name} feeds {len(consumers)} gates: add what each sends back. {label} = ?",
                clean(total),
                "Where a value feeds two gates, its gradient is the SUM of what both send back.",
                "fork",
            )
        )
        gate = gates[located] if located in {row.index for row in consumers} else consumers[0]
        summary = FORK_RULE
    return Plan(
        quantity=quantity,
        label=label,
        gate=gate.index,
        gate_text=describe_gate(gates, gate.index),
        steps=tuple(steps),
        answer=answer,
        summary=summary,
        code=code,
    )


def _gate_steps(
    gates: Sequence[GateRow], gate: GateRow, node: int, out: str, name: str, *, fork: bool
) -> list[Step]:
    position = gate.inputs.index(node)
    here = _grouped(node_name(gates, gate.index))
    name = _grouped(name)
    where = describe_gate(gates, gate.index)
    upstream = gate.upstream
    local = gate.local_grads[position]
    is_output = gate.index == len(gates) - 1
    upstream_hint = (
        f"This gate is the circuit's output: its upstream gradient is ∂{out}/∂{out} = 1."
        if is_output
        else f"The upstream gradient is ∂{out}/∂{here}: what the gates after {here} send back "
        "to it."
    )
    via = f" via {here}" if fork else ""
    return [
        Step(
            "upstream",
            _short(f"upstream ∂{out}/∂{here}"),
            f"At {where}: what upstream gradient ∂{out}/∂{here} does the gate receive?",
            clean(upstream),
            upstream_hint,
            "chain",
        ),
        Step(
            "local",
            _short(f"local ∂{here}/∂{name}"),
            f"Its local gradient for {name}: ∂{here}/∂{name} = ?",
            clean(local),
            LOCAL_HINTS.get(
                _rule_key(gate), "The local gradient is the gate's derivative for that input."
            ),
            GATE_SKILLS.get(gate.op, "chain"),
        ),
        Step(
            "downstream",
            _short(f"∂{out}/∂{name}{via}"),
            f"What it sends back to {name}: local × upstream = ?",
            clean(gate.downstream[position]),
            "Multiply the local gradient by the upstream gradient: that is the chain rule.",
            "chain",
        ),
    ]


def _rule_key(gate: GateRow) -> str:
    """A gate's entry in RULES and LOCAL_HINTS: its op, "²" for a square gate."""
    return "²" if gate.op == "**" and gate.operand == 2 else gate.op


def _grouped(name: str) -> str:
    """A compound node name in parentheses, so ∂s/∂(W1[0][0]·x0) is not read as a product."""
    return f"({name})" if any(c in name for c in "·+−- ") else name


def _short(label: str) -> str:
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"
