"""All SQL of the push engine: due records of a connection, their dependencies, outcomes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import Connection, SyncRecord
from syncsvc.models.enums import ConnectionStatus, SyncState
from syncsvc.records.lock_order import lock_ids_in_order


class PushRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def due(self, kind: str, now: datetime, limit: int, after_id: int) -> list[SyncRecord]:
        """Records of one kind whose desired state is not yet in the provider, oldest first;
        blocked ones too, so they are looked at again once what they wait on is there."""
        statement = (
            select(SyncRecord)
            .where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.kind == kind,
                SyncRecord.state.in_([SyncState.PENDING.value, SyncState.BLOCKED.value]),
                or_(SyncRecord.next_attempt_at.is_(None), SyncRecord.next_attempt_at <= now),
                or_(
                    SyncRecord.pushed_hash.is_(None),
                    SyncRecord.pushed_hash != SyncRecord.payload_hash,
                ),
                SyncRecord.id > after_id,
            )
            .order_by(SyncRecord.id)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    async def by_keys(self, kind: str, host_ids: Iterable[str]) -> dict[str, SyncRecord]:
        ids = list(set(host_ids))
        if not ids:
            return {}
        statement = select(SyncRecord).where(
            SyncRecord.tenant_id == self.tenant_id,
            SyncRecord.kind == kind,
            SyncRecord.host_id.in_(ids),
        )
        return {r.host_id: r for r in (await self.session.scalars(statement)).all()}

    async def mark_in_flight(self, record_ids: list[int]) -> None:
        """Before a write: these records may be in the provider from now on. Cleared with the
        write's answer; a worker that dies before it leaves them to be looked up by key
        first, long after the provider has forgotten the write's idempotency key.

        Locked in the lock order first: a host's batch may be writing some of them."""
        await lock_ids_in_order(self.session, self.tenant_id, record_ids)
        await self.session.execute(
            update(SyncRecord)
            .where(SyncRecord.tenant_id == self.tenant_id, SyncRecord.id.in_(record_ids))
            .values(write_uncertain=True)
        )

    async def pause(self, connection_id: int, until: datetime, reason: str) -> None:
        await self.session.execute(
            update(Connection)
            .where(Connection.id == connection_id, Connection.tenant_id == self.tenant_id)
            .values(paused_until=until, status_reason=reason)
        )

    async def needs_reauth(self, connection_id: int, reason: str) -> None:
        await self.session.execute(
            update(Connection)
            .where(Connection.id == connection_id, Connection.tenant_id == self.tenant_id)
            .values(status=ConnectionStatus.NEEDS_REAUTH.value, status_reason=reason)
        )
