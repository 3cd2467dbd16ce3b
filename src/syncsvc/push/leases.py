"""Connection leases: one worker pushes one organisation at a time, across replicas.

A lease expires by itself, so a worker that dies frees its connection; a live worker renews
it between batches. Taking a lease is one conditional UPDATE: whoever changes the row has it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import Connection, SyncRecord
from syncsvc.models.enums import ConnectionStatus, SyncState

# Longer than one batch can take, waits for the minute's call budget included (a batch may
# wait up to a minute for it); a replica that dies frees its connections after this.
LEASE = timedelta(minutes=5)


async def connections_with_due_work(
    session: AsyncSession, now: datetime, owner: str, limit: int = 50
) -> list[int]:
    """Active, unpaused connections that have a record due now, not leased to another
    worker (a replica restarted under the same name takes its own leases straight back).

    `FOR UPDATE SKIP LOCKED` on Postgres: replicas looking at the same moment each get
    different connections instead of queueing on the same rows.
    """
    due = (
        select(SyncRecord.id)
        .where(
            SyncRecord.tenant_id == Connection.tenant_id,
            or_(
                and_(
                    SyncRecord.state == SyncState.PENDING.value,
                    or_(SyncRecord.next_attempt_at.is_(None), SyncRecord.next_attempt_at <= now),
                ),
                # A blocked record waiting on something in the package (an approval there)
                # is looked at again when its time comes; one waiting on another record goes
                # on when that record is pushed (it is then pending, and due).
                and_(
                    SyncRecord.state == SyncState.BLOCKED.value,
                    SyncRecord.next_attempt_at <= now,
                ),
            ),
        )
        .exists()
    )
    statement = (
        select(Connection.id)
        .where(
            Connection.status == ConnectionStatus.ACTIVE.value,
            or_(Connection.paused_until.is_(None), Connection.paused_until <= now),
            or_(
                Connection.lease_expires_at.is_(None),
                Connection.lease_expires_at <= now,
                Connection.lease_owner == owner,
            ),
            due,
        )
        .order_by(Connection.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(statement)).all())


async def take_lease(session: AsyncSession, connection_id: int, owner: str, now: datetime) -> bool:
    result = await session.execute(
        update(Connection)
        .where(
            Connection.id == connection_id,
            or_(
                Connection.lease_owner.is_(None),
                Connection.lease_owner == owner,
                Connection.lease_expires_at.is_(None),
                Connection.lease_expires_at <= now,
            ),
        )
        .values(lease_owner=owner, lease_expires_at=now + LEASE)
    )
    return bool(getattr(result, "rowcount", 0))


async def renew_lease(session: AsyncSession, connection_id: int, owner: str, now: datetime) -> bool:
    result = await session.execute(
        update(Connection)
        .where(Connection.id == connection_id, Connection.lease_owner == owner)
        .values(lease_expires_at=now + LEASE)
    )
    return bool(getattr(result, "rowcount", 0))


async def release_lease(session: AsyncSession, connection_id: int, owner: str) -> None:
    await session.execute(
        update(Connection)
        .where(and_(Connection.id == connection_id, Connection.lease_owner == owner))
        .values(lease_owner=None, lease_expires_at=None)
    )
