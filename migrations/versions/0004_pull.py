"""Pull engine: what was reported of each provider document; provider webhook events (to
recognise repeats); a poll lease per connection.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pulled_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "connection_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("connections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("resource", sa.String(30), nullable=False),
        sa.Column("provider_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("connection_id", "resource", "provider_id"),
    )
    op.create_table(
        "provider_notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("resource_id", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "event_key"),
    )
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("poll_lease_owner", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("poll_lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("next_poll_at")
        batch.drop_column("poll_lease_expires_at")
        batch.drop_column("poll_lease_owner")
    op.drop_table("provider_notifications")
    op.drop_table("pulled_documents")
