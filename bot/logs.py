"""Logging set-up: one stream handler whose formatter redacts secrets (the bot token).

Redaction happens in the formatter rather than a filter so that it also covers
tracebacks and the arguments of records from every library (discord.py, aiohttp).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Replaces every configured secret in the fully formatted record."""

    def __init__(self, secrets: Iterable[str], fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        # longest first, so a secret containing another is redacted whole
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(
    level: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Route all logging through one redacting handler at ``level``; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # discord.py's HTTP debug lines are very chatty; keep them one level quieter
    if level == "DEBUG":
        logging.getLogger("discord.http").setLevel(logging.INFO)
    return handler
