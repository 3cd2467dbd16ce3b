"""The host's webhook: where its events are delivered, how far delivery has got, and each
attempt's answer."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.models.base import Base, BigIntId


class HostWebhook(Base):
    __tablename__ = "host_webhooks"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(Text)
    # Fernet ciphertext of the signing secret; never stored or logged in plaintext.
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    delivered_seq: Mapped[int] = mapped_column(BigInteger)  # events up to here are delivered
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # on the next event, so far
    failing_since: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One attempt to deliver one event, with the host's answer."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    event_seq: Mapped[int] = mapped_column(BigInteger)
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(20))  # delivered, failed, abandoned
    duration_ms: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime]
