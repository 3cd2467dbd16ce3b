"""All SQL about tenants and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import ApiKey, Connection, Tenant


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, name: str, now: datetime) -> Tenant:
        tenant = Tenant(id=uuid.uuid4(), name=name, created_at=now)
        self.session.add(tenant)
        await self.session.flush()
        return tenant

    async def add_key(
        self, tenant_id: uuid.UUID, key_hash: str, prefix: str, now: datetime
    ) -> None:
        self.session.add(
            ApiKey(tenant_id=tenant_id, key_hash=key_hash, prefix=prefix, created_at=now)
        )
        await self.session.flush()

    async def tenant_for_key(self, key_hash: str) -> uuid.UUID | None:
        statement = select(ApiKey.tenant_id).where(
            ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def page(
        self, after: Tenant | None, limit: int
    ) -> list[tuple[Tenant, Connection | None]]:
        """Tenants oldest first (ties by id), each with its connection if it has one,
        starting after the tenant `after`."""
        statement = (
            select(Tenant, Connection)
            .outerjoin(Connection, Connection.tenant_id == Tenant.id)
            .order_by(Tenant.created_at, Tenant.id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(
                or_(
                    Tenant.created_at > after.created_at,
                    and_(Tenant.created_at == after.created_at, Tenant.id > after.id),
                )
            )
        rows = await self.session.execute(statement)
        return [(tenant, connection) for tenant, connection in rows]
