"""The registry that tells a stale button (after a restart) from a live or superseded one."""

from __future__ import annotations

import gc

import discord

from bot.components import (
    ComponentRegistry,
    ComponentState,
    answer_form_custom_id,
    is_expirable,
    review_custom_id,
)
from bot.limits import CUSTOM_ID


async def test_live_then_finished_then_forgotten() -> None:
    registry = ComponentRegistry(max_remembered=2)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Next", custom_id=review_custom_id(7, "next")))
    registry.track_view(view)
    assert registry.state(review_custom_id(7, "next")) is ComponentState.LIVE
    assert registry.state(review_custom_id(7, "end")) is ComponentState.UNKNOWN
    view.stop()
    assert registry.state(review_custom_id(7, "next")) is ComponentState.FINISHED
    registry.track(view, [review_custom_id(8, "a"), review_custom_id(8, "b")])
    assert len(registry) == 2
    assert registry.state(review_custom_id(7, "next")) is ComponentState.UNKNOWN


async def test_a_collected_view_counts_as_finished() -> None:
    registry = ComponentRegistry()
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Knew it", custom_id=review_custom_id(3, "knew")))
    registry.track_view(view)
    del view
    gc.collect()
    assert registry.state(review_custom_id(3, "knew")) is ComponentState.FINISHED


def test_custom_ids_fit_discord_and_are_expirable() -> None:
    largest_id = 2**63 - 1  # a 64-bit attempt id
    for custom_id in (
        review_custom_id(largest_id, "choice-Z"),
        review_custom_id(largest_id, "stop-choice"),
        answer_form_custom_id(largest_id, 99),
    ):
        assert len(custom_id) <= CUSTOM_ID
        assert is_expirable(custom_id)
    assert not is_expirable("chainrule:remind:start")
