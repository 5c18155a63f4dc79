"""scripts/setup.sh, the first thing a newcomer runs: a wrong Python is named, not a pip error."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.cli import REPOSITORY

SETUP = REPOSITORY / "scripts" / "setup.sh"


def run_setup(python: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SETUP)],
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
    result = run_setup(str(old_python))
    assert result.returncode == 1
    assert "chainrule needs Python 3.11 or newer" in result.stderr
    assert "is Python 3.9.2" in result.stderr and "PYTHON=" in result.stderr


def test_a_missing_python_is_named_with_what_to_do(tmp_path: Path) -> None:
    result = run_setup(str(tmp_path / "no-python-here"))
    assert result.returncode == 1
    assert "install Python 3.11 or newer" in result.stderr
