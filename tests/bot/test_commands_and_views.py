"""Command metadata Discord accepts, and views and forms within Discord's component limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot import limits
from bot.app import create_bot
from bot.client import ChainruleBot
from bot.cogs.review_flow import ReviewFlow
from bot.cogs.review_views import (
    AfterAnswerView,
    AnswerForm,
    AnswerView,
    CardBackView,
    CardFrontView,
    ChoiceView,
    OwnedView,
)
from bot.components import ComponentState
from bot.settings import Settings
from quizzes.problems import FAMILIES
from quizzes.storage.db import Database
from quizzes.study import StudyService
from tests.bot.oversized import HUGE_CARD, huge_problem, served

# Discord's rule for command and option names (lowercase where the script has case)
NAME = re.compile(r"^[-_\w]{1,32}$")
EXPECTED_COMMANDS = {"review", "practice", "progress", "undo", "timezone", "remind"}


@pytest.fixture
async def bot(database: Database) -> AsyncIterator[ChainruleBot]:
    service = StudyService(database)
    settings = Settings(token="unused", sync_commands_on_start=False)  # noqa: S106
    bot = create_bot(settings, service)
    await bot.setup_hook()  # adds the cogs; syncing is off, so no network
    yield bot
    await bot.close()
    await service.close()


def command_payloads(bot: ChainruleBot) -> list[dict[str, Any]]:
    return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]


def walk_options(options: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for option in options:
        yield option
        yield from walk_options(option.get("options", []))


def check_name_and_description(entry: dict[str, Any]) -> int:
    assert NAME.match(entry["name"]) and entry["name"] == entry["name"].lower(), entry["name"]
    assert 1 <= len(entry["description"]) <= limits.COMMAND_DESCRIPTION, entry["description"]
    return len(entry["name"]) + len(entry["description"])


async def test_command_tree_is_valid_for_discord(bot: ChainruleBot) -> None:
    payloads = command_payloads(bot)
    names = [payload["name"] for payload in payloads]
    assert len(names) == len(set(names))
    assert EXPECTED_COMMANDS <= set(names)
    for payload in payloads:
        size = check_name_and_description(payload)
        assert "default_member_permissions" in payload
        permissions = payload["default_member_permissions"]
        assert permissions is None or str(permissions).isdigit()
        options = payload.get("options", [])
        assert len(options) <= limits.COMMAND_OPTIONS
        required = [option.get("required", False) for option in options]
        assert required == sorted(required, reverse=True), "required options come first"
        for option in walk_options(options):
            size += check_name_and_description(option)
            choices = option.get("choices", [])
            assert len(choices) <= limits.CHOICES_PER_OPTION
            for choice in choices:
                assert 1 <= len(choice["name"]) <= 100
                assert len(str(choice["value"])) <= 100
                size += len(choice["name"]) + len(str(choice["value"]))
        assert size <= 4000  # Discord's cap on one command's combined text


async def test_practice_offers_every_family_or_none(bot: ChainruleBot) -> None:
    practice = next(p for p in command_payloads(bot) if p["name"] == "practice")
    [family] = practice["options"]
    assert family.get("required", False) is False  # left out: chosen for the learner
    assert sorted(choice["value"] for choice in family["choices"]) == sorted(FAMILIES)


def check_view(view: OwnedView) -> list[str]:
    rows = view.to_components()
    assert 1 <= len(rows) <= limits.COMPONENT_ROWS
    custom_ids = []
    for row in rows:
        assert len(row["components"]) <= 5
        for component in row["components"]:
            assert len(component["custom_id"]) <= limits.CUSTOM_ID
            assert 1 <= len(component.get("label", "x")) <= limits.BUTTON_LABEL
            custom_ids.append(component["custom_id"])
    assert len(custom_ids) == len(set(custom_ids))
    return custom_ids


async def test_every_view_fits_and_no_two_steps_share_a_custom_id(bot: ChainruleBot) -> None:
    flow = ReviewFlow(bot, user_id=1, guild_id=None)
    problem = huge_problem()
    choice_problem = huge_problem(multiple_choice=True)
    flow.item = served(problem)
    views: list[OwnedView] = [
        AnswerView(flow, page=0, pages=len(problem.pages)),
        AnswerView(flow, page=len(problem.pages) - 1, pages=len(problem.pages)),
        AfterAnswerView(flow),
    ]
    flow.item = served(choice_problem)
    views.append(ChoiceView(flow, [choice.key for choice in choice_problem.choices]))
    flow.item = served(card=HUGE_CARD)
    views += [CardFrontView(flow), CardBackView(flow)]
    custom_ids = [custom_id for view in views for custom_id in check_view(view)]
    assert len(custom_ids) == len(set(custom_ids))
    assert all(custom_id.startswith("chainrule:review:") for custom_id in custom_ids)


async def test_answer_forms_fit_and_refill_what_was_typed(bot: ChainruleBot) -> None:
    flow = ReviewFlow(bot, user_id=1, guild_id=None)
    problem = huge_problem()
    flow.item = served(problem)
    flow.drafts = {"q5": "[[1, 2], [3, 4]]"}
    for page in range(len(problem.pages)):
        form = AnswerForm(flow, page)
        bot.serve_modal(form)
        payload = form.to_dict()
        assert 1 <= len(payload["title"]) <= limits.MODAL_TITLE
        assert len(payload["custom_id"]) <= limits.CUSTOM_ID
        inputs = [row["components"][0] for row in payload["components"]]
        assert 1 <= len(inputs) <= 5
        for text_input in inputs:
            assert 1 <= len(text_input["label"]) <= limits.TEXT_INPUT_LABEL
            assert len(text_input.get("placeholder", "")) <= limits.TEXT_INPUT_PLACEHOLDER
        assert bot.components.state(payload["custom_id"]) is ComponentState.LIVE
        form.stop()
    second_page = AnswerForm(flow, 1).to_dict()
    assert second_page["components"][0]["components"][0]["value"] == "[[1, 2], [3, 4]]"


async def test_a_timed_out_view_disables_its_buttons(bot: ChainruleBot) -> None:
    flow = ReviewFlow(bot, user_id=1, guild_id=None)
    flow.item = served(card=HUGE_CARD)
    view = CardBackView(flow)
    flow.view = view  # on screen, but no interaction to edit: nothing is sent
    await view.on_timeout()
    assert all(
        component["disabled"] for row in view.to_components() for component in row["components"]
    )
