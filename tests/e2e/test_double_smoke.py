"""The double itself, exercised with a plain discord.ext.commands.Bot: if these
fail, the end-to-end tests of chainrule's bot cannot be trusted."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.e2e.driver import DiscordDouble
from tests.e2e.harness import GUILD_READY_TIMEOUT, ErrorLogGuard, running
from tests.e2e.payloads import FakeGuild
from tests.e2e.records import CALLBACK_MESSAGE, button_labels, is_ephemeral

FOLLOWUP_PATH = r"^/webhooks/\d+/[^/]+$"


class EchoBot(commands.Bot):
    """A minimal bot: /echo answers, then sends a follow-up with a button."""

    def __init__(self, guild: FakeGuild) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=GUILD_READY_TIMEOUT,
        )
        self.guild_object = discord.Object(guild.id)
        self.clicks: list[int] = []

        @app_commands.command(description="Repeats what you say")
        @app_commands.describe(text="What to repeat")
        async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
            await interaction.response.send_message(text * times, ephemeral=True)
            view = ConfirmView(self.clicks)
            await interaction.followup.send(f"follow-up: {text}", view=view, ephemeral=True)

        @app_commands.command(description="Sends you a form")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackForm())

        @app_commands.command(description="Sends you a direct message")
        async def dm(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                await interaction.user.send("hello in private")
            except discord.Forbidden as exc:
                await interaction.followup.send(f"cannot DM you ({exc.code})", ephemeral=True)
            else:
                await interaction.followup.send("sent", ephemeral=True)

        @app_commands.command(description="Always fails")
        async def broken(interaction: discord.Interaction) -> None:
            raise RuntimeError("deliberately broken")

        for command in (echo, feedback, dm, broken):
            self.tree.add_command(command, guild=self.guild_object)

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild_object)


class FeedbackForm(discord.ui.Modal, title="Feedback"):
    answer = discord.ui.TextInput(label="∂f/∂x", custom_id="dx", max_length=20)
    note = discord.ui.TextInput(label="Note", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.answer.value}|{self.note.value}")


class ConfirmView(discord.ui.View):
    def __init__(self, clicks: list[int]) -> None:
        super().__init__(timeout=30)
        self.clicks = clicks

    @discord.ui.button(label="Got it", style=discord.ButtonStyle.primary)
    async def got_it(
        self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]
    ) -> None:
        self.clicks.append(interaction.user.id)
        button.disabled = True
        await interaction.response.edit_message(content="thanks", view=self)


async def test_start_up_logs_in_connects_and_syncs_commands(double: DiscordDouble) -> None:
    guild = double.add_guild()
    async with running(EchoBot(guild), double) as bot:
        assert bot.user is not None and bot.user.id == double.bot_user.id
        assert bot.get_guild(guild.id) is not None
        assert double.gateway.identify_count == 1
        assert [c["name"] for c in double.guild_commands[guild.id]] == [
            "echo",
            "feedback",
            "dm",
            "broken",
        ]
        command = double.synced_command("echo", guild)
        assert command is not None
        assert [(o["name"], o["type"], o["required"]) for o in command["options"]] == [
            ("text", 3, True),
            ("times", 4, False),
        ]


async def test_slash_command_is_answered_by_one_callback_and_a_followup(
    double: DiscordDouble,
) -> None:
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    async with running(EchoBot(guild), double):
        record = await double.slash(ada, "echo", {"text": "ab", "times": 2})
        callback = await double.wait_for_callback(record)
        assert callback.type == CALLBACK_MESSAGE
        assert callback.data["content"] == "abab"
        followup = await double.wait_for_text(record, "follow-up: ab")
        assert is_ephemeral(followup)
        assert button_labels(followup) == ["Got it"]

        click = await double.click(ada, followup, label="Got it")
        await double.wait_for_text(click, "thanks")
        assert len(click.callbacks) == 1
        assert double.current(followup)["components"][0]["components"][0]["disabled"] is True


async def test_a_followup_rate_limited_once_is_delivered_once(double: DiscordDouble) -> None:
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    fault = double.fail("POST", FOLLOWUP_PATH, 429, retry_after=0.05)
    async with running(EchoBot(guild), double):
        record = await double.slash(ada, "echo", {"text": "hi"})
        await double.wait_for_text(record, "follow-up: hi")
    assert fault.hits == 1
    assert [r.status for r in double.requests_to("POST", FOLLOWUP_PATH)] == [429, 200]
    assert len(record.followup_ids) == 1


async def test_a_followup_failing_with_500_once_is_delivered_once(double: DiscordDouble) -> None:
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    double.fail("POST", FOLLOWUP_PATH, 500)
    async with running(EchoBot(guild), double):
        record = await double.slash(ada, "echo", {"text": "hi"})
        await double.wait_for_text(record, "follow-up: hi")
    assert [r.status for r in double.requests_to("POST", FOLLOWUP_PATH)] == [500, 200]
    assert len(record.followup_ids) == 1


async def test_after_a_dropped_websocket_the_bot_resumes_and_keeps_serving(
    double: DiscordDouble,
) -> None:
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    async with running(EchoBot(guild), double):
        await double.drop_gateway()
        missed = await double.slash(ada, "echo", {"text": "sent while disconnected"})
        await double.wait_for_resume()
        await double.wait_for_text(missed, "follow-up: sent while disconnected")

        after = await double.slash(ada, "echo", {"text": "after"})
        await double.wait_for_text(after, "follow-up: after")
    assert double.gateway.identify_count == 1
    resumes = [op for op in double.gateway.received if op.op == 6]
    assert [op.path for op in resumes] == ["/gateway-resume"]
    assert len(missed.callbacks) == 1 and len(after.callbacks) == 1


async def test_a_wrong_token_is_refused_with_401(double: DiscordDouble) -> None:
    guild = double.add_guild()
    bot = EchoBot(guild)
    try:
        await bot.login("not-the-token")
    except discord.LoginFailure:
        pass
    else:
        raise AssertionError("login with a wrong token succeeded")
    finally:
        await bot.close()


async def test_a_form_is_shown_and_its_submission_dispatched(double: DiscordDouble) -> None:
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    async with running(EchoBot(guild), double):
        opened = await double.slash(ada, "feedback")
        submitted = await double.submit_modal(ada, opened, {"∂f/∂x": "-4", "Note": "easy"})
        reply = await double.wait_for_reply(submitted)
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    assert reply["content"] == "got -4|easy"


async def test_a_direct_message_refused_with_50007_reaches_the_bot_as_forbidden(
    double: DiscordDouble,
) -> None:
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    double.fail("POST", r"^/channels/\d+/messages$", 403)
    async with running(EchoBot(guild), double):
        refused = await double.slash(ada, "dm")
        await double.wait_for_text(refused, "cannot DM you (50007)")
        delivered = await double.slash(ada, "dm")
        await double.wait_for_text(delivered, "sent")
    [message] = double.channel_messages(double.dm_channels[ada.id])
    assert message["content"] == "hello in private"


async def test_a_reply_is_timed_by_the_answer_to_its_own_request(double: DiscordDouble) -> None:
    """A follow-up that comes within a reaction time of the deferral's answer is shown
    with the deferral's delivery, but timed when the follow-up's own answer went out: the
    load benchmark's dispatch -> reply figures must not count a deferral as the reply."""
    double.reaction_time = 0.5  # the follow-up surely comes sooner than this
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    async with running(EchoBot(guild), double):
        record = await double.slash(ada, "dm")
        await double.wait_for_text(record, "sent")
    [followup] = double.requests_to("POST", FOLLOWUP_PATH)
    assert record.callbacks[0].at < followup.at
    assert record.replied_at is not None and record.replied_at > followup.at


async def test_an_error_logged_by_the_bot_fails_the_wait_at_once(
    double: DiscordDouble, error_logs: ErrorLogGuard
) -> None:
    guild = double.add_guild()
    ada = double.add_user("ada", guild=guild)
    async with running(EchoBot(guild), double):
        record = await double.slash(ada, "broken")
        with pytest.raises(AssertionError, match="deliberately broken"):
            await double.wait_for_callback(record, timeout=30)
    assert any("deliberately broken" in str(r.exc_info) for r in error_logs.records)
    error_logs.records.clear()  # provoked on purpose
