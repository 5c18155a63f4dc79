"""Discord's documented limits on what a bot may send, checked the way Discord
checks them: the double answers a violating request with 400 code 50035
("Invalid Form Body"), so the bot sees the same failure it would in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.e2e.payloads import JSON, iter_components

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_MODAL_TITLE = 45
MAX_MODAL_COMPONENTS = 5
MAX_TEXT_INPUT_LABEL = 45
MAX_SELECT_OPTIONS = 25


def message_problems(body: JSON | None) -> list[str]:
    """Every limit a message body (create or edit) breaks; empty when valid."""
    if not body:
        return []
    problems: list[str] = []
    content = body.get("content") or ""
    if len(content) > MAX_CONTENT:
        problems.append(f"content: {len(content)} > {MAX_CONTENT} characters")
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        problems.append(f"embeds: {len(embeds)} > {MAX_EMBEDS}")
    problems.extend(_embed_problems(embeds))
    problems.extend(component_problems(body.get("components") or []))
    return problems


def _embed_problems(embeds: Sequence[JSON]) -> list[str]:
    problems: list[str] = []
    total = 0
    for index, embed in enumerate(embeds):
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        fields = embed.get("fields") or []
        _check(problems, f"embeds[{index}].title", title, MAX_EMBED_TITLE)
        _check(problems, f"embeds[{index}].description", description, MAX_EMBED_DESCRIPTION)
        _check(problems, f"embeds[{index}].footer.text", footer, MAX_FOOTER)
        _check(problems, f"embeds[{index}].author.name", author, MAX_AUTHOR)
        if len(fields) > MAX_EMBED_FIELDS:
            problems.append(f"embeds[{index}].fields: {len(fields)} > {MAX_EMBED_FIELDS}")
        total += len(title) + len(description) + len(footer) + len(author)
        for number, embed_field in enumerate(fields):
            name, value = str(embed_field.get("name", "")), str(embed_field.get("value", ""))
            where = f"embeds[{index}].fields[{number}]"
            if not name or not value:
                problems.append(f"{where}: name and value must not be empty")
            _check(problems, f"{where}.name", name, MAX_FIELD_NAME)
            _check(problems, f"{where}.value", value, MAX_FIELD_VALUE)
            total += len(name) + len(value)
    if total > MAX_EMBED_TOTAL:
        problems.append(f"embeds: {total} > {MAX_EMBED_TOTAL} characters in total")
    return problems


def component_problems(components: Sequence[JSON]) -> list[str]:
    problems: list[str] = []
    rows = [c for c in components if c.get("type") == 1]
    if len(rows) > MAX_ACTION_ROWS:
        problems.append(f"components: {len(rows)} > {MAX_ACTION_ROWS} action rows")
    for row in rows:
        if len(row.get("components", [])) > MAX_ROW_BUTTONS:
            problems.append(f"action row with {len(row['components'])} > 5 components")
    seen: set[str] = set()
    for component in iter_components(components):
        custom_id = component.get("custom_id")
        if custom_id is not None:
            _check(problems, "custom_id", custom_id, MAX_CUSTOM_ID)
            if custom_id in seen:
                problems.append(f"custom_id {custom_id!r} is used twice")
            seen.add(custom_id)
        if component.get("type") == 2:
            _check(problems, "button label", component.get("label") or "", MAX_BUTTON_LABEL)
            if custom_id is None and component.get("style") != 5:
                problems.append("a non-link button needs a custom_id")
        if component.get("type") == 3 and len(component.get("options", [])) > MAX_SELECT_OPTIONS:
            problems.append(f"select {custom_id!r}: more than {MAX_SELECT_OPTIONS} options")
    return problems


def modal_problems(modal: JSON) -> list[str]:
    problems: list[str] = []
    _check(problems, "modal title", modal.get("title") or "", MAX_MODAL_TITLE)
    if not modal.get("title"):
        problems.append("modal title must not be empty")
    _check(problems, "modal custom_id", modal.get("custom_id") or "", MAX_CUSTOM_ID)
    top_level = modal.get("components") or []
    if not 1 <= len(top_level) <= MAX_MODAL_COMPONENTS:
        problems.append(f"modal has {len(top_level)} components; 1 to 5 allowed")
    for component in iter_components(top_level):
        label = component.get("label")
        if component.get("type") in (4, 18) and label is not None:
            _check(problems, "text input label", label, MAX_TEXT_INPUT_LABEL)
        custom_id = component.get("custom_id")
        if custom_id is not None:
            _check(problems, "text input custom_id", custom_id, MAX_CUSTOM_ID)
    return problems


def _check(problems: list[str], where: str, text: Any, limit: int) -> None:
    if len(str(text)) > limit:
        problems.append(f"{where}: {len(str(text))} > {limit} characters")
