"""How many seeds the generator sweeps draw.

A sweep builds every seed in ``range(1, n + 1)`` and checks each draw.  CI draws the
quick count, enough to meet each family's branches many times over in a few seconds;
``CHAINRULE_FULL_SWEEP=1`` draws the full count (what a generator change should pass
before it lands: ``CHAINRULE_FULL_SWEEP=1 .venv/bin/pytest tests/quizzes``).
"""

from __future__ import annotations

import os

FULL = os.environ.get("CHAINRULE_FULL_SWEEP") == "1"


def seeds(full: int, quick: int) -> range:
    """Seeds 1..full under CHAINRULE_FULL_SWEEP=1, else 1..quick."""
    if not 0 < quick <= full:
        raise ValueError(f"a quick sweep of {quick} seeds is not part of one of {full}")
    return range(1, (full if FULL else quick) + 1)
