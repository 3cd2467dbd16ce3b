"""Events and delivery attempts are kept for SYNCSVC_EVENT_RETENTION_DAYS, then dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from syncsvc.db import transaction
from syncsvc.kit.clock import Clock
from syncsvc.models import Event, WebhookDelivery


async def drop_expired(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, retention: timedelta
) -> int:
    """Delete what is older than the retention; returns the events dropped. Each tenant's
    newest event stays, because the next id counts on from it: a host's cursor never sees an
    id again."""
    cutoff: datetime = clock() - retention
    newer = aliased(Event)
    newest_seq = (
        select(func.max(newer.seq)).where(newer.tenant_id == Event.tenant_id).scalar_subquery()
    )
    async with transaction(sessions) as session:
        dropped = await session.execute(
            delete(Event).where(Event.created_at < cutoff, Event.seq < newest_seq)
        )
        await session.execute(delete(WebhookDelivery).where(WebhookDelivery.attempted_at < cutoff))
    return int(getattr(dropped, "rowcount", 0) or 0)
