"""The shape of a Discord bot token, checked offline (``chainrule doctor``).

A bot token is three base64url parts joined by dots; the first encodes the bot's
numeric user id.  Only Discord can tell whether the rest is right, so this only
catches what a copy/paste typically gets wrong.  No message here ever contains
the token or any part of it.
"""

from __future__ import annotations

import base64
import binascii
import re

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_DIGITS = re.compile(r"[0-9]+")

# Common copy/paste mistakes, tested in order; each message says what was pasted instead.
TOKEN_MISTAKES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^bot\s", re.IGNORECASE),
        'it starts with "Bot ": give the token alone (chainrule adds the prefix)',
    ),
    (
        re.compile(r"^DISCORD_TOKEN"),
        "it repeats the variable name: write DISCORD_TOKEN=<token>, once",
    ),
    (re.compile(r"[\"'`]"), "it contains quote marks: remove them"),
    (
        re.compile(r"\s"),
        "it contains whitespace: it was split or wrapped when pasted; copy it again",
    ),
    (
        re.compile(r"^[0-9]+$"),
        "it is a number: that is the application id (or a user id), not the bot token",
    ),
    (re.compile(r"^[0-9a-f]{64}$"), "it looks like the application's public key, not the token"),
    (re.compile(r"^[A-Za-z0-9_-]{32}$"), "it looks like the OAuth2 client secret, not the token"),
)


class MalformedToken(ValueError):
    """What is wrong with a token's shape; the message never contains the token."""


def token_user_id(token: str) -> str:
    """The bot user id a well-formed bot token encodes, or MalformedToken saying what is wrong."""
    for pattern, mistake in TOKEN_MISTAKES:
        if pattern.search(token):
            raise MalformedToken(mistake)
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken(f"a bot token is three parts joined by dots, not {len(parts)}")
    if not all(parts):
        raise MalformedToken("one of its three dot-separated parts is empty")
    if not all(_BASE64URL.fullmatch(part) for part in parts):
        raise MalformedToken("a bot token holds only letters, digits, '-' and '_' between its dots")
    user_id = _decoded_digits(parts[0])
    if user_id is None:
        raise MalformedToken("its first part does not encode a user id: is it a bot token?")
    return user_id


def _decoded_digits(part: str) -> str | None:
    try:
        text = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if _DIGITS.fullmatch(text) else None
