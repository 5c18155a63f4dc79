"""Discord's size limits, in one place, and helpers that keep text within them.

https://discord.com/developers/docs/resources/message#embed-object-embed-limits and
https://discord.com/developers/docs/interactions/message-components
"""

from __future__ import annotations

import discord

EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
MESSAGE_CONTENT = 2000
COMPONENT_ROWS = 5
CUSTOM_ID = 100
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
TEXT_INPUT_PLACEHOLDER = 100
BUTTON_LABEL = 80
SELECT_OPTION_LABEL = 100
SELECT_OPTION_DESCRIPTION = 100
COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
CHOICES_PER_OPTION = 25

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def clip_code_block(text: str, limit: int, language: str = "") -> str:
    """A fenced code block of at most ``limit`` characters, cut at a line boundary."""
    head, tail = f"```{language}\n", "\n```"
    room = limit - len(head) - len(tail)
    if len(text) <= room:
        return head + text + tail
    lines = text.splitlines()
    kept: list[str] = []
    used = 0
    for number, line in enumerate(lines):
        note = f"{ELLIPSIS} {len(lines) - number} more rows"
        if used + len(line) + 1 + len(note) > room:
            kept.append(clip(note, room - used))
            break
        kept.append(line)
        used += len(line) + 1
    return head + "\n".join(kept) + tail


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Trim the description (then drop trailing fields) until the embed is within 6,000."""
    excess = len(embed) - EMBED_TOTAL
    if excess > 0 and embed.description:
        keep = max(len(embed.description) - excess, 0)
        embed.description = clip(embed.description, keep) if keep else None
    while len(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed
