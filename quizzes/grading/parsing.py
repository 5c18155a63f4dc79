"""Reading a learner's answers without ever evaluating them.

A number is matched by a regular expression and only then handed to ``float``; a
matrix is read by a small tokenizer.  A parse error is not a wrong answer:
:func:`parse_answers` raises :class:`AnswerParseError` naming every unreadable
field with a valid example, and nothing is graded or recorded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from quizzes.problems.base import Matrix, Problem, Quantity, QuizError

MAX_ANSWER_LENGTH = 100
MAX_MAGNITUDE = 1e12

Given = float | Matrix | str

# Learners paste minus signs from phones and lecture notes: U+2212, the en dash, the hyphen,
# the small and the fullwidth hyphen-minus.
_MINUS_SIGNS = str.maketrans(
    {"\u2212": "-", "\u2013": "-", "\u2010": "-", "\ufe63": "-", "\uff0d": "-"}
)
# str.strip and str.split treat these as whitespace; an answer that holds one was not typed
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")
_PARENTHESISED = re.compile(r"\(\s*([^()]*?)\s*\)")  # (-4): as the worked solutions print it
# in a plain matrix, 0,5 or 1,000 is a number written the European way, not two cells
_COMMA_IN_NUMBER = re.compile(r"[0-9],[0-9]")
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SCALAR = re.compile(rf"(?P<num>{_NUMBER})(?:/(?P<den>{_NUMBER}))?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+", re.ASCII)  # 1,5: a European decimal
_BRACKET_TOKEN = re.compile(r"\s*(\[|\]|,|[^\s\[\],]+)")
_ROW_SEPARATOR = re.compile(r"[;\n]")
_CELL_SEPARATOR = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class FieldError:
    """Why one field could not be read, with an answer of the right shape."""

    name: str
    label: str
    message: str
    example: str


class AnswerParseError(QuizError):
    """Some fields could not be read; the learner should fix them and resend."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        lines = [f"{e.label}: {e.message} (for example: {e.example})" for e in self.errors]
        super().__init__("Could not read your answer.\n" + "\n".join(lines))


class _Unreadable(Exception):
    """One field's text could not be read; the message completes "<label> ..."."""


def parse_answers(
    problem: Problem, answers: Mapping[str, str], page: int | None = None
) -> dict[str, Given]:
    """Read the answers to one page (0-based) or, with ``page=None``, to every page.

    Raises AnswerParseError listing every field that could not be read.
    """
    if page is None:
        quantities = problem.quantities
    elif 0 <= page < len(problem.pages):
        quantities = problem.pages[page]
    else:
        raise QuizError(f"this problem has no page {page + 1}")
    parsed: dict[str, Given] = {}
    errors: list[FieldError] = []
    for quantity in quantities:
        try:
            parsed[quantity.name] = _parse_field(problem, quantity, answers.get(quantity.name, ""))
        except _Unreadable as problem_with_field:
            example = _example_for(problem, quantity)
            errors.append(
                FieldError(quantity.name, quantity.label, str(problem_with_field), example)
            )
    if errors:
        raise AnswerParseError(errors)
    return parsed


def parse_field(problem: Problem, quantity: Quantity, text: str) -> Given:
    """One field, read as soon as it is typed (AnswerParseError naming it if unreadable)."""
    try:
        return _parse_field(problem, quantity, text)
    except _Unreadable as problem_with_field:
        example = _example_for(problem, quantity)
        raise AnswerParseError(
            [FieldError(quantity.name, quantity.label, str(problem_with_field), example)]
        ) from None


def _parse_field(problem: Problem, quantity: Quantity, text: str) -> Given:
    """One field's text as the kind of value ``quantity`` expects (raises _Unreadable)."""
    if not isinstance(text, str):
        raise _Unreadable("is not text")
    if len(text) > MAX_ANSWER_LENGTH:
        raise _Unreadable(f"is longer than {MAX_ANSWER_LENGTH} characters")
    if _CONTROL.search(text):
        raise _Unreadable("contains a control character: type the answer again")
    text = text.translate(_MINUS_SIGNS).strip()
    if not text:
        raise _Unreadable("is empty")
    if isinstance(quantity.expected, str):
        return _parse_choice(problem, text)
    if isinstance(quantity.expected, tuple):
        return _parse_matrix(text, matrix_shape(quantity.expected))
    return _parse_number(text)


def _parse_number(text: str) -> float:
    """A decimal, scientific or fraction literal; sign may be separated by spaces."""
    compact = text.strip()
    parenthesised = _PARENTHESISED.fullmatch(compact)
    if parenthesised:
        compact = parenthesised[1]
    compact = re.sub(r"^([+-])\s+", r"\1", compact)
    compact = re.sub(r"\s*/\s*", "/", compact)
    match = _SCALAR.fullmatch(compact)
    if match is None:
        if _DECIMAL_COMMA.fullmatch(compact):
            raise _Unreadable("has a comma in the number: use a decimal point (1.5, not 1,5)")
        raise _Unreadable("is not a number")
    value = _bounded(_literal(match["num"]))
    if match["den"] is not None:
        denominator = _bounded(_literal(match["den"]))
        if denominator == 0:
            raise _Unreadable("divides by zero")
        value = _bounded(value / denominator)
    return value


def _literal(number: str) -> float:
    """``float`` of a matched literal, refusing one too small to tell from 0 (1e-400)."""
    value = float(number)
    mantissa = re.split(r"[eE]", number)[0]
    if value == 0 and any(digit in "123456789" for digit in mantissa):
        raise _Unreadable("is too small to tell from 0: write 0 if you mean it")
    return value


def _bounded(value: float) -> float:
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise _Unreadable("is too large to be an answer here")
    return value


def _parse_choice(problem: Problem, text: str) -> str:
    keys = [choice.key for choice in problem.choices]
    for key in keys:
        if key.casefold() == text.casefold():
            return key
    raise _Unreadable(f"should be one of {', '.join(keys)}" if keys else "is not a choice")


def matrix_shape(matrix: Matrix) -> tuple[int, int]:
    return len(matrix), len(matrix[0]) if matrix else 0


def _parse_matrix(text: str, shape: tuple[int, int]) -> Matrix:
    rows = _bracket_rows(text) if text.startswith("[") else _plain_rows(text)
    if len({len(row) for row in rows}) != 1:
        raise _Unreadable("has rows of different lengths")
    got = (len(rows), len(rows[0]))
    if got == shape:
        return tuple(tuple(row) for row in rows)
    if shape[1] == 1 and got == (1, shape[0]):  # a column vector written as a row
        return tuple((x,) for x in rows[0])
    raise _Unreadable(f"should be a {shape[0]}×{shape[1]} matrix, not {got[0]}×{got[1]}")


def _plain_rows(text: str) -> list[list[float]]:
    """'1 2; 3 4' (rows split by ';' or new lines, cells by spaces or commas)."""
    if _COMMA_IN_NUMBER.search(text):
        raise _Unreadable(
            "has a comma inside a number: use a decimal point (0.5), and a space after a "
            "comma between cells (1, 2)"
        )
    rows = _ROW_SEPARATOR.split(text.rstrip("; \n"))
    cells = [[c for c in _CELL_SEPARATOR.split(row.strip()) if c] for row in rows]
    if any(not row for row in cells):
        raise _Unreadable("has an empty row")
    return [[_parse_number(c) for c in row] for row in cells]


def _bracket_rows(text: str) -> list[list[float]]:
    """'[[1, 2], [3, 4]]' as rows, or '[5, 6]' as a single row."""
    tokens = _bracket_tokens(text)
    outer, end = _bracket_list(tokens, 0, depth=1)
    if end != len(tokens):
        raise _Unreadable("has text after the closing bracket")
    if all(isinstance(item, list) for item in outer):
        return [row for row in outer if isinstance(row, list)]
    if any(isinstance(item, list) for item in outer):
        raise _Unreadable("mixes numbers and rows")
    return [[item for item in outer if isinstance(item, float)]]


def _bracket_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _BRACKET_TOKEN.match(text, position)
        if match is None:  # only trailing whitespace is left
            break
        tokens.append(match[1])
        position = match.end()
    return tokens


def _bracket_list(
    tokens: list[str], start: int, depth: int
) -> tuple[list[float | list[float]], int]:
    """The list opening at tokens[start]; items are numbers, or rows at depth 1."""
    if start >= len(tokens) or tokens[start] != "[":
        raise _Unreadable("has unbalanced brackets")
    items: list[float | list[float]] = []
    position, expect_item = start + 1, True
    while position < len(tokens) and tokens[position] != "]":
        token = tokens[position]
        if token == ",":  # noqa: S105 - a bracket token, not a secret
            if expect_item:
                raise _Unreadable("has a misplaced comma")
            position, expect_item = position + 1, True
        elif token == "[":  # noqa: S105
            if depth > 1:
                raise _Unreadable("has too many brackets (a matrix is [[1, 2], [3, 4]])")
            row, position = _bracket_list(tokens, position, depth + 1)
            items.append([x for x in row if isinstance(x, float)])
            expect_item = False
        else:
            items.append(_parse_number(token))
            position, expect_item = position + 1, False
    if position >= len(tokens):
        raise _Unreadable("has unbalanced brackets")
    if not items:
        raise _Unreadable("has an empty row")
    return items, position + 1


def _example_for(problem: Problem, quantity: Quantity) -> str:
    """The quantity's own example when it fits its shape, otherwise one made up to fit."""
    try:
        _parse_field(problem, quantity, quantity.example)
        return quantity.example
    except _Unreadable:
        pass
    if isinstance(quantity.expected, str):
        return problem.choices[0].key if problem.choices else "A"
    if isinstance(quantity.expected, tuple):
        rows, columns = matrix_shape(quantity.expected)
        numbers = iter(range(1, rows * columns + 1))
        return "; ".join(" ".join(str(next(numbers)) for _ in range(columns)) for _ in range(rows))
    return "-1.5"
