"""Problem families, by id.  ``get_family(id)`` or ``rebuild(family, version, seed, level)``."""

from __future__ import annotations

from types import ModuleType

from quizzes.problems import (
    add_mul,
    gate_patterns,
    linear_collapse,
    param_count,
    random_circuits,
    relu_role,
    sigmoid_neuron,
    training_step,
    two_layer_net,
    xor_net,
)
from quizzes.problems.base import Family, Problem, QuizError, UnknownFamilyError

_MODULES: tuple[ModuleType, ...] = (
    add_mul,
    gate_patterns,
    sigmoid_neuron,
    two_layer_net,
    linear_collapse,
    relu_role,
    param_count,
    training_step,
    xor_net,
    random_circuits,
)

FAMILIES: dict[str, Family] = {
    m.FAMILY: Family(m.FAMILY, m.VERSION, m.TITLE, m.build) for m in _MODULES
}


def get_family(family: str) -> Family:
    try:
        return FAMILIES[family]
    except KeyError:
        raise UnknownFamilyError(f"unknown problem family {family!r}") from None


class StaleProblemError(QuizError):
    pass


def rebuild(family: str, version: int, seed: int, level: int) -> Problem:
    """The exact problem that was served, or StaleProblemError if its generator changed."""
    fam = get_family(family)
    if fam.version != version:
        raise StaleProblemError(
            f"this {family} problem was made by an older version of its generator"
        )
    return fam.build(seed, level)


__all__ = ["FAMILIES", "Family", "Problem", "StaleProblemError", "get_family", "rebuild"]
