"""Initial schema: tenants, keys, connections, host records, settings, events, cursors.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("revoked_at", nullable=True),
        _tenant_fk("api_keys"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    op.create_table(
        "connections",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.String(100), nullable=True),
        sa.Column("organisation_name", sa.String(255), nullable=True),
        sa.Column("token_ciphertext", sa.LargeBinary(), nullable=True),
        _ts("access_expires_at", nullable=True),
        _ts("refreshed_at", nullable=True),
        _ts("paused_until", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _tenant_fk("connections"),
        sa.PrimaryKeyConstraint("id", name="pk_connections"),
        sa.UniqueConstraint("tenant_id", name="uq_connections_tenant_id"),
    )
    op.create_table(
        "pull_cursors",
        sa.Column("connection_id", BIG_ID, nullable=False),
        sa.Column("resource", sa.String(30), nullable=False),
        _ts("position"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name="fk_pull_cursors_connection_id_connections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "resource", name="pk_pull_cursors"),
    )
    op.create_table(
        "sync_records",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("host_id", sa.String(100), nullable=False),
        sa.Column("host_version", sa.BigInteger(), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("pushed_hash", sa.String(64), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("provider_id", sa.String(255), nullable=True),
        sa.Column("provider_version", sa.String(255), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("synced_at", nullable=True),
        _tenant_fk("sync_records"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_records"),
    )
    op.create_index(
        "uq_sync_records_tenant_kind_host",
        "sync_records",
        ["tenant_id", "kind", "host_id"],
        unique=True,
    )
    op.create_index("ix_sync_records_tenant_state", "sync_records", ["tenant_id", "state"])
    op.create_index("ix_sync_records_due", "sync_records", ["state", "next_attempt_at"])
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("document", JSON_DOC, nullable=False),
        _ts("updated_at"),
        _tenant_fk("tenant_settings"),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_tenant_settings"),
    )
    op.create_table(
        "account_overrides",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("scope_id", sa.String(100), nullable=False),
        sa.Column("document", JSON_DOC, nullable=False),
        _ts("updated_at"),
        _tenant_fk("account_overrides"),
        sa.PrimaryKeyConstraint("id", name="pk_account_overrides"),
        sa.UniqueConstraint(
            "tenant_id", "scope", "scope_id", name="uq_account_overrides_tenant_id_scope_scope_id"
        ),
    )
    op.create_table(
        "events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        _ts("created_at"),
        _tenant_fk("events"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("tenant_id", "seq", name="uq_events_tenant_id_seq"),
    )
    op.create_index("ix_events_created_at", "events", ["created_at"])


def downgrade() -> None:
    for table in (
        "events",
        "account_overrides",
        "tenant_settings",
        "sync_records",
        "pull_cursors",
        "connections",
        "api_keys",
        "tenants",
    ):
        op.drop_table(table)
