"""Why a linear classifier cannot (XOR): the book's net at level 1, keys worked by hand,
the linear contradiction on every draw, each modelled mistake named."""

from __future__ import annotations

import random

import pytest

from quizzes.grading import grade
from quizzes.problems import get_family
from quizzes.problems.base import Problem
from tests.quizzes.grading.builders import key_answers

Vector = tuple[float, ...]


def givens(problem: Problem) -> dict[str, object]:
    return dict(problem.givens)


def column(value: object) -> Vector:
    assert isinstance(value, tuple)
    return tuple(float(row[0]) for row in value)


def by_hand(
    problem: Problem, *, relu: bool = True, with_c: bool = True, with_d: bool = True
) -> tuple[list[float], list[tuple[float, float]], list[float]]:
    """The linear scores, the hidden layer and the net's output on the four points, worked
    from the definitions (Goodfellow et al. §6.1), independently of the engine."""
    g = givens(problem)
    points = g["X"]
    assert isinstance(points, tuple)
    v, d = column(g["v"]), float(g["d"])  # type: ignore[arg-type]
    big_w = g["W"]
    assert isinstance(big_w, tuple)
    c, w, b = column(g["c"]), column(g["w"]), float(g["b"])  # type: ignore[arg-type]
    scores, hidden, out = [], [], []
    for x0, x1 in points:
        scores.append(v[0] * x0 + v[1] * x1 + (d if with_d else 0.0))
        z = [big_w[0][i] * x0 + big_w[1][i] * x1 + (c[i] if with_c else 0.0) for i in range(2)]
        h = (max(0.0, z[0]), max(0.0, z[1])) if relu else (z[0], z[1])
        hidden.append(h)
        out.append(w[0] * h[0] + w[1] * h[1] + b)
    return scores, hidden, out


def labels(problem: Problem) -> list[int]:
    return [int(y) for y in column(givens(problem)["y"])]


def keys(problem: Problem) -> dict[str, object]:
    return {q.name: q.expected for q in problem.quantities}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_level_one_is_the_books_net_on_the_books_points(seed: int) -> None:
    # Goodfellow, Bengio & Courville (2016) §6.1: h = (0,0), (1,0), (1,0), (2,1), f = 0, 1, 1, 0
    problem = get_family("xor-net").build(seed, 1)
    g = givens(problem)
    assert g["X"] == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert g["W"] == ((1, 1), (1, 1)) and column(g["c"]) == (0, -1)
    assert column(g["w"]) == (1, -2) and g["b"] == 0 and labels(problem) == [0, 1, 1, 0]
    _, hidden, out = by_hand(problem)
    assert hidden == [(0, 0), (1, 0), (1, 0), (2, 1)] and out == [0, 1, 1, 0]
    key = keys(problem)
    assert (key["h0"], key["h1"], key["f"]) == (2, 1, 0)
    assert (key["f1"], key["f2"], key["f3"]) == (0, 1, 1)
    assert problem.gates and not any(q.kind == "gradient" for q in problem.quantities)


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_keys_are_the_definitions_worked_by_hand_and_the_linear_score_always_fails(
    level: int,
) -> None:
    rng = random.Random(level)
    for _ in range(60):
        problem = get_family("xor-net").generate(rng, level)
        scores, hidden, out = by_hand(problem)
        key = keys(problem)
        assert [key[f"s{n}"] for n in (1, 2, 3, 4)] == pytest.approx(scores)
        assert key["s14"] == pytest.approx(key["s23"])  # always: the contradiction
        wrong = sum(int(s > 0) != y for s, y in zip(scores, labels(problem), strict=True))
        assert key["errors"] == wrong >= 1 and isinstance(key["errors"], int)
        assert (key["h0"], key["h1"]) == pytest.approx(hidden[3])
        assert [key["f1"], key["f2"], key["f3"], key["f"]] == pytest.approx(out)
        assert [int(f > 0) for f in out] == labels(problem)  # the net separates them
        assert grade(problem, key_answers(problem)).passed


def test_the_variants_appear_at_their_levels() -> None:
    def seen(level: int) -> list[Problem]:
        return [get_family("xor-net").build(seed, level) for seed in range(1, 101)]

    assert all(labels(p) == [0, 1, 1, 0] for p in seen(1))
    level_2 = seen(2)
    assert {tuple(labels(p)) for p in level_2} == {(0, 1, 1, 0), (1, 0, 0, 1)}  # XNOR too
    assert {givens(p)["W"] for p in level_2} == {((2, 2), (2, 2)), ((3, 3), (3, 3))}
    assert all(givens(p)["X"][0] == (0, 0) for p in level_2)  # type: ignore[index]
    starts = {givens(p)["X"][0] for p in seen(3)}  # type: ignore[index]
    assert starts == {(0, 0), (-1, -1)}  # ±1 inputs from level 3


def attempt_of(problem: Problem, scores: list[float], out: list[float], h4: tuple[float, float]):  # type: ignore[no-untyped-def]
    answers = {f"s{n + 1}": repr(scores[n]) for n in range(4)}
    answers |= {"s14": repr(scores[0] + scores[3]), "s23": repr(scores[1] + scores[2])}
    answers["errors"] = str(
        sum(int(s > 0) != y for s, y in zip(scores, labels(problem), strict=True))
    )
    answers |= {f"f{n + 1}": repr(out[n]) for n in range(3)}
    return answers | {"f": repr(out[3]), "h0": repr(h4[0]), "h1": repr(h4[1])}


@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_relu_left_out_is_named(level: int) -> None:
    rng = random.Random(30 + level)
    for _ in range(20):
        problem = get_family("xor-net").generate(rng, level)
        right_scores, *_ = by_hand(problem)
        _, hidden, out = by_hand(problem, relu=False)  # the net is then linear
        result = grade(problem, attempt_of(problem, right_scores, out, hidden[3]))
        assert not result.passed and result.codes == ("relu-forward",), problem.key


@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_bias_left_out_is_named_in_the_score_and_in_the_hidden_layer(level: int) -> None:
    rng = random.Random(40 + level)
    for _ in range(20):
        problem = get_family("xor-net").generate(rng, level)
        scores, hidden, out = by_hand(problem)
        no_d, *_ = by_hand(problem, with_d=False)
        result = grade(problem, attempt_of(problem, no_d, out, hidden[3]))
        assert result.codes == ("bias-forward",), problem.key
        assert "the linear score" in result.findings[0].message
        _, no_c_hidden, no_c_out = by_hand(problem, with_c=False)
        result = grade(problem, attempt_of(problem, scores, no_c_out, no_c_hidden[3]))
        assert result.codes == ("bias-forward",), problem.key
        assert "the hidden layer" in result.findings[0].message


def test_a_sign_slip_at_the_output_on_p4_is_located_by_the_engine() -> None:
    problem = get_family("xor-net").build(1, 1)  # at P4: f = 1·2 + (-2)·1 = 0
    answers = key_answers(problem) | {"f": "4"}  # (-2)·1 taken as +2
    result = grade(problem, answers)
    assert result.codes == ("sign-forward",)
    assert result.findings[0].gate is not None
