"""``chainrule try`` as a learner runs it: a subprocess on piped stdin, and its learner ids."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from quizzes.problems import FAMILIES
from terminal.console import StdinReader, terminal_learner_id
from terminal.formatting import fit_to_width
from tests.cli import (
    REPOSITORY,
    interrupt_while_connecting,
    run_chainrule,
    run_python,
    start_chainrule,
)


def run_study(
    args: list[str], cwd: Path, stdin: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return run_chainrule(["try", *args], cwd, env or None, stdin=stdin)


def test_study_needs_no_token_and_quits_with_a_summary(tmp_path: Path) -> None:
    database = tmp_path / "study.db"
    result = run_study(["--db", f"sqlite:///{database}", "--user", "ada"], tmp_path, "q\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Flashcard (box 1)" in result.stdout
    assert "Studying as " in result.stdout and "(learner -" not in result.stdout  # no ids
    assert "Press Enter to show the answer: q\n" in result.stdout  # piped answers are echoed
    assert "Session over\n  answered: 0\n  right: 0" in result.stdout
    assert "Your progress" in result.stdout
    assert database.exists()  # the schema was brought to head


def test_end_of_input_mid_problem_exits_cleanly(tmp_path: Path) -> None:
    result = run_study(["--practice", "add-mul", "--user", "ada"], tmp_path, "1\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Session over" in result.stdout
    assert (tmp_path / "chainrule.db").exists()  # the bot's default database


def test_ctrl_c_at_a_prompt_exits_cleanly_with_the_summary(tmp_path: Path) -> None:
    learner = start_chainrule(["try", "--user", "ada"], tmp_path)
    assert learner.stdin is not None and learner.stdout is not None
    shown = b""
    try:
        while b"Press Enter" not in shown:  # waiting for a line now
            chunk = os.read(learner.stdout.fileno(), 4096)
            assert chunk, shown
            shown += chunk
        learner.send_signal(signal.SIGINT)
        rest, errors = learner.communicate(timeout=60)
    finally:
        learner.kill()
        learner.wait()
    assert learner.returncode == 0, errors
    assert b"Traceback" not in errors
    assert b"Session over" in rest and b"Your progress" in rest


def test_output_closed_by_its_reader_stops_without_a_traceback(tmp_path: Path) -> None:
    learner = start_chainrule(["try", "--user", "ada", "--db", "study.db"], tmp_path)
    assert learner.stdin is not None and learner.stdout is not None
    try:
        learner.stdout.readline()  # like `chainrule try | head -1`
        learner.stdout.close()
        _, errors = learner.communicate(b"\nk\n" * 3, timeout=60)
    finally:
        learner.kill()
        learner.wait()
    assert learner.returncode == 1
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors
    again = run_study(["--user", "ada", "--db", "study.db"], tmp_path, "q\n")  # still usable
    assert "Session over" in again.stdout and "Your progress" in again.stdout


def test_ctrl_c_is_deferred_past_database_work_and_immediate_at_a_prompt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader = StdinReader()
    reader.on_interrupt(signal.SIGINT, None)  # while an answer is being recorded: no raise
    assert reader.interrupted
    with pytest.raises(KeyboardInterrupt):
        reader("next prompt: ")  # it takes effect at the next prompt, before reading

    waiting = StdinReader()

    def input_interrupted(prompt: str) -> str:
        waiting.on_interrupt(signal.SIGINT, None)  # Ctrl-C while waiting for a line
        return "never returned"

    monkeypatch.setattr("builtins.input", input_interrupted)
    with pytest.raises(KeyboardInterrupt):
        waiting("a prompt: ")


def test_a_database_driver_chainrule_does_not_install_is_named(tmp_path: Path) -> None:
    result = run_study(["--db", "postgresql+pg8000://u:p@127.0.0.1/x"], tmp_path, "")
    assert result.returncode == 2
    assert "postgresql+pg8000 URLs need a driver chainrule does not install" in result.stderr
    assert "sqlite:///FILE" in result.stderr and "Traceback" not in result.stderr


def test_without_psycopg_try_says_how_to_install_it(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # as if the postgres extra were not installed\n"
        "from bot.__main__ import main\n"
        "sys.exit(main(['try', '--db', 'postgresql://u:p@127.0.0.1/x']))\n"
    )
    result = run_python(probe, tmp_path)
    assert result.returncode == 2
    setup = REPOSITORY / "scripts" / "setup.sh"
    assert f"the PostgreSQL driver (psycopg) is not installed: run bash {setup} postgres" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_ctrl_c_while_connecting_stops_before_the_session(tmp_path: Path) -> None:
    url = "postgresql://u:p@127.0.0.1:{port}/x"
    returncode, errors = interrupt_while_connecting(["try", "--db", url], tmp_path, {})
    assert returncode == 130
    assert b"stopping" in errors and b"stopped before the session began" in errors
    assert b"Traceback" not in errors


def test_an_unknown_family_is_named_with_the_choices(tmp_path: Path) -> None:
    result = run_study(["--practice", "nope"], tmp_path, "")
    assert result.returncode == 2
    assert "unknown problem family 'nope'" in result.stderr and "add-mul" in result.stderr


def test_timezone_is_stored_before_the_session_and_kept_for_the_next(tmp_path: Path) -> None:
    database = ["--db", f"sqlite:///{tmp_path / 'study.db'}", "--user", "ada"]
    chosen = run_study([*database, "--timezone", "europe/paris"], tmp_path, "q\n")
    assert chosen.returncode == 0, chosen.stderr
    assert "Days follow the time zone Europe/Paris" in chosen.stdout
    again = run_study(database, tmp_path, "q\n")
    assert again.returncode == 0, again.stderr
    assert "Days follow the time zone Europe/Paris" in again.stdout


def test_an_unknown_timezone_exits_2_with_an_example(tmp_path: Path) -> None:
    result = run_study(["--timezone", "Mars/Olympus"], tmp_path, "")
    assert result.returncode == 2
    assert "'Mars/Olympus' is not a time zone I know" in result.stderr
    assert "Europe/Paris" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "chainrule.db").exists()  # refused before opening the database


def test_terminal_learner_ids_are_stable_negative_and_distinct() -> None:
    ids = {terminal_learner_id(name) for name in ("ada", "grace", "Ada", "")}
    assert len(ids) == 4
    assert all(-(2**48) <= learner < 0 for learner in ids)
    assert terminal_learner_id("ada") == terminal_learner_id("ada")


def test_running_the_bot_does_not_import_the_terminal() -> None:
    probe = "import sys, bot.__main__, bot.runner; print('terminal' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPOSITORY,
        timeout=120,
    )
    assert result.stdout.strip() == "False"


def test_try_help_lists_every_family_with_its_title(tmp_path: Path) -> None:
    result = run_study(["--help"], tmp_path, "")
    assert result.returncode == 0
    listed = result.stdout.split("problem families for --practice:")[1].splitlines()
    lines = [line.split(maxsplit=1) for line in listed if line.strip()]
    assert [(f, t) for f, t in lines] == [(f.id, f.title) for f in FAMILIES.values()]


def test_text_wraps_at_words_and_tables_stay_aligned() -> None:
    prose = (
        "Two stacked linear layers are one linear map: W2(W1·x + b1) + b2 = W·x + b, "
        "so depth without a non-linearity adds nothing."
    )
    table = (
        "  node  op   value  local  upstream  downstream\n"
        "  q     +    3      1, 1   -4        -4, -4"
    )
    hint = "    ↳ " + prose
    wrapped = fit_to_width("\n".join([prose, table, hint]), 40)
    lines = wrapped.split("\n")
    assert all(len(line) <= 40 for line in lines if line not in table)
    words = " ".join(prose.split())
    assert " ".join(" ".join(lines[:3]).split()).startswith(words[:60])  # no word cut in two
    assert "linear map:" in wrapped and "line\nar" not in wrapped
    assert table in wrapped  # aligned columns are left whole
    hint_lines = wrapped.split(table)[1].strip("\n").split("\n")
    assert hint_lines[0].startswith("    ↳ ")
    assert all(line.startswith("      ") for line in hint_lines[1:])  # hangs under its words


def test_a_piped_session_wraps_to_columns(tmp_path: Path) -> None:
    database = tmp_path / "study.db"
    result = run_study(
        ["--db", f"sqlite:///{database}", "--user", "ada"], tmp_path, "\nk\nq\n", COLUMNS="50"
    )
    assert result.returncode == 0, result.stderr
    long_lines = [line for line in result.stdout.splitlines() if len(line) > 49]
    # what is left longer is a table row or one unbreakable word (the database path)
    assert all("  " in line.strip() or "/" in line.split()[-1] for line in long_lines), long_lines
    assert "─" * 49 in result.stdout and "─" * 50 not in result.stdout  # rules fit too
