"""Running ``chainrule`` (``python -m bot``) as a subprocess, as an operator or learner would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without chainrule's or Discord's settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CHAINRULE_"))}
    return env | {"PYTHONPATH": str(REPOSITORY)} | dict(extra or {})


def run_chainrule(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``chainrule ARGS`` in ``cwd`` with only the settings in ``env``; never hangs CI."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start_chainrule(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """``chainrule ARGS`` running in the background, every stream a pipe (caller kills it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
