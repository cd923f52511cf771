"""forgotten_user: a hash of each person who asked to be forgotten (never recreated by a mention)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forgotten_user",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_forgotten_user")),
    )


def downgrade() -> None:
    op.drop_table("forgotten_user")
