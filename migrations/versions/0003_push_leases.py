"""Push engine: a lease per connection, and the uncertain-write marker per record.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sync_records") as batch:
        batch.add_column(
            sa.Column("write_uncertain", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("provider_key", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_records") as batch:
        batch.drop_column("provider_key")
        batch.drop_column("write_uncertain")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
