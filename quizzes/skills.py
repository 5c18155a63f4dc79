"""Skills: what a learner can and cannot yet do, estimated by Bayesian knowledge tracing.

A skill is one rule of the lesson (the multiply gate, multiplying by the upstream
gradient, summing at a fork, …).  Which skills a graded quantity exercises follows from
the engine's graph, not from tags: a gradient ∂f/∂x exercises every gate on the paths
from x to the output, the chain rule itself when there are two gates or more on the way,
and summing at a fork when a value on the way feeds two gates.

The estimate is standard Bayesian knowledge tracing (Corbett & Anderson 1995,
"Knowledge tracing: Modeling the acquisition of procedural knowledge", User Modeling and
User-Adapted Interaction 4: 253–278): each skill is known or not; an answer is right
with probability 1 − slip if known and guess if not; after each opportunity an unknown
skill becomes known with probability ``learn``.  The parameters are fixed here, not
fitted (pyBKT fits them from a class's data; a class of a few dozen learners is too
small to fit them well), and all in ``BKT``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from quizzes.autograd import Value
from quizzes.problems.base import Problem

# the lesson's skills, in the order a table shows them, with how a learner reads them
SKILLS: dict[str, str] = {
    "forward": "forward evaluation",
    "add": "add gate",
    "mul": "multiply gate",
    "max": "max gate",
    "relu": "ReLU gate",
    "sigmoid": "sigmoid gate",
    "square": "square gate",
    "chain": "× upstream gradient",
    "fork": "summing at a fork",
    "matmul-order": "matrix composition order",
    "sizing": "counting parameters",
    "update": "the update step",
}
GATE_SKILLS = {
    "+": "add",
    "*": "mul",
    "max": "max",
    "relu": "relu",
    "sigmoid": "sigmoid",
    "**": "square",
}
# the skill each diagnosed mistake breaks (a walk through it practises that skill)
MISTAKE_SKILLS = {
    "forgot-upstream": "chain",
    "mul-swap": "mul",
    "max-routing": "max",
    "dead-relu": "relu",
    "sigmoid-derivative": "sigmoid",
    "add-scaled": "add",
    "add-halved": "add",
    "power-rule": "square",
    "fork-sum": "fork",
    "sign": "chain",
    "relu-forward": "forward",
    "sign-forward": "forward",
    "transpose-forward": "forward",
    "bias-forward": "forward",
    "matmul-order": "matmul-order",
    "w-transposed": "matmul-order",
    "bias-through": "matmul-order",
    "biases-forgotten": "sizing",
    "input-biases": "sizing",
    "weights-multiplied": "sizing",
    "step-along-gradient": "update",
    "alpha-forgotten": "update",
}


@dataclass(frozen=True)
class BKT:
    """Knowledge-tracing parameters (probabilities)."""

    known_at_start: float = 0.2
    learn: float = 0.15  # an unknown skill becomes known after one opportunity
    slip: float = 0.1  # a known skill, answered wrong
    guess: float = 0.1  # an unknown skill, answered right (numbers are hard to guess)
    solid: float = 0.8  # estimate from which a skill is shown as solid
    shaky: float = 0.5  # below which it is shown as shaky (between: learning)


PARAMETERS = BKT()


def update(known: float, right: bool, p: BKT = PARAMETERS) -> float:
    """The estimate after one opportunity: the posterior given the answer, then learning."""
    if right:
        seen = known * (1 - p.slip) / (known * (1 - p.slip) + (1 - known) * p.guess)
    else:
        seen = known * p.slip / (known * p.slip + (1 - known) * (1 - p.guess))
    return seen + (1 - seen) * p.learn


@dataclass(frozen=True)
class Mastery:
    skill: str
    known: float  # the estimate that the skill is known
    opportunities: int
    right: int
    recent: tuple[bool, ...] = ()  # the last RECENT answers, oldest first

    @property
    def label(self) -> str:
        return SKILLS[self.skill]

    @property
    def verdict(self) -> str:
        if self.known >= PARAMETERS.solid:
            return "solid"
        return "shaky" if self.known < PARAMETERS.shaky else "learning"


RECENT = 5  # answers shown beside an estimate: they weigh most in it


def trace(observations: Iterable[tuple[str, bool]], p: BKT = PARAMETERS) -> dict[str, Mastery]:
    """Each skill's mastery after ``observations`` (skill, right) in time order."""
    known: dict[str, float] = {}
    answers: dict[str, list[bool]] = {}
    for skill, ok in observations:
        known[skill] = update(known.get(skill, p.known_at_start), ok, p)
        answers.setdefault(skill, []).append(ok)
    return {
        s: Mastery(s, known[s], len(answers[s]), sum(answers[s]), tuple(answers[s][-RECENT:]))
        for s in SKILLS
        if s in known
    }


def quantity_skills(problem: Problem) -> dict[str, tuple[str, ...]]:
    """For every asked quantity, the skills answering it exercises, from the engine's graph."""
    out: dict[str, tuple[str, ...]] = {}
    graph = _graph(problem)
    for q in problem.quantities:
        if q.skill:
            out[q.name] = (q.skill,)
        elif q.kind == "matrix":
            out[q.name] = ("matmul-order",)
        elif q.kind == "value":
            out[q.name] = ("forward",)
        elif q.kind == "gradient" and graph is not None and q.node in graph[1]:
            out[q.name] = _path_skills(graph[0], graph[1][q.node])
        elif q.kind == "choice" and any(row.op == "relu" for row in problem.gates):
            out[q.name] = ("relu",)
        else:
            out[q.name] = ()
    return out


def _graph(problem: Problem) -> tuple[dict[int, list[Value]], Mapping[str, Value]] | None:
    if problem.circuit is None:
        return None
    output, named = problem.circuit.build()
    consumers: dict[int, list[Value]] = {}
    for node in output.topological_order():
        for child in node.inputs:
            consumers.setdefault(id(child), []).append(node)
    return consumers, named


def _path_skills(consumers: Mapping[int, list[Value]], start: Value) -> tuple[str, ...]:
    """The skills on every path from ``start`` to the output."""
    found: set[str] = set()
    gates = 0
    stack, seen = [start], {id(start)}
    while stack:
        node = stack.pop()
        after = consumers.get(id(node), [])
        if len(after) > 1:
            found.add("fork")
        for gate in after:
            if id(gate) not in seen:
                seen.add(id(gate))
                gates += 1
                if gate.op in GATE_SKILLS:
                    found.add(GATE_SKILLS[gate.op])
                stack.append(gate)
    if gates >= 2:
        found.add("chain")
    return tuple(s for s in SKILLS if s in found)
