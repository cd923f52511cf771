"""A snoozed contact is marked, so its next showing is not counted as a reminder it ignored; a referral says
whether its shoutout may name the person outside the team.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_them", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Contacts left waiting for a reason used to vanish; now they come back on the weekly "still open" line.
    op.execute("UPDATE contact SET due_on = CURRENT_DATE WHERE phase = 'classify' AND due_on IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("name_them")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("snoozed")
