"""Contact details (title, phone, url), a rhythm per contact, member locale and working days,
Teams' service URLs and long conversation ids, and the durable inbox.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("url", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("rhythm_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column("dm_channel", type_=sa.String(400), existing_type=sa.String(64))
        batch_op.add_column(sa.Column("service_url", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(35), nullable=True))
        batch_op.add_column(sa.Column("work_days", sa.String(7), nullable=False, server_default="12345"))
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.alter_column("shoutout_channel", type_=sa.String(400), existing_type=sa.String(64))
        batch_op.add_column(sa.Column("default_channel", sa.String(400), nullable=True))
        batch_op.add_column(sa.Column("service_url", sa.String(500), nullable=True))
    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("lease_until", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("received_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_item")),
        sa.UniqueConstraint("key", name=op.f("uq_inbox_item_key")),
    )
    op.create_index("ix_inbox_item_status", "inbox_item", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_item_status", table_name="inbox_item")
    op.drop_table("inbox_item")
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("service_url")
        batch_op.drop_column("default_channel")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("work_days")
        batch_op.drop_column("locale")
        batch_op.drop_column("service_url")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("rhythm_days")
        batch_op.drop_column("url")
        batch_op.drop_column("phone")
        batch_op.drop_column("title")
