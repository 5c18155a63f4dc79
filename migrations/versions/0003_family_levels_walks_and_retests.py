"""family levels, walks and retests

``family_levels`` keeps how hard a learner's problems of a family are, apart from the
Leitner box (which keeps deciding when the family comes back).  Existing progress
carries over: every family a learner has been served starts at its box today (at most
level 5).  ``walks`` records the step-by-step walks through a missed gate;
``attempts.retest_code`` marks a problem drawn to retest a diagnosed mistake.

Plain ``op`` calls rather than batch mode, as in 0002: SQLite adds the column in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 07:17:48.841606+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_LEVEL = 5


def upgrade() -> None:
    op.create_table(
        "family_levels",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("streak", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_family_levels_level_positive")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["learners.user_id"],
            name=op.f("fk_family_levels_user_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "family", name=op.f("pk_family_levels")),
    )
    op.create_table(
        "walks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("gate", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_walks_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["learners.user_id"],
            name=op.f("fk_walks_user_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walks")),
    )
    op.create_index(op.f("ix_walks_guild_id"), "walks", ["guild_id"], unique=False)
    op.create_index("ix_walks_user_id_started_at", "walks", ["user_id", "started_at"])
    op.add_column("attempts", sa.Column("retest_code", sa.String(length=32), nullable=True))
    # a family's level starts at its box today
    op.execute(
        sa.text(
            "INSERT INTO family_levels (user_id, family, level, streak, updated_at) "
            f"SELECT s.user_id, s.item_id, CASE WHEN s.box > {MAX_LEVEL} THEN {MAX_LEVEL} "
            "ELSE s.box END, 0, COALESCE(s.last_review, s.first_seen) FROM item_states s "
            "WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.user_id = s.user_id "
            "AND a.item_id = s.item_id AND a.kind = 'problem')"
        )
    )


def downgrade() -> None:
    op.drop_column("attempts", "retest_code")
    op.drop_index("ix_walks_user_id_started_at", table_name="walks")
    op.drop_index(op.f("ix_walks_guild_id"), table_name="walks")
    op.drop_table("walks")
    op.drop_table("family_levels")
