"""The tenant's sync overview: what is where, and how long the oldest change has waited."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.connections.repository import ConnectionRepository
from syncsvc.models.enums import RecordKind
from syncsvc.records.repository import RecordRepository
from syncsvc.records.schemas import ConnectionSummary, KindCounts, SyncOverview


async def sync_overview(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> SyncOverview:
    records = RecordRepository(session, tenant_id)
    counts = {kind: KindCounts() for kind in RecordKind}
    for kind, state, count in await records.counts_by_kind_and_state():
        setattr(counts[RecordKind(kind)], state, count)
    oldest = await records.oldest_pending_since()
    connection = await ConnectionRepository(session, tenant_id).current()
    return SyncOverview(
        records=counts,
        connection=None
        if connection is None
        else ConnectionSummary(
            provider=connection.provider,
            status=connection.status,
            status_reason=connection.status_reason,
            organisation_name=connection.organisation_name,
            paused_until=connection.paused_until,
        ),
        oldest_pending_since=oldest,
        oldest_pending_age_seconds=None if oldest is None else (now - oldest).total_seconds(),
    )
