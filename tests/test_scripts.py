"""scripts/setup.sh, the first thing a newcomer runs: a wrong Python is named, not a pip error."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.cli import REPOSITORY

SETUP = REPOSITORY / "scripts" / "setup.sh"


def fresh_checkout(folder: Path) -> Path:
    """The set-up script and project file, with no .venv yet: a newcomer's clone."""
    (folder / "scripts").mkdir()
    (folder / "scripts" / "setup.sh").write_bytes(SETUP.read_bytes())
    (folder / "pyproject.toml").write_bytes((REPOSITORY / "pyproject.toml").read_bytes())
    return folder / "scripts" / "setup.sh"


def run_setup(python: str, setup: Path = SETUP) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(setup)],
        env=os.environ | {"PYTHON": python},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_old_python_is_named_with_what_to_do(tmp_path: Path) -> None:
    old_python = tmp_path / "python3.9"
    old_python.write_text(
        '#!/bin/sh\nif [ "$1" = "-V" ]; then echo "Python 3.9.2"; exit 0; fi\nexit 1\n',
        encoding="utf-8",
    )
    old_python.chmod(0o755)
    clone = tmp_path / "clone"
    clone.mkdir()
    result = run_setup(str(old_python), fresh_checkout(clone))
    assert result.returncode == 1
    assert "chainrule needs Python 3.11 or newer" in result.stderr
    assert "is Python 3.9.2" in result.stderr and "PYTHON=" in result.stderr


def test_a_missing_python_is_named_with_what_to_do(tmp_path: Path) -> None:
    result = run_setup(str(tmp_path / "no-python-here"), fresh_checkout(tmp_path))
    assert result.returncode == 1
    assert "install Python 3.11 or newer" in result.stderr


def offline_env() -> dict[str, str]:
    """pip with no package index at all: no network, no local mirror, no config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return env | {"PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull}


def test_a_set_up_checkout_runs_again_with_no_package_index(tmp_path: Path) -> None:
    subprocess.run(["bash", str(SETUP), "test"], check=True, timeout=600)  # as test.sh did
    offline = offline_env()
    for extras in (["test"], []):  # the test command's set-up, and the run command's
        again = subprocess.run(
            ["bash", str(SETUP), *extras],
            env=offline | {"PYTHON": str(tmp_path / "no-python")},  # .venv has its own
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        assert again.stdout == "" and again.stderr == ""


def test_the_run_command_works_in_the_directory_it_is_called_from(tmp_path: Path) -> None:
    deck = tmp_path / "my-deck.toml"
    deck.write_text(
        (REPOSITORY / "quizzes/decks/lesson-04.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    result = subprocess.run(
        ["bash", str(REPOSITORY / "scripts" / "run.sh"), "decks", "validate", "my-deck.toml"],
        cwd=tmp_path,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('✓ my-deck.toml: deck "lesson-04"')


def test_a_first_run_says_it_is_setting_up_before_the_install_starts(tmp_path: Path) -> None:
    # a Python that is new enough but cannot make a virtualenv: the set-up stops right after
    # announcing itself, so the announcement is seen without a minute of installing
    no_venv = tmp_path / "python3.12"
    no_venv.write_text(
        '#!/bin/sh\ncase "$1" in -c) exit 0;; -m) echo "No module named venv" >&2; exit 1;; '
        "esac\nexit 1\n",
        encoding="utf-8",
    )
    no_venv.chmod(0o755)
    clone = tmp_path / "clone"
    clone.mkdir()
    result = run_setup(str(no_venv), fresh_checkout(clone))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Setting up .venv (first run, about a minute)…"
    assert "could not create .venv" in lines[-1]
