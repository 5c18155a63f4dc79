"""/stats: a guild's class statistics (or one learner's detail) for its instructors.

Instructors are members with Manage Server or the guild's instructor role
(/config instructor-role).  ``default_member_permissions`` hides the command
from everyone else, but a server admin can override that in Integrations, so
the rule is checked again at run time.  Replies are ephemeral and carry the
chart (PNG) and the learner × item table (CSV) as files.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.embeds import COLOUR_ITEM, timestamp
from bot.limits import clip
from quizzes import presentation
from quizzes.grading import MISTAKES
from quizzes.instructor import (
    ClassReport,
    InstructorError,
    InstructorService,
    NotAnInstructor,
    reports,
)
from quizzes.study import ItemAccuracy, LearnerItemRow, LearnerStats, OverdueLearner
from quizzes.study.results import MistakeRetest, SkillSummary

if TYPE_CHECKING:
    from bot.client import ChainruleBot

CLASS_CHART, CLASS_CSV = "class-stats.png", "class-stats.csv"
SHOWN_ITEMS = 5
SHOWN_MISTAKES = 5
SHOWN_OVERDUE = 10
BAR_WIDTH = 16
FULL_BLOCK = "█"


class StatsCog(commands.Cog):
    def __init__(self, bot: ChainruleBot) -> None:
        self.bot = bot
        self.instructors = InstructorService(bot.service)

    @app_commands.command(name="stats", description="Class statistics, or one learner's detail.")
    @app_commands.describe(learner="Show this learner's detail instead of the whole class")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(
        self, interaction: discord.Interaction, learner: discord.User | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = await self.require_instructor(interaction)
        if learner is None:
            embed, files = await self.class_reply(guild_id)
        else:
            embed, files = await self.learner_reply(guild_id, learner)
        await interaction.followup.send(embed=embed, files=files, ephemeral=True)

    async def require_instructor(self, interaction: discord.Interaction) -> int:
        """The guild's id if the member may see its statistics; NotAnInstructor otherwise."""
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            raise InstructorError("Run /stats in your server, not in a direct message.")
        config = await self.instructors.guild_config(interaction.guild_id)
        role_ids = {role.id for role in interaction.user.roles}
        if not config.admits(manages_guild=interaction.permissions.manage_guild, role_ids=role_ids):
            raise NotAnInstructor()
        return interaction.guild_id

    async def class_reply(self, guild_id: int) -> tuple[discord.Embed, list[discord.File]]:
        report = await self.instructors.class_report(guild_id)
        chart = await self.bot.diagrams.chart("class", report.stats)
        table = await asyncio.to_thread(
            reports.learner_item_csv, report.stats.rows, report.stats.learner_skills
        )
        embed = class_embed(report)
        embed.set_image(url=f"attachment://{CLASS_CHART}")
        return limits.fit_embed(embed), [
            discord.File(io.BytesIO(chart), filename=CLASS_CHART),
            discord.File(io.BytesIO(table.encode()), filename=CLASS_CSV),
        ]

    async def learner_reply(
        self, guild_id: int, member: discord.abc.User
    ) -> tuple[discord.Embed, list[discord.File]]:
        """One learner's detail; a member who left keeps their record until /forget-me."""
        stats = await self.instructors.learner_report(guild_id, member.id)
        chart = await self.bot.diagrams.chart("learner", stats)
        skills = {stats.user_id: {m.skill: m.known for m in stats.progress.skills}}
        table = await asyncio.to_thread(reports.learner_item_csv, stats.items, skills)
        chart_name, table_name = f"learner-{member.id}.png", f"learner-{member.id}.csv"
        embed = learner_embed(stats)
        embed.set_image(url=f"attachment://{chart_name}")
        return limits.fit_embed(embed), [
            discord.File(io.BytesIO(chart), filename=chart_name),
            discord.File(io.BytesIO(table.encode()), filename=table_name),
        ]


# ---- embeds (pure) -------------------------------------------------------------------------
def class_embed(report: ClassReport) -> discord.Embed:
    stats = report.stats
    embed = discord.Embed(
        title="Class statistics",
        description=(
            f"**{stats.enrolled}** learners enrolled · **{report.active_recently}** active "
            f"in the last {report.active_days} days\n"
            f"Reviews, hardest items and mistakes since {timestamp(stats.since, 'D')}."
        ),
        colour=COLOUR_ITEM,
    )
    embed.add_field(name="Reviews per day (UTC)", value=per_day_text(stats.reviews_per_day))
    embed.add_field(name="Hardest items", value=hardest_text(stats.hardest_items), inline=False)
    embed.add_field(
        name="Most frequent mistakes", value=mistakes_text(stats.diagnosis_counts), inline=False
    )
    if stats.skills:
        embed.add_field(name="Class skills", value=class_skills_text(stats.skills), inline=False)
    if stats.retests:
        embed.add_field(
            name="Mistakes and their retests", value=retests_text(stats.retests), inline=False
        )
    embed.add_field(name="Items per box", value=boxes_text(stats.boxes), inline=False)
    embed.add_field(
        name="Learners with overdue items",
        value=overdue_text(stats.overdue_learners),
        inline=False,
    )
    embed.set_footer(text="One row per learner × item in the CSV; times there are UTC.")
    return embed


def learner_embed(stats: LearnerStats) -> discord.Embed:
    progress = stats.progress
    last = timestamp(stats.last_review) if stats.last_review else "never"
    accuracy = presentation.accuracy_text(progress.accuracy)
    embed = discord.Embed(
        title="Learner detail",
        description=(
            f"<@{stats.user_id}> · last review {last}\n"
            f"**{progress.reviews}** reviews · accuracy {accuracy} · "
            f"streak {progress.streak_days} days"
        ),
        colour=COLOUR_ITEM,
    )
    embed.add_field(
        name="Due",
        value=f"now: {progress.due_now}\ntoday: {progress.due_today}\n"
        f"this week: {progress.due_this_week}",
    )
    embed.add_field(name="Items per box", value=boxes_text(progress.boxes))
    embed.add_field(name="Weakest items", value=weakest_text(stats.items), inline=False)
    embed.add_field(
        name="Most frequent mistakes", value=mistakes_text(stats.diagnosis_counts), inline=False
    )
    if progress.skills:
        table = presentation.skills_text(progress)
        embed.add_field(
            name="Skills",
            value=limits.clip_code_block(table, limits.EMBED_FIELD_VALUE),
            inline=False,
        )
    embed.set_footer(text=f"Their days follow their time zone ({progress.timezone}).")
    return embed


def per_day_text(per_day: Sequence[tuple[date, int]]) -> str:
    """A bar per day in a code block; the scale is the busiest day."""
    if not per_day:
        return "no days in range"
    busiest = max(count for _, count in per_day) or 1
    lines = []
    for day, count in per_day:
        bar = FULL_BLOCK * round(BAR_WIDTH * count / busiest)
        lines.append(f"{day:%m-%d} {bar:<{BAR_WIDTH}} {count}")
    return limits.clip_code_block("\n".join(lines), limits.EMBED_FIELD_VALUE)


def hardest_text(items: Sequence[ItemAccuracy]) -> str:
    if not items:
        return "no reviews yet"
    lines = [
        f"`{item.item_id}` — {item.correct}/{item.attempts} right ({item.accuracy:.0%})"
        for item in items[:SHOWN_ITEMS]
    ]
    return clip("\n".join(lines), limits.EMBED_FIELD_VALUE)


def weakest_text(rows: Sequence[LearnerItemRow]) -> str:
    tried = sorted((r for r in rows if r.attempts), key=lambda r: (r.accuracy, -r.attempts))
    if not tried:
        return "nothing reviewed yet"
    lines = [
        f"`{row.item_id}` — {row.correct}/{row.attempts} right, box {row.box}"
        for row in tried[:SHOWN_ITEMS]
    ]
    return clip("\n".join(lines), limits.EMBED_FIELD_VALUE)


def mistakes_text(counts: Sequence[tuple[str, int]]) -> str:
    if not counts:
        return "none diagnosed"
    lines = []
    for code, count in counts[:SHOWN_MISTAKES]:
        mistake = MISTAKES.get(code)
        hint = f" — {clip(mistake.hint, 90)}" if mistake else ""
        lines.append(f"`{code}` × {count}{hint}")
    return clip("\n".join(lines), limits.EMBED_FIELD_VALUE)


def class_skills_text(skills: Sequence[SkillSummary]) -> str:
    """Per skill: the class's mean mastery as a bar, and how many are solid or shaky."""
    width = max(len(s.label) for s in skills)
    lines = []
    for s in skills:
        bar = FULL_BLOCK * round(BAR_WIDTH * s.mean)
        lines.append(
            f"{s.label.ljust(width)} {bar:<{BAR_WIDTH}} {s.mean:.0%} "
            f"({s.solid} solid, {s.shaky} shaky of {s.learners})"
        )
    return limits.clip_code_block("\n".join(lines), limits.EMBED_FIELD_VALUE)


def retests_text(retests: Sequence[MistakeRetest]) -> str:
    lines = [
        f"`{r.code}` — {r.learners} learners; {r.retested} retested, {r.retest_right} then right"
        for r in retests[:SHOWN_MISTAKES]
    ]
    return clip("\n".join(lines), limits.EMBED_FIELD_VALUE)


def boxes_text(boxes: dict[int, int]) -> str:
    return " · ".join(f"box {box}: {count}" for box, count in sorted(boxes.items())) or "—"


def overdue_text(learners: Sequence[OverdueLearner]) -> str:
    if not learners:
        return "nobody is more than a day behind"
    lines = [
        f"<@{learner.user_id}> — {learner.overdue_items} items, oldest due "
        f"{timestamp(learner.oldest_due)}"
        for learner in learners[:SHOWN_OVERDUE]
    ]
    if len(learners) > SHOWN_OVERDUE:
        lines.append(f"…and {len(learners) - SHOWN_OVERDUE} more (see the CSV)")
    return clip("\n".join(lines), limits.EMBED_FIELD_VALUE)
