"""quizzes/ is the pure core: importing it must not drag in a front end or a timer library."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = ("discord", "apscheduler")

# Runs in a fresh interpreter, so modules imported by other tests cannot hide a leak.
PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import quizzes
    imported = ["quizzes"]
    for module in pkgutil.walk_packages(quizzes.__path__, "quizzes."):
        importlib.import_module(module.name)
        imported.append(module.name)
    leaked = sorted(
        name for name in sys.modules if name.split(".")[0] in {forbidden!r}
    )
    print(json.dumps({{"imported": imported, "leaked": leaked}}))
    """
).format(forbidden=set(FORBIDDEN))


def test_importing_every_quizzes_module_imports_neither_discord_nor_apscheduler() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert {"quizzes", "quizzes.autograd", "quizzes.leitner"} <= set(report["imported"])
    assert report["leaked"] == []
