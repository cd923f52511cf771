"""seen requests (replay guard) and the OAuth installation and state stores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

The OAuth tables are slack_sdk's own (SQLAlchemyInstallationStore / SQLAlchemyOAuthStateStore), built by
its table builders so the store finds exactly what it expects, with the token columns widened to hold
Fernet-encrypted tokens.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

import store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def _oauth_tables() -> list[sa.Table]:
    metadata = sa.MetaData()
    tables = [
        SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states"),
    ]
    for table in tables:
        for name in TOKEN_COLUMNS:
            if name in table.c:
                table.c[name].type = sa.String(1000)
    return tables


def upgrade() -> None:
    op.create_table(
        "seen_request",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_seen_request")),
    )
    with op.batch_alter_table("seen_request", schema=None) as batch_op:
        batch_op.create_index("ix_seen_request_at", ["at"], unique=False)
    bind = op.get_bind()
    for table in _oauth_tables():
        table.create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_oauth_tables()):
        table.drop(bind, checkfirst=True)
    with op.batch_alter_table("seen_request", schema=None) as batch_op:
        batch_op.drop_index("ix_seen_request_at")
    op.drop_table("seen_request")
