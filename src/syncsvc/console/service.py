"""What the console shows of a tenant, gathered through each feature's own repository."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.connections.repository import ConnectionRepository
from syncsvc.events.repository import WebhookRepository
from syncsvc.models import (
    HostWebhook,
    ProviderNotification,
    PullCursor,
    Reconciliation,
    SyncRecord,
    Tenant,
    WebhookDelivery,
)
from syncsvc.models.enums import ConnectionStatus, RecordKind
from syncsvc.pull.repository import PullRepository, notifications_for
from syncsvc.reconciliation.repository import ReconciliationRepository
from syncsvc.records.overview import sync_overview
from syncsvc.records.repository import RecordRepository
from syncsvc.records.schemas import ConnectionSummary
from syncsvc.tenants.repository import TenantRepository

STATES = ("pending", "synced", "failed", "blocked")


@dataclass(frozen=True)
class Limits:
    """How much of each list a page shows."""

    attention: int
    arrivals: int
    deliveries: int
    reports: int


OVERVIEW = Limits(attention=5, arrivals=3, deliveries=3, reports=3)
DETAIL = Limits(attention=200, arrivals=50, deliveries=50, reports=20)


@dataclass(frozen=True)
class QueueRow:
    kind: RecordKind
    counts: dict[str, int]  # by sync state

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class TenantView:
    tenant: Tenant
    connection: ConnectionSummary | None
    next_poll_at: datetime | None
    queue: list[QueueRow]
    oldest_pending_since: datetime | None
    oldest_pending_age_seconds: float | None
    attention: list[SyncRecord]  # failed and blocked, newest first
    cursors: list[PullCursor]
    arrivals: list[ProviderNotification]
    webhook: HostWebhook | None
    deliveries: list[WebhookDelivery]
    reports: list[Reconciliation]

    @property
    def needs_reauth(self) -> bool:
        return (
            self.connection is not None
            and self.connection.status == ConnectionStatus.NEEDS_REAUTH.value
        )

    @property
    def attention_total(self) -> int:
        return sum(row.counts["failed"] + row.counts["blocked"] for row in self.queue)


async def tenant_view(
    session: AsyncSession, tenant: Tenant, now: datetime, limits: Limits
) -> TenantView:
    overview = await sync_overview(session, tenant.id, now)
    connection = await ConnectionRepository(session, tenant.id).current()
    cursors: list[PullCursor] = []
    arrivals: list[ProviderNotification] = []
    if connection is not None:
        cursors = await PullRepository(session, tenant.id, connection.id).cursors()
        if connection.organisation_id:
            arrivals = await notifications_for(
                session, connection.provider, connection.organisation_id, limits.arrivals
            )
    webhooks = WebhookRepository(session, tenant.id)
    return TenantView(
        tenant=tenant,
        connection=overview.connection,
        next_poll_at=None if connection is None else connection.next_poll_at,
        queue=[
            QueueRow(kind, {state: getattr(counts, state) for state in STATES})
            for kind, counts in overview.records.items()
        ],
        oldest_pending_since=overview.oldest_pending_since,
        oldest_pending_age_seconds=overview.oldest_pending_age_seconds,
        attention=await RecordRepository(session, tenant.id).retryable(limits.attention),
        cursors=cursors,
        arrivals=arrivals,
        webhook=await webhooks.webhook(),
        deliveries=await webhooks.deliveries(limits.deliveries),
        reports=await ReconciliationRepository(session, tenant.id).reports(limits.reports),
    )


@dataclass(frozen=True)
class OverviewPage:
    tenants: list[TenantView]
    next_after: uuid.UUID | None


async def overview_page(
    session: AsyncSession, now: datetime, after: Tenant | None, limit: int
) -> OverviewPage:
    rows = await TenantRepository(session).page(after, limit + 1)
    views = [await tenant_view(session, tenant, now, OVERVIEW) for tenant, _ in rows[:limit]]
    return OverviewPage(views, views[-1].tenant.id if len(rows) > limit else None)


async def find_tenant(session: AsyncSession, raw_id: str) -> Tenant | None:
    try:
        tenant_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    return await TenantRepository(session).get(tenant_id)
