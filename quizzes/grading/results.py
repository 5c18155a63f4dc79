"""What grading returns: each quantity's verdict, and the located mistakes (findings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizzes.grading.parsing import Given
from quizzes.problems.base import Expected


@dataclass(frozen=True)
class Diagnosis:
    code: str
    hint: str


@dataclass(frozen=True)
class QuantityResult:
    name: str
    label: str
    expected: Expected
    given: Given
    correct: bool
    diagnoses: tuple[Diagnosis, ...] = ()
    # "carried": wrong against the key, right for the learner's own forward values;
    # "rounded": right once intermediate values are rounded to two decimals
    credit: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "expected": _to_json(self.expected),
            "given": _to_json(self.given),
            "correct": self.correct,
            "diagnoses": [{"code": d.code, "hint": d.hint} for d in self.diagnoses],
            "credit": self.credit,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantityResult:
        return cls(
            name=str(data["name"]),
            label=str(data["label"]),
            expected=_from_json(data["expected"]),
            given=_from_json(data["given"]),
            correct=bool(data["correct"]),
            diagnoses=tuple(Diagnosis(str(d["code"]), str(d["hint"])) for d in data["diagnoses"]),
            credit=str(data.get("credit", "")),
            note=str(data.get("note", "")),
        )


@dataclass(frozen=True)
class Finding:
    """One diagnosed mistake, located: what the learner did, where, and which fields it explains.

    A finding is a hypothesis about the whole attempt that reproduced every field in
    ``fields`` and broke none the learner got right.  ``gate`` is the index into
    ``Problem.gates`` where the slip was made (None: at every gate of a kind, or not
    at a gate).  ``ambiguous_with`` lists other codes that explain the same attempt
    equally well; ``message`` then says so.
    """

    code: str
    gate: int | None
    fields: tuple[str, ...]
    message: str
    ambiguous_with: tuple[str, ...] = ()
    scope: str = ""  # "gate", "every" (gate of its kind), "answer", "fork", "family"
    partial: bool = False  # explains most of the wrong answers, not all

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "gate": self.gate,
            "fields": list(self.fields),
            "message": self.message,
            "ambiguous_with": list(self.ambiguous_with),
            "scope": self.scope,
            "partial": self.partial,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        gate = data.get("gate")
        return cls(
            code=str(data["code"]),
            gate=None if gate is None else int(gate),
            fields=tuple(str(f) for f in data.get("fields", ())),
            message=str(data.get("message", "")),
            ambiguous_with=tuple(str(c) for c in data.get("ambiguous_with", ())),
            scope=str(data.get("scope", "")),
            partial=bool(data.get("partial", False)),
        )


@dataclass(frozen=True)
class Grade:
    results: tuple[QuantityResult, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.correct for r in self.results)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every mistake code the diagnosis named, each once (an ambiguous finding names each
        of its candidates), in the order the quantities were asked."""
        if self.findings:
            named = (c for f in self.findings for c in (f.code, *f.ambiguous_with))
        else:  # a grade stored before findings existed
            named = (d.code for r in self.results for d in r.diagnoses)
        return tuple(dict.fromkeys(named))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; ``passed`` and ``codes`` are included for queries, not read back."""
        return {
            "passed": self.passed,
            "codes": list(self.codes),
            "results": [r.to_dict() for r in self.results],
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Grade:
        return cls(
            tuple(QuantityResult.from_dict(r) for r in data["results"]),
            tuple(Finding.from_dict(f) for f in data.get("findings", ())),
        )


def _to_json(value: Given) -> float | str | list[list[float]]:
    if isinstance(value, tuple):
        return [list(row) for row in value]
    return value


def _from_json(value: object) -> Given:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return tuple(tuple(float(x) for x in row) for row in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"not a stored answer value: {value!r}")
