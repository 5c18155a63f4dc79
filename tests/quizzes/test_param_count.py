"""Counting learnable parameters: the CS231n examples, exact counts, each mistake named."""

from __future__ import annotations

import random

import pytest

from quizzes.grading import grade
from quizzes.problems import get_family, param_count
from quizzes.skills import quantity_skills


@pytest.mark.parametrize(
    ("sizes", "counts"),
    [((3, 4, 2), (20, 6, 26)), ((3, 4, 4, 1), (32, 9, 41))],  # neural-networks-1, "Sizing"
)
def test_the_notes_examples_are_counted_as_the_notes_count_them(
    sizes: tuple[int, ...], counts: tuple[int, int, int]
) -> None:
    problem = param_count._problem(0, 1, sizes)
    assert tuple(q.expected for q in problem.quantities) == counts
    assert f"= {counts[2]}." in problem.solution


def test_a_count_is_exact_however_large_the_network() -> None:
    problem = param_count._problem(0, 3, (3072, 100, 10))  # the notes' CIFAR-10 sizes
    assert [q.expected for q in problem.quantities] == [308200, 110, 308310]
    right = {"weights": "308200", "biases": "110", "total": "308310"}
    assert grade(problem, right).passed
    off_by_the_output_biases = right | {"total": "308300"}  # within 1 %, still wrong
    assert not grade(problem, off_by_the_output_biases).passed


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"total": "20"}, "biases-forgotten"),  # [3, 4, 2]: 20 weights alone
        ({"biases": "9", "total": "29"}, "input-biases"),  # 3 + 4 + 2 biases
        ({"weights": "24", "total": "30"}, "weights-multiplied"),  # 3·4·2
    ],
)
def test_each_counting_mistake_is_named(answers: dict[str, str], code: str) -> None:
    problem = param_count._problem(0, 1, (3, 4, 2))
    right = {"weights": "20", "biases": "6", "total": "26"}
    result = grade(problem, right | answers)
    assert not result.passed and result.codes == (code,)


def test_fresh_networks_grow_with_the_level_and_train_the_counting_skill() -> None:
    rng = random.Random(4)
    for level, depth in ((1, 3), (2, 4), (3, 3), (4, 4)):
        problem = get_family("param-count").generate(rng, level)
        sizes = [int(v) for _, v in problem.givens]  # type: ignore[arg-type]
        assert len(sizes) == depth
        assert (sizes[0] == 3072) == (level >= 3)
        assert set(quantity_skills(problem).values()) == {("sizing",)}
