"""Print how long the ``chainrule`` commands a newcomer runs first take to start.

Run with ``.venv/bin/python bench/cli_startup.py [--runs 7]``.  Figures only: nothing
asserts a time.  Each command runs as a fresh process in a temporary directory, as a
newcomer runs it; the figure is the median wall time of ``--runs`` runs.

- ``chainrule try``: until the learner types q at the first prompt (so it includes
  creating and migrating the SQLite file on the first run, and opening it later);
- ``chainrule decks validate`` on the shipped deck, and ``chainrule doctor``;
- baselines in the same run: a bare interpreter (``python -c pass``, the floor) and
  ``import bot.runner`` (discord.py, matplotlib and the bot), and ``chainrule try``
  with that imported first: what every command paid before the command line
  imported the Discord side only for ``run``/``sync-commands``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.cli import REPOSITORY, clean_env  # noqa: E402

DECK = REPOSITORY / "quizzes" / "decks" / "lesson-04.toml"


def wall_time(argv: Sequence[str], cwd: Path, stdin: str = "") -> float:
    started = time.perf_counter()
    subprocess.run(
        argv, cwd=cwd, env=clean_env(), input=stdin, text=True, capture_output=True, check=False
    )
    return time.perf_counter() - started


def median_time(argv: Sequence[str], runs: int, stdin: str = "", fresh_dir: bool = False) -> float:
    """Median wall time; ``fresh_dir``: every run in a new directory (a first run each time)."""
    times = []
    with tempfile.TemporaryDirectory() as shared:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as own:
                times.append(wall_time(argv, Path(own if fresh_dir else shared), stdin))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    python = sys.executable
    chainrule = [python, "-m", "bot"]
    validate = [*chainrule, "decks", "validate", str(DECK)]
    try_eagerly = "import bot.runner; from bot.__main__ import main; main(['try'])"
    commands: list[tuple[str, list[str], str, bool]] = [
        ("python -c pass (floor)", [python, "-c", "pass"], "", False),
        ("import bot.runner (the Discord side)", [python, "-c", "import bot.runner"], "", False),
        ("chainrule try, first run (new database)", [*chainrule, "try"], "q\n", True),
        ("chainrule try, later runs", [*chainrule, "try"], "q\n", False),
        ("  the same, Discord side imported first", [python, "-c", try_eagerly], "q\n", False),
        ("chainrule decks validate lesson-04.toml", validate, "", False),
        ("chainrule doctor", [*chainrule, "doctor"], "", False),
    ]
    rows = [(name, median_time(argv, runs, stdin, fresh)) for name, argv, stdin, fresh in commands]
    floor = rows[0][1]
    print(f"{'command':44} {'median':>9} {'× floor':>8}   ({runs} runs, {os.cpu_count()} cores)")
    for name, seconds in rows:
        print(f"{name:44} {seconds * 1000:7.0f} ms {seconds / floor:8.1f}")


if __name__ == "__main__":
    main()
