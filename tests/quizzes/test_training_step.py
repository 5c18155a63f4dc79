"""One training step: keys from the engine, the overshoot from level 3, each mistake named."""

from __future__ import annotations

import random

import pytest

from quizzes.grading import grade
from quizzes.problems import get_family
from quizzes.problems.base import Problem
from tests.quizzes.grading.builders import key_answers


def givens(problem: Problem) -> dict[str, float]:
    return {name: float(value) for name, value in problem.givens}  # type: ignore[arg-type]


def by_hand(g: dict[str, float], direction: float = -1.0, rate: float | None = None):  # type: ignore[no-untyped-def]
    """The step worked out from the lesson's rules, independently of the engine."""
    s = g["w0"] * g["x0"] + g["w1"] * g["x1"] + g["b"]
    ds = 2 * (s - g["t"])
    grads = {"w0": ds * g["x0"], "w1": ds * g["x1"], "b": ds}
    alpha = g["alpha"] if rate is None else rate
    new = {p: g[p] + direction * alpha * grads[p] for p in ("w0", "w1", "b")}
    s_new = new["w0"] * g["x0"] + new["w1"] * g["x1"] + new["b"]
    return s, (s - g["t"]) ** 2, grads, new, (s_new - g["t"]) ** 2


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_the_key_is_the_step_worked_by_hand_and_overshoots_only_from_level_3(level: int) -> None:
    rng = random.Random(level)
    for _ in range(40):
        problem = get_family("training-step").generate(rng, level)
        s, loss, grads, new, after = by_hand(givens(problem))
        key = {q.name: q.expected for q in problem.quantities}
        assert key["s"] == pytest.approx(s) and key["L"] == pytest.approx(loss)
        for p in ("w0", "w1", "b"):
            assert key[f"d{p}"] == pytest.approx(grads[p])
            assert key[f"{p}_new"] == pytest.approx(new[p])
        assert key["L_new"] == pytest.approx(after)
        assert (after > loss) == (level >= 3)  # a large α jumps past the minimum
        assert ("dL" in key) == (level >= 3)
        assert grade(problem, key_answers(problem)).passed


@pytest.mark.parametrize(
    ("code", "direction", "rate"),
    [("step-along-gradient", +1.0, None), ("alpha-forgotten", -1.0, 1.0)],
)
def test_a_wrong_update_is_named(code: str, direction: float, rate: float | None) -> None:
    rng = random.Random(9)
    for level in (1, 3):
        problem = get_family("training-step").generate(rng, level)
        *_, new, after = by_hand(givens(problem), direction, rate)
        answers = {f"{p}_new": repr(v) for p, v in new.items()} | {"L_new": repr(after)}
        if level >= 3:
            answers["dL"] = repr(after - by_hand(givens(problem))[1])
        result = grade(problem, key_answers(problem) | answers)
        assert code in result.codes, (problem.key, result.codes)


def test_forgetting_the_loss_gradient_is_named_as_a_forgotten_upstream() -> None:
    problem = get_family("training-step").build(5, 1)
    g = givens(problem)
    # each weight's local gradient (its input) without the 2·(s − t) coming from above
    slip = {"dw0": repr(g["x0"]), "dw1": repr(g["x1"]), "db": "1"}
    result = grade(problem, key_answers(problem) | slip)
    assert "forgot-upstream" in result.codes


@pytest.mark.parametrize("level", [1, 3])
def test_a_step_right_for_the_learners_own_gradients_is_credited_not_charged(level: int) -> None:
    problem = get_family("training-step").build(5, level)
    g = givens(problem)
    key = {q.name: float(q.expected) for q in problem.quantities}  # type: ignore[arg-type]
    # ∂L/∂· without the upstream 2·(s − t), then a right step with those gradients
    slip = {"w0": g["x0"], "w1": g["x1"], "b": 1.0}
    new = {p: g[p] - g["alpha"] * slip[p] for p in ("w0", "w1", "b")}
    s_new = new["w0"] * g["x0"] + new["w1"] * g["x1"] + new["b"]
    loss_new = (s_new - g["t"]) ** 2
    answers = key_answers(problem) | {f"d{p}": repr(v) for p, v in slip.items()}
    answers |= {f"{p}_new": repr(v) for p, v in new.items()} | {"L_new": repr(loss_new)}
    if level >= 3:
        answers["dL"] = repr(loss_new - key["L"])
    result = grade(problem, answers)
    assert not result.passed
    assert result.codes == ("forgot-upstream",)  # the slip, named once, where it was made
    step = [q for q in result.results if q.name.endswith("_new") or q.name == "dL"]
    assert step and all(q.credit == "carried" and not q.diagnoses for q in step)
    w0 = next(q for q in step if q.name == "w0_new")
    assert f"your ∂L/∂w0 = {g['x0']:g}" in w0.note
    # a step that follows from nothing the learner gave is not credited
    wrong_step = answers | {"w0_new": repr(new["w0"] + 1)}
    assert next(q for q in grade(problem, wrong_step).results if q.name == "w0_new").credit == ""


@pytest.mark.parametrize("level", [1, 3])
def test_the_square_gates_2_left_out_is_named_first_and_the_same_numbers_from_a_halved_add_too(
    level: int,
) -> None:
    # ∂L/∂s = s − t instead of 2·(s − t) halves every gradient, exactly as an add gate
    # split in half below the square would: no draw tells them apart, so both are said
    problem = get_family("training-step").build(11, level)
    g = givens(problem)
    d = g["w0"] * g["x0"] + g["w1"] * g["x1"] + g["b"] - g["t"]
    slip = {"dw0": repr(d * g["x0"]), "dw1": repr(d * g["x1"]), "db": repr(d)}
    result = grade(problem, key_answers(problem) | slip)
    (finding,) = result.findings
    assert finding.code == "power-rule" and finding.ambiguous_with == ("add-halved",)
    assert "at the square gate L = (s − t)²" in finding.message
    assert "2·(s − t)" in finding.message


def test_a_pair_no_draw_can_tell_apart_does_not_make_the_generator_redraw() -> None:
    from quizzes.hypotheses import check, distinguishable

    for seed in range(30):
        problem = get_family("training-step").build(seed, 1)
        found = check(problem)
        assert not found.soft
        # the pair is kept apart from soft ones: alike on this shape, which a family whose
        # shape varies (random circuits) redraws for, since another shape tells them apart
        assert any("power-rule" in pair and "add-halved" in pair for pair in found.alike)
        assert not distinguishable(problem)


def test_the_diagnosis_names_answers_as_the_learner_reads_them_not_by_field_name() -> None:
    problem = get_family("training-step").build(3, 1)
    *_, new, after = by_hand(givens(problem), +1.0)
    answers = {f"{p}_new": repr(v) for p, v in new.items()} | {"L_new": repr(after)}
    (finding,) = grade(problem, key_answers(problem) | answers).findings
    assert finding.message.startswith("You gave w0 after the step = ")
    assert "L after the step = " in finding.message and "_new" not in finding.message
