"""What the pull engine has seen of each provider document it reports on."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.models.base import Base, BigIntId, JSONDocument


class PulledDocument(Base):
    """One provider document as last reported to the host: a change is an event only when
    its status or content differs from this, so overlapping reads and repeats say nothing."""

    __tablename__ = "pulled_documents"
    __table_args__ = (UniqueConstraint("connection_id", "resource", "provider_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(String(30))
    provider_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30))
    fingerprint: Mapped[str] = mapped_column(String(64))
    # What is kept beside it (a payment's invoice, amount, date): what a deletion took away,
    # where the package's reads by id say nothing of a deleted document.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    seen_at: Mapped[datetime]


class ProviderNotification(Base):
    """A provider's webhook event, kept so a repeated delivery is recognised and ignored."""

    __tablename__ = "provider_notifications"
    __table_args__ = (UniqueConstraint("provider", "event_key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_key: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(30))
    resource_id: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
