"""Reconciliation reports and customer imports are kept for SYNCSVC_REPORT_RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.db import transaction
from syncsvc.kit.clock import Clock
from syncsvc.models import CustomerImport, Reconciliation


async def drop_expired_reports(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, retention: timedelta
) -> int:
    cutoff = clock() - retention
    async with transaction(sessions) as session:
        dropped = await session.execute(
            delete(Reconciliation).where(Reconciliation.created_at < cutoff)
        )
        await session.execute(delete(CustomerImport).where(CustomerImport.created_at < cutoff))
    return int(getattr(dropped, "rowcount", 0) or 0)
