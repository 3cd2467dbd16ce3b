"""Provider-neutral names and what every package needs kept: pull resources named by record
kind, pulled statuses in the service's five states, an organisation's details as a document,
why a record failed, what is kept of a document seen, which package a report was run against.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
RESOURCES = {
    "Payments": "payment",
    "Invoices": "invoice",
    "Contacts": "customer",
    "ContactImports": "customer_import",
}
STATUSES = {
    "AUTHORISED": "open",
    "ACTIVE": "open",
    "PAID": "paid",
    "VOIDED": "void",
    "ARCHIVED": "void",
    "DELETED": "gone",
    "DRAFT": "draft",
    "SUBMITTED": "draft",
}


def _rename(table: str, column: str, names: dict[str, str]) -> None:
    for old, new in names.items():
        op.execute(
            sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old").bindparams(  # noqa: S608 - names are constants here
                old=old, new=new
            )
        )


def upgrade() -> None:
    _rename("pull_cursors", "resource", RESOURCES)
    _rename("pulled_documents", "resource", RESOURCES)
    _rename("pulled_documents", "status", STATUSES)
    with op.batch_alter_table("pulled_documents") as batch:
        batch.add_column(sa.Column("details", JSON, nullable=True))
    with op.batch_alter_table("sync_records") as batch:
        batch.add_column(sa.Column("last_error_reason", sa.String(30), nullable=True))
    with op.batch_alter_table("reconciliations") as batch:
        batch.add_column(sa.Column("provider", sa.String(20), nullable=True))
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("organisation_details", JSON, nullable=True))
    connections = sa.table(
        "connections",
        sa.column("id", sa.BigInteger()),
        sa.column("organisation_link_id", sa.String()),
        sa.column("organisation_details", JSON),
    )
    bind = op.get_bind()
    for row in bind.execute(
        sa.select(connections.c.id, connections.c.organisation_link_id).where(
            connections.c.organisation_link_id.is_not(None)
        )
    ):
        bind.execute(
            connections.update()
            .where(connections.c.id == row.id)
            .values(organisation_details={"connection_id": row.organisation_link_id})
        )
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("organisation_link_id")


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("organisation_link_id", sa.String(100), nullable=True))
    connections = sa.table(
        "connections",
        sa.column("id", sa.BigInteger()),
        sa.column("organisation_link_id", sa.String()),
        sa.column("organisation_details", JSON),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(connections.c.id, connections.c.organisation_details)):
        link = (row.organisation_details or {}).get("connection_id")
        if link:
            bind.execute(
                connections.update()
                .where(connections.c.id == row.id)
                .values(organisation_link_id=link)
            )
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("organisation_details")
    with op.batch_alter_table("sync_records") as batch:
        batch.drop_column("last_error_reason")
    with op.batch_alter_table("reconciliations") as batch:
        batch.drop_column("provider")
    with op.batch_alter_table("pulled_documents") as batch:
        batch.drop_column("details")
    back = {
        new: old for old, new in STATUSES.items() if old not in ("ACTIVE", "ARCHIVED", "SUBMITTED")
    }
    _rename("pulled_documents", "status", back)
    _rename("pulled_documents", "resource", {new: old for old, new in RESOURCES.items()})
    _rename("pull_cursors", "resource", {new: old for old, new in RESOURCES.items()})
