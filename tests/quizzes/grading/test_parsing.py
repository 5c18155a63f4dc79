"""Answer parsing: every written form is read, anything else is a parse error, never eval."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.grading import (
    MAX_ANSWER_LENGTH,
    AnswerParseError,
    grade,
    is_close,
    parse_answers,
)
from quizzes.problems.base import Quantity, QuizError
from tests.quizzes.grading.builders import (
    CHOICE,
    COLUMN,
    MATRIX,
    SCALAR,
    add_mul_worked_example,
    make_problem,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("3", 3.0),
        ("-4", -4.0),
        ("+2.5", 2.5),
        ("0.25", 0.25),
        (".5", 0.5),
        ("7.", 7.0),
        ("1e-3", 0.001),
        ("2.5E2", 250.0),
        ("-1e+2", -100.0),
        ("3/4", 0.75),
        ("−1/2", -0.5),
        ("1 / 4", 0.25),
        ("−4", -4.0),
        ("– 4", -4.0),
        ("  -12 \n", -12.0),
        ("1e12", 1e12),
    ],
)
def test_reads_numbers_in_every_written_form(text: str, number: float) -> None:
    assert parse_answers(SCALAR, {"a": text}) == {"a": number}


@pytest.mark.parametrize(
    "text",
    [
        "[[1, 2], [3, 4]]",
        "[[1,2],[3,4]]",
        " [ [1 2] [3 4] ] ",
        "[[1, 2,], [3, 4]]",
        "1 2; 3 4",
        "1, 2; 3, 4;",
        "1 2\n3 4",
        "[[2/2, 4/2], [3e0, +4]]",
    ],
)
def test_reads_matrices_in_bracket_and_row_form(text: str) -> None:
    assert parse_answers(MATRIX, {"W": text}) == {"W": ((1.0, 2.0), (3.0, 4.0))}


@pytest.mark.parametrize("text", ["[5, 6]", "5; 6", "5 6", "[[5], [6]]", "5\n6", "[5 6]"])
def test_reads_a_column_vector_written_as_a_row(text: str) -> None:
    assert parse_answers(COLUMN, {"b": text}) == {"b": ((5.0,), (6.0,))}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("nan", "not a number"),
        ("inf", "not a number"),
        ("-Infinity", "not a number"),
        ("1e13", "too large"),
        ("1e999", "too large"),
        ("1/0", "divides by zero"),
        ("1e12/1e-12", "too large"),
        ("3 4", "not a number"),
        ("--3", "not a number"),
        ("0x10", "not a number"),
        ("1_000", "not a number"),
        ("٣", "not a number"),  # an Arabic-Indic digit, which float() would accept
        ("½", "not a number"),
        ("3,5", "use a decimal point"),
        ("__import__('os').system('ls')", "not a number"),
        ("[1]", "not a number"),
        ("1" * (MAX_ANSWER_LENGTH + 1), f"longer than {MAX_ANSWER_LENGTH}"),
    ],
)
def test_refuses_what_is_not_a_number_naming_the_field(text: str, reason: str) -> None:
    with pytest.raises(AnswerParseError) as caught:
        parse_answers(SCALAR, {"a": text})
    (error,) = caught.value.errors
    assert (error.name, error.label, error.example) == ("a", "∂f/∂a", "-1.5")
    assert reason in error.message
    assert "∂f/∂a" in str(caught.value) and "-1.5" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[[1, 2], [3]]", "different lengths"),
        ("1 2; 3 4 5", "different lengths"),
        ("[[1, 2, 3], [4, 5, 6]]", "2×2 matrix, not 2×3"),
        ("1 2 3 4", "2×2 matrix, not 1×4"),
        ("[[[1, 2], [3, 4]]]", "too many brackets"),
        ("[[1, 2], [3, 4]", "unbalanced"),
        ("[[1, 2], [3, 4]]]", "after the closing bracket"),
        ("[[1,, 2], [3, 4]]", "misplaced comma"),
        ("[[1, 2], 3]", "mixes numbers and rows"),
        ("[]", "empty row"),
        ("1 2;; 3 4", "empty row"),
        ("[[1, nan], [3, 4]]", "not a number"),
        ("[[1, 2], [3, 1e99]]", "too large"),
    ],
)
def test_refuses_malformed_matrices(text: str, reason: str) -> None:
    with pytest.raises(AnswerParseError) as caught:
        parse_answers(MATRIX, {"W": text})
    (error,) = caught.value.errors
    assert reason in error.message
    assert error.example == "[[1, 2], [3, 4]]"


def test_a_column_is_not_read_as_a_square_matrix() -> None:
    with pytest.raises(AnswerParseError, match="2×1 matrix, not 2×2"):
        parse_answers(COLUMN, {"b": "1 2; 3 4"})


def test_every_unreadable_field_is_reported_at_once_and_missing_ones_are_empty() -> None:
    problem = add_mul_worked_example()
    with pytest.raises(AnswerParseError) as caught:
        parse_answers(problem, {"q": "3", "f": "twelve", "dx": "-4", "dy": "nan"})
    assert [(e.name, e.message) for e in caught.value.errors] == [
        ("f", "is not a number"),
        ("dy", "is not a number"),
        ("dz", "is empty"),
    ]


def test_parses_one_page_at_a_time() -> None:
    quantities = [Quantity(f"v{i}", f"v{i}", float(i), "value") for i in range(7)]
    problem = make_problem(quantities)
    assert parse_answers(problem, {"v5": "5", "v6": "6"}, page=1) == {"v5": 5.0, "v6": 6.0}
    with pytest.raises(AnswerParseError):
        parse_answers(problem, {"v5": "5", "v6": "6"}, page=0)
    with pytest.raises(QuizError, match="no page 3"):
        parse_answers(problem, {}, page=2)


@pytest.mark.parametrize(("text", "key"), [("C", "C"), (" b ", "B"), ("a\n", "A")])
def test_reads_a_choice_by_its_key_in_any_case(text: str, key: str) -> None:
    assert parse_answers(CHOICE, {"choice": text}) == {"choice": key}


@pytest.mark.parametrize("text", ["E", "", "C or D", "3"])
def test_refuses_a_choice_that_is_not_offered(text: str) -> None:
    with pytest.raises(AnswerParseError) as caught:
        parse_answers(CHOICE, {"choice": text})
    assert caught.value.errors[0].example in {"A", "B", "C", "D"}


def test_a_wrong_choice_is_wrong_without_a_diagnosis() -> None:
    assert grade(CHOICE, {"choice": "c"}).passed
    wrong = grade(CHOICE, {"choice": "a"})
    assert not wrong.passed and wrong.codes == ()
    assert wrong.results[0].given == "A" and wrong.results[0].expected == "C"


# ---- hostile input ---------------------------------------------------------
NUMBERISH = st.one_of(
    st.from_regex(
        r"[+\-−]?[0-9]{0,14}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,4})?(/[0-9]{1,3})?", fullmatch=True
    ),
    st.sampled_from(["nan", "inf", "-0", "1e309", "()", "None", "__import__('os')", "lambda: 0"]),
    st.text(alphabet="0123456789.,;:eE+-−/ []()_x\n\t", max_size=12),
)
NESTED = st.recursive(
    NUMBERISH,
    lambda inner: st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    max_leaves=40,
)
HOSTILE = st.one_of(
    st.text(max_size=2 * MAX_ANSWER_LENGTH),
    NESTED,
    st.lists(st.lists(NUMBERISH, max_size=4), max_size=4).map(
        lambda rows: "; ".join(" ".join(row) for row in rows)
    ),
    st.sampled_from(
        [
            "__import__('os').system('rm -rf /')",
            "[[1, 2], [3, 4]] + [[__import__('os')]]",
            "9" * 400,
            "[" * 60 + "]" * 60,
            "1e" + "9" * 90,
            "\x00\u202e3\ufeff",
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(text=HOSTILE)
def test_hostile_text_only_ever_yields_a_value_or_a_parse_error(text: str) -> None:
    for problem, name in ((SCALAR, "a"), (MATRIX, "W"), (COLUMN, "b"), (CHOICE, "choice")):
        try:
            parsed = parse_answers(problem, {name: text})[name]
        except AnswerParseError as error:
            assert [e.name for e in error.errors] == [name]
            continue
        numbers = [x for row in parsed for x in row] if isinstance(parsed, tuple) else [parsed]
        assert all(isinstance(x, str) or abs(x) <= 1e12 for x in numbers)


@settings(max_examples=200, deadline=None)
@given(
    number=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    style=st.sampled_from(["{!r}", "{:.6g}", "{:e}", "{:+.3f}", " {} "]),
)
def test_any_written_float_reads_back_within_tolerance(number: float, style: str) -> None:
    text = style.format(number)
    assert is_close(parse_answers(SCALAR, {"a": text})["a"], float(text.strip()))


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.integers(-999, 999), min_size=4, max_size=4),
    bracketed=st.booleans(),
)
def test_any_written_matrix_reads_back(cells: list[int], bracketed: bool) -> None:
    a, b, c, d = cells
    text = f"[[{a}, {b}], [{c}, {d}]]" if bracketed else f"{a} {b}; {c} {d}"
    assert parse_answers(MATRIX, {"W": text}) == {"W": ((a, b), (c, d))}


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("(-4)", -4.0),  # as the worked solutions print a negative factor
        ("(4)", 4.0),
        ("( -2.5 )", -2.5),
        ("\uff0d3", -3.0),  # fullwidth hyphen-minus
        ("\u20103", -3.0),  # hyphen
        ("\ufe633", -3.0),  # small hyphen-minus
    ],
)
def test_reads_parenthesised_numbers_and_every_minus_sign(text: str, number: float) -> None:
    assert parse_answers(SCALAR, {"a": text}) == {"a": number}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e-400", "too small to tell from 0"),  # would underflow to 0 silently
        ("3\x0b", "control character"),  # str.strip would have removed it as whitespace
        ("\x1c-2", "control character"),
        ("((4))", "not a number"),
    ],
)
def test_refuses_underflow_and_control_characters(text: str, reason: str) -> None:
    with pytest.raises(AnswerParseError) as caught:
        parse_answers(SCALAR, {"a": text})
    assert reason in caught.value.errors[0].message


@pytest.mark.parametrize("text", ["1,000", "0,5", "0,5 6", "1,5; 2"])
def test_a_comma_inside_a_number_is_not_a_cell_separator(text: str) -> None:
    with pytest.raises(AnswerParseError) as caught:
        parse_answers(COLUMN, {"b": text})  # a 2×1 field: [1, 0] / [0, 5] would be a guess
    assert "use a decimal point" in caught.value.errors[0].message
    assert parse_answers(COLUMN, {"b": "5, 6"}) == {"b": ((5.0,), (6.0,))}  # a comma + space
    assert parse_answers(COLUMN, {"b": "0 0"}) == {"b": ((0.0,), (0.0,))}  # 0 itself is fine
