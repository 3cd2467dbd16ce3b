"""A reconciliation report: the host's records against the accounting package's, for a range."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.models.base import Base, JSONDocument


class Reconciliation(Base):
    __tablename__ = "reconciliations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # invoices, payments
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    fix: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))  # running, done, failed
    progress: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDocument)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # The package it was run against (a tenant may reconnect to another one later).
    provider: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
