"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 08:46:08.534429+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('guild_settings',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('instructor_role_id', sa.BigInteger(), nullable=True),
    sa.Column('reminder_channel_id', sa.BigInteger(), nullable=True),
    sa.Column('default_reminder_time', sa.String(length=5), nullable=True),
    sa.PrimaryKeyConstraint('guild_id', name=op.f('pk_guild_settings'))
    )
    op.create_table('learners',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('reminders_enabled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('reminder_time', sa.String(length=5), nullable=True),
    sa.Column('reminder_where', sa.String(length=8), server_default='dm', nullable=False),
    sa.Column('reminder_guild_id', sa.BigInteger(), nullable=True),
    sa.Column('dm_channel_id', sa.BigInteger(), nullable=True),
    sa.Column('dms_closed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('dms_closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reminder_where IN ('dm', 'channel')", name=op.f('ck_learners_reminder_where')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_learners'))
    )
    op.create_table('attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('family', sa.String(length=64), nullable=True),
    sa.Column('generator_version', sa.Integer(), nullable=True),
    sa.Column('seed', sa.BigInteger(), nullable=True),
    sa.Column('level', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('served_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("kind IN ('card', 'problem')", name=op.f('ck_attempts_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['learners.user_id'], name=op.f('fk_attempts_user_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts'))
    )
    op.create_index('ix_attempts_user_id_served_at', 'attempts', ['user_id', 'served_at'], unique=False)

    op.create_table('guild_enrolments',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['learners.user_id'], name=op.f('fk_guild_enrolments_user_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guild_id', 'user_id', name=op.f('pk_guild_enrolments'))
    )
    op.create_index(op.f('ix_guild_enrolments_user_id'), 'guild_enrolments', ['user_id'], unique=False)

    op.create_table('item_states',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('box', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_review', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviews', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('correct', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('lapses', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('box >= 1', name=op.f('ck_item_states_box_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['learners.user_id'], name=op.f('fk_item_states_user_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'item_id', name=op.f('pk_item_states'))
    )
    op.create_index('ix_item_states_due', 'item_states', ['due'], unique=False)
    op.create_index('ix_item_states_user_id_due', 'item_states', ['user_id', 'due'], unique=False)

    op.create_table('reminder_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['learners.user_id'], name=op.f('fk_reminder_log_user_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_log')),
    sa.UniqueConstraint('user_id', 'local_date', name=op.f('uq_reminder_log_user_id_local_date'))
    )
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=True),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('family', sa.String(length=64), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.Column('codes', sa.JSON(), nullable=False),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('seconds_taken', sa.Float(), nullable=True),
    sa.Column('box_before', sa.Integer(), nullable=False),
    sa.Column('box_after', sa.Integer(), nullable=False),
    sa.Column('due_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state_before', sa.JSON(), nullable=True),
    sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_reviews_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['learners.user_id'], name=op.f('fk_reviews_user_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_reviews_attempt_id'))
    )
    op.create_index('ix_reviews_guild_id_reviewed_at', 'reviews', ['guild_id', 'reviewed_at'], unique=False)
    op.create_index('ix_reviews_user_id_reviewed_at', 'reviews', ['user_id', 'reviewed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reviews_user_id_reviewed_at', table_name='reviews')
    op.drop_index('ix_reviews_guild_id_reviewed_at', table_name='reviews')
    op.drop_table('reviews')
    op.drop_table('reminder_log')
    op.drop_index('ix_item_states_user_id_due', table_name='item_states')
    op.drop_index('ix_item_states_due', table_name='item_states')
    op.drop_table('item_states')
    op.drop_index(op.f('ix_guild_enrolments_user_id'), table_name='guild_enrolments')
    op.drop_table('guild_enrolments')
    op.drop_index('ix_attempts_user_id_served_at', table_name='attempts')
    op.drop_table('attempts')
    op.drop_table('learners')
    op.drop_table('guild_settings')
