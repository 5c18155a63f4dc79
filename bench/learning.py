"""Does the learning loop teach?  Simulated learners through the real study service.

    .venv/bin/python bench/learning.py [learners per mistake, default 12]

Each simulated learner holds one persistent misconception (one per mistake code that has
a wrong gate rule) and studies the families where that mistake can show, one review
session a simulated day (SQLite, a fixed clock), until every item is in box 3 or more
or DAYS pass (going on, up to DAYS, while they still hold the misconception).  While
they hold it they answer every problem with that mistaken rule
(computed by the engine, at every gate of its kind) and everything else right.  After a
miss, under the old policy (level = box, worked solution only) they read the solution
and drop the misconception with probability P_SOLUTION; under the new policy (level
apart from the box, retest of the missed feature, walk through the gate) they work
through the walk and drop it with probability P_WALK.  Both policies run in the same
invocation on the same learners (same seeds).

Printed per policy: misses whose next problem of that family can show the same mistake
(goal 100 % for the new policy; a miss after which the learner served no problem of that
family again is not counted); problems until the misconception is gone (mean, over
learners who lost it; and how many never did); reviews until every item is in box ≥ 3
(mean, over learners who got there); walks that start at a gate of the kind where the
mistake is made.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizzes.decks import default_deck  # noqa: E402
from quizzes.mistakes import MISTAKES  # noqa: E402
from quizzes.problems import FAMILIES  # noqa: E402
from quizzes.problems.base import Problem, fmt  # noqa: E402
from quizzes.storage.db import Database  # noqa: E402
from quizzes.study import NothingDue, StudyService  # noqa: E402
from quizzes.study.results import StudyError  # noqa: E402
from quizzes.tutoring.retest import can_show, lowest_level  # noqa: E402
from quizzes.tutoring.walk import plan  # noqa: E402

P_WALK = 0.5  # a misconception is dropped after a walk through its gate…
P_SOLUTION = 0.15  # …and after reading the worked solution
P_STEP_RIGHT = 0.6  # a walk step answered right at the first try
DAYS = 45
START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
CODES = tuple(code for code, m in MISTAKES.items() if m.overrides)
CIRCUITS = tuple(f for f in FAMILIES if FAMILIES[f].build(1, 1).gates)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Tally:
    misses: int = 0
    next_served: int = 0  # misses followed by another problem of that family
    next_can_show: int = 0
    lost_after: list[int] = field(default_factory=list)
    never_lost: int = 0
    reviews_to_box3: list[int] = field(default_factory=list)
    never_box3: int = 0
    walks: int = 0
    walks_at_the_gate: int = 0


def typed(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(" ".join(fmt(x) for x in row) for row in value)  # type: ignore[attr-defined]
    return fmt(float(value))  # type: ignore[arg-type]


def answers(problem: Problem, code: str | None) -> dict[str, str]:
    """The learner's answers: the key, or what the mistaken rule at every gate gives."""
    if code is None or problem.circuit is None:
        return {q.name: typed(q.expected) for q in problem.quantities}
    values, grads = problem.circuit.run(MISTAKES[code].rules[0])
    out = {}
    for q in problem.quantities:
        run = grads if q.kind == "gradient" else values
        out[q.name] = typed(run.get(q.node, q.expected)) if q.node else typed(q.expected)
    return out


def at_the_gate(problem: Problem, gate: int | None, code: str) -> bool:
    ops = {op for op, _, _ in MISTAKES[code].overrides}
    return gate is not None and ("" in ops or problem.gates[gate].op in ops)


async def learner(
    service: StudyService, clock: Clock, user: int, code: str, adaptive: bool, tally: Tally
) -> None:
    rng = random.Random(user)
    holds: str | None = code
    problems = reviews = 0
    box3_after: int | None = None
    last_missed: dict[str, bool] = {}
    for _day in range(DAYS):
        session = await service.start_session(user)
        while True:
            item = await service.next_item(user, session=session)
            if isinstance(item, NothingDue) or item.problem is None:
                break
            problem = item.problem
            if last_missed.pop(problem.family, False):
                tally.next_served += 1
                tally.next_can_show += can_show(problem, code)
            result = await service.submit(user, item.attempt_id, answers(problem, holds))
            session.record(result.item_id, result.correct)
            problems += 1
            reviews += 1
            if result.correct or holds is None:
                continue
            if result.grade is not None and code in result.grade.codes:
                tally.misses += 1
                last_missed[problem.family] = True
            if adaptive:
                walk_plan = plan(problem, result.grade) if result.grade else None
                if walk_plan is not None:
                    await walk_through(service, user, item.attempt_id, problem, walk_plan, rng)
                    tally.walks += 1
                    tally.walks_at_the_gate += at_the_gate(problem, walk_plan.gate, code)
                if rng.random() < P_WALK:
                    holds = None
            elif rng.random() < P_SOLUTION:
                holds = None
            if holds is None:
                tally.lost_after.append(problems)
        if box3_after is None:
            export = await service.export_learner(user)
            boxes = [s["box"] for s in export["item_states"]]
            if len(boxes) == len(service.deck.families) and min(boxes) >= 3:
                box3_after = reviews
        if box3_after is not None and holds is None:
            break
        clock.now += timedelta(days=1)
    if box3_after is None:
        tally.never_box3 += 1
    else:
        tally.reviews_to_box3.append(box3_after)
    if holds is not None:
        tally.never_lost += 1


async def walk_through(
    service: StudyService,
    user: int,
    attempt_id: int,
    problem: Problem,
    walk_plan,
    rng,  # type: ignore[no-untyped-def]
) -> None:
    try:
        step = await service.start_walk(user, attempt_id)
    except StudyError:
        return
    for expected in walk_plan.steps:
        if rng.random() > P_STEP_RIGHT:
            await service.walk_answer(user, step.walk_id, fmt(expected.expected + 17))
        reply = await service.walk_answer(user, step.walk_id, fmt(expected.expected))
        if reply.next is None:
            return
        step = reply.next


async def run(per_code: int) -> None:
    print(f"{per_code} learners per mistake, {len(CODES)} mistakes, up to {DAYS} days each")
    tallies = {}
    for adaptive in (False, True):
        tally = Tally()
        with tempfile.TemporaryDirectory() as folder:
            database = Database(f"sqlite:///{folder}/learning.db")
            database.upgrade_to_head()
            user = 1
            for code in CODES:
                families = tuple(f for f in CIRCUITS if lowest_level(f, code) is not None)
                deck = replace(default_deck(), cards=(), families=families)
                for n in range(per_code):
                    clock = Clock()
                    service = StudyService(
                        database,
                        deck=deck,
                        clock=clock,
                        rng=random.Random(1000 * n + len(code)),
                        adaptive=adaptive,
                        max_workers=1,
                    )
                    await learner(service, clock, user, code, adaptive, tally)
                    await service.close()
                    database = Database(f"sqlite:///{folder}/learning.db")
                    user += 1
            database.close()
        tallies["new (walk, retest, level)" if adaptive else "old (level = box)"] = tally
    print(
        f"{'policy':28} {'next can show':>13} {'problems to lose it':>20} {'never':>6} "
        f"{'reviews to box 3':>17} {'walks at the gate':>18}"
    )
    for name, t in tallies.items():
        show = 100 * t.next_can_show / max(t.next_served, 1)
        lost = statistics.mean(t.lost_after) if t.lost_after else float("nan")
        box3 = statistics.mean(t.reviews_to_box3) if t.reviews_to_box3 else float("nan")
        walks = f"{100 * t.walks_at_the_gate / t.walks:.1f}%" if t.walks else "—"
        print(f"{name:28} {show:>12.1f}% {lost:>20.1f} {t.never_lost:>6} {box3:>17.1f} {walks:>18}")


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 12))
