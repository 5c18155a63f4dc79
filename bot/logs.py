"""Logging set-up: one stream handler whose formatter redacts secrets.

Secrets are the bot token and every interaction token: those live 15 minutes and let
anyone who has one post as the bot into that conversation, and discord.py logs them at
DEBUG, in webhook URLs (``/interactions/<id>/<token>/callback``,
``/webhooks/<application>/<token>``) and in gateway payloads (``"token": "…"``).

Redaction happens in the formatter rather than a filter so that it also covers
tracebacks and the arguments of records from every library (discord.py, aiohttp).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
# the part before the token is kept, so a log line still says which request it was
INTERACTION_TOKEN_PATTERNS = (
    re.compile(r"(/(?:interactions|webhooks)/\d+/)[A-Za-z0-9_\-.]{20,}"),
    re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]+"""),
)


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
        for pattern in INTERACTION_TOKEN_PATTERNS:
            text = pattern.sub(rf"\g<1>{REDACTED}", text)
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
    else:  # "Context impl SQLiteImpl", "Will assume non-transactional DDL": not an operator's news
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler
