"""A tenant's connection to its accounting package: encrypted tokens and status."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.models.base import Base, BigIntId


class Connection(Base):
    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    status_reason: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[str | None] = mapped_column(String(100))
    organisation_name: Mapped[str | None] = mapped_column(String(255))
    # Fernet ciphertext of the provider's token set; never stored or logged in plaintext.
    token_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_expires_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PullCursor(Base):
    """How far a connection has read one provider resource; moves only forward."""

    __tablename__ = "pull_cursors"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(String(30), primary_key=True)
    position: Mapped[datetime]
    updated_at: Mapped[datetime]
