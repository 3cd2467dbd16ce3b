"""All SQL of the pull engine: cursors, what was reported, the host records provider ids map
to, and the poll lease. Resources are named by record kind (`payment`, `invoice`, `customer`,
`customer_import`), never by a package's wire names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.db import dialect_insert
from syncsvc.models import (
    Connection,
    ProviderNotification,
    PullCursor,
    PulledDocument,
    SyncRecord,
)
from syncsvc.models.enums import ConnectionStatus, RecordKind

POLL_LEASE = timedelta(minutes=5)


class PullRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, connection_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.connection_id = connection_id

    async def cursor(self, resource: str) -> datetime | None:
        return await self.session.scalar(
            select(PullCursor.position).where(
                PullCursor.connection_id == self.connection_id, PullCursor.resource == resource
            )
        )

    async def cursors(self) -> list[PullCursor]:
        """How far each resource has been read, by resource name."""
        rows = await self.session.scalars(
            select(PullCursor)
            .where(PullCursor.connection_id == self.connection_id)
            .order_by(PullCursor.resource)
        )
        return list(rows)

    async def advance(self, resource: str, position: datetime, now: datetime) -> None:
        """Move the cursor to `position`, never back."""
        current = await self.cursor(resource)
        if current is None:
            self.session.add(
                PullCursor(
                    connection_id=self.connection_id,
                    resource=resource,
                    position=position,
                    updated_at=now,
                )
            )
        elif position > current:
            await self.session.execute(
                update(PullCursor)
                .where(
                    PullCursor.connection_id == self.connection_id,
                    PullCursor.resource == resource,
                )
                .values(position=position, updated_at=now)
            )

    async def reported(self, resource: str, ids: Iterable[str]) -> dict[str, PulledDocument]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(PulledDocument).where(
                PulledDocument.connection_id == self.connection_id,
                PulledDocument.resource == resource,
                PulledDocument.provider_id.in_(wanted),
            )
        )
        return {row.provider_id: row for row in rows}

    async def remember(
        self,
        resource: str,
        seen: dict[str, tuple[str, str]],
        now: datetime,
        details: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """`seen`: provider id -> (status, fingerprint), as now reported; `details`: what is
        kept of each beside it (a payment's invoice, amount and date)."""
        if not seen:
            return
        insert = dialect_insert(self.session)
        rows = [
            {
                "tenant_id": self.tenant_id,
                "connection_id": self.connection_id,
                "resource": resource,
                "provider_id": provider_id,
                "status": status,
                "fingerprint": fingerprint,
                "details": (details or {}).get(provider_id),
                "seen_at": now,
            }
            for provider_id, (status, fingerprint) in seen.items()
        ]
        statement = insert(PulledDocument).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["connection_id", "resource", "provider_id"],
            set_={
                "status": statement.excluded.status,
                "fingerprint": statement.excluded.fingerprint,
                "details": func.coalesce(statement.excluded.details, PulledDocument.details),
                "seen_at": statement.excluded.seen_at,
            },
        )
        await self.session.execute(statement)

    async def live_payments(self) -> dict[str, dict[str, Any]]:
        """Payments reported and not gone: provider id -> what was kept of each."""
        rows = await self.session.execute(
            select(PulledDocument.provider_id, PulledDocument.details).where(
                PulledDocument.connection_id == self.connection_id,
                PulledDocument.resource == RecordKind.PAYMENT.value,
                PulledDocument.status != "gone",
            )
        )
        return {str(provider_id): dict(kept or {}) for provider_id, kept in rows}

    async def records_by_provider_id(
        self, kind: RecordKind, provider_ids: Iterable[str]
    ) -> dict[str, SyncRecord]:
        """The tenant's host records of `kind` that are these provider documents."""
        wanted = list(set(provider_ids))
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(SyncRecord).where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.kind == kind.value,
                SyncRecord.provider_id.in_(wanted),
            )
        )
        return {str(row.provider_id): row for row in rows}

    async def holds_any(self, kinds: Iterable[RecordKind]) -> bool:
        """Whether any host record of these kinds is in the package (so worth reading)."""
        found = await self.session.scalar(
            select(SyncRecord.id)
            .where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.kind.in_([kind.value for kind in kinds]),
                SyncRecord.provider_id.is_not(None),
            )
            .limit(1)
        )
        return found is not None

    async def payments_on(self, invoice_host_ids: Iterable[str]) -> list[SyncRecord]:
        """The host's own payments on these invoices (to tell an echo from news)."""
        wanted = list(set(invoice_host_ids))
        if not wanted:
            return []
        rows = await self.session.scalars(
            select(SyncRecord).where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.kind == RecordKind.PAYMENT.value,
                SyncRecord.deleted.is_(False),
                SyncRecord.provider_id.is_not(None),
                SyncRecord.payload["invoice_id"].as_string().in_(wanted),
            )
        )
        return list(rows)


async def notifications_for(
    session: AsyncSession, provider: str, organisation_id: str, limit: int
) -> list[ProviderNotification]:
    """The provider's webhook events about one organisation, newest first."""
    rows = await session.scalars(
        select(ProviderNotification)
        .where(
            ProviderNotification.provider == provider,
            ProviderNotification.organisation_id == organisation_id,
        )
        .order_by(ProviderNotification.id.desc())
        .limit(limit)
    )
    return list(rows)


async def connections_to_poll(session: AsyncSession, now: datetime) -> list[int]:
    statement = (
        select(Connection.id)
        .where(
            Connection.status == ConnectionStatus.ACTIVE.value,
            or_(Connection.paused_until.is_(None), Connection.paused_until <= now),
            or_(Connection.next_poll_at.is_(None), Connection.next_poll_at <= now),
            or_(
                Connection.poll_lease_expires_at.is_(None), Connection.poll_lease_expires_at <= now
            ),
        )
        .order_by(Connection.id)
    )
    return list((await session.scalars(statement)).all())


async def take_poll_lease(
    session: AsyncSession, connection_id: int, owner: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Connection)
        .where(
            Connection.id == connection_id,
            or_(
                Connection.poll_lease_owner.is_(None),
                Connection.poll_lease_owner == owner,
                Connection.poll_lease_expires_at <= now,
            ),
        )
        .values(poll_lease_owner=owner, poll_lease_expires_at=now + POLL_LEASE)
    )
    return bool(getattr(result, "rowcount", 0))


async def release_poll_lease(
    session: AsyncSession, connection_id: int, owner: str, next_poll_at: datetime
) -> None:
    await session.execute(
        update(Connection)
        .where(Connection.id == connection_id, Connection.poll_lease_owner == owner)
        .values(poll_lease_owner=None, poll_lease_expires_at=None, next_poll_at=next_poll_at)
    )
