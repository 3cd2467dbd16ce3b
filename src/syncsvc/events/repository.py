"""All SQL about the events feed, always within one tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.metrics.registry import metrics_of
from syncsvc.models import Event, HostWebhook, Tenant, WebhookDelivery


class EventRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _scoped(self) -> Select[Event]:
        """Every read of the feed goes through here: one tenant's events only."""
        return select(Event).where(Event.tenant_id == self.tenant_id)

    async def append(self, event_type: str, data: dict[str, Any], now: datetime) -> Event:
        """Add an event with the next sequence number.

        The tenant's row is locked first, so concurrent writers queue and the feed never has
        a gap that a reader could skip past and a later commit then fill.
        """
        await self.session.execute(
            update(Tenant).where(Tenant.id == self.tenant_id).values(name=Tenant.name)
        )
        last = await self.session.scalar(
            select(func.coalesce(func.max(Event.seq), 0)).where(Event.tenant_id == self.tenant_id)
        )
        event = Event(
            tenant_id=self.tenant_id,
            seq=int(last or 0) + 1,
            type=event_type,
            data=data,
            created_at=now,
        )
        self.session.add(event)
        await self.session.flush()
        metrics_of(self.session).events_raised.labels(event_type).inc()
        return event

    async def after(self, seq: int, limit: int) -> list[Event]:
        statement = self._scoped().where(Event.seq > seq).order_by(Event.seq).limit(limit)
        return list((await self.session.scalars(statement)).all())


class WebhookRepository:
    """The tenant's host webhook and its delivery log."""

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def webhook(self) -> HostWebhook | None:
        return await self.session.get(HostWebhook, self.tenant_id)

    async def deliveries(self, limit: int) -> list[WebhookDelivery]:
        """Delivery attempts, newest first."""
        rows = await self.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.tenant_id == self.tenant_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        return list(rows)
