"""Running ``chainrule`` (``python -m bot``) as a subprocess, as an operator or learner would."""

from __future__ import annotations

import os
import signal
import socket
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


def run_python(code: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """A Python snippet with chainrule importable and none of its settings set."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def interrupt_while_connecting(
    args: list[str], cwd: Path, env: Mapping[str, str]
) -> tuple[int, bytes]:
    """Start chainrule against a PostgreSQL "server" that accepts and never answers
    (``{port}`` in ``args`` and ``env`` values), press Ctrl-C once it is connecting;
    its exit code and stderr."""
    with socket.create_server(("127.0.0.1", 0)) as silent_server:
        port = str(silent_server.getsockname()[1])
        args = [arg.replace("{port}", port) for arg in args]
        env = {name: value.replace("{port}", port) for name, value in env.items()}
        process = start_chainrule(args, cwd, env)
        try:
            connection, _ = silent_server.accept()  # chainrule is now waiting on the server
            process.send_signal(signal.SIGINT)
            _, errors = process.communicate(timeout=60)
            connection.close()
        finally:
            process.kill()
            process.wait()
    return process.returncode, errors


def start_chainrule(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``chainrule ARGS`` running in the background, every stream a pipe (caller kills it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
