"""Host records and their sync state, one row per (tenant, kind, host id).

State, not events, drives the push: a row is due while `payload_hash` (what the host wants)
differs from `pushed_hash` (what the provider last acknowledged).
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.models.base import Base, BigIntId, JSONDocument


class SyncRecord(Base):
    __tablename__ = "sync_records"
    __table_args__ = (
        Index("uq_sync_records_tenant_kind_host", "tenant_id", "kind", "host_id", unique=True),
        Index("ix_sync_records_tenant_state", "tenant_id", "state"),
        Index("ix_sync_records_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    host_id: Mapped[str] = mapped_column(String(100))
    host_version: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # Hash of the desired state (payload and the deleted flag) and of what was last pushed.
    payload_hash: Mapped[str] = mapped_column(String(64))
    pushed_hash: Mapped[str | None] = mapped_column(String(64))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    provider_version: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why it failed, in every package's terms (`providers.errors.Reason`): what advice reads.
    last_error_reason: Mapped[str | None] = mapped_column(String(30))
    # A write whose answer never came may have been applied: look the record up by the key
    # the service set (`provider_key`: invoice number, contact number) before writing again.
    write_uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    synced_at: Mapped[datetime | None]
