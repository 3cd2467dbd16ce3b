"""Console reads no other feature's repository offers yet: one tenant's reconciliation
reports. (Kept here while the reconciliation package is being reworked.)"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import Reconciliation


class ReportRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def latest(self, limit: int) -> list[Reconciliation]:
        rows = await self.session.scalars(
            select(Reconciliation)
            .where(Reconciliation.tenant_id == self.tenant_id)
            .order_by(Reconciliation.created_at.desc(), Reconciliation.id)
            .limit(limit)
        )
        return list(rows)

    async def get(self, report_id: uuid.UUID) -> Reconciliation | None:
        report = await self.session.get(Reconciliation, report_id)
        return report if report is not None and report.tenant_id == self.tenant_id else None
