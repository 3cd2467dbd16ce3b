"""A tenant's account codes and switches, and its per-scope overrides."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.models.base import Base, BigIntId, JSONDocument


class TenantSettings(Base):
    __tablename__ = "tenant_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    updated_at: Mapped[datetime]


class AccountOverride(Base):
    """Income or surcharge accounts for one job type, supply item or payment method."""

    __tablename__ = "account_overrides"
    __table_args__ = (UniqueConstraint("tenant_id", "scope", "scope_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[str] = mapped_column(String(100))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    updated_at: Mapped[datetime]
