"""reminder schedule and retries

``learners.next_reminder_at`` (indexed) lets the every-minute reminder sweep find
the learners to look at with one range scan; ``reminder_log.attempts`` and
``retry_at`` let a reminder that met a Discord 5xx be claimed again later the
same day.

Plain ``op`` calls rather than batch mode: SQLite (3.35+) adds and drops these
columns in place.  Batch mode would rebuild ``learners``, and dropping it with
foreign keys on would cascade-delete every learner's progress.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:51:28.486260+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'learners', sa.Column('next_reminder_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f('ix_learners_next_reminder_at'), 'learners', ['next_reminder_at'], unique=False
    )
    op.add_column(
        'reminder_log',
        sa.Column('attempts', sa.Integer(), server_default=sa.text('1'), nullable=False),
    )
    op.add_column('reminder_log', sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_reminder_log_retry_at'), 'reminder_log', ['retry_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reminder_log_retry_at'), table_name='reminder_log')
    op.drop_column('reminder_log', 'retry_at')
    op.drop_column('reminder_log', 'attempts')
    op.drop_index(op.f('ix_learners_next_reminder_at'), table_name='learners')
    op.drop_column('learners', 'next_reminder_at')
