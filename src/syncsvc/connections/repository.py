"""All SQL about accounting connections."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import Connection


class ConnectionRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def current(self) -> Connection | None:
        statement = select(Connection).where(Connection.tenant_id == self.tenant_id)
        return (await self.session.execute(statement)).scalar_one_or_none()
