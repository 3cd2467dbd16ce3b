"""All SQL about accounting connections and OAuth attempts, always within one tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import Connection, OAuthState


class ConnectionRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def current(self, *, for_update: bool = False) -> Connection | None:
        """The tenant's connection; `for_update` locks its row until the transaction ends
        (Postgres; SQLite's write transaction already excludes other writers)."""
        statement = select(Connection).where(Connection.tenant_id == self.tenant_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, connection: Connection) -> Connection:
        connection.tenant_id = self.tenant_id
        self.session.add(connection)
        await self.session.flush()
        return connection

    async def add_state(self, state: OAuthState) -> None:
        state.tenant_id = self.tenant_id
        self.session.add(state)
        await self.session.flush()

    async def delete(self, connection: Connection) -> None:
        await self.session.delete(connection)
        await self.session.flush()


async def claim_oauth_state(
    session: AsyncSession, state_hash: str, provider: str, now: datetime
) -> OAuthState | None:
    """The unused, unexpired attempt with this state, marked used; None for anything else.

    This is the one query not scoped by tenant: the callback comes from the user's browser,
    and the state is what tells which tenant it belongs to.
    """
    statement = (
        select(OAuthState)
        .where(OAuthState.state_hash == state_hash, OAuthState.provider == provider)
        .with_for_update()
    )
    attempt = (await session.execute(statement)).scalar_one_or_none()
    if attempt is None or attempt.used_at is not None or attempt.expires_at <= now:
        return None
    attempt.used_at = now
    await session.flush()
    return attempt


async def connections_due_for_refresh(
    session: AsyncSession, refreshed_before: datetime
) -> list[tuple[uuid.UUID, str]]:
    """(tenant, provider) of active connections whose tokens have been idle since then."""
    statement = select(Connection.tenant_id, Connection.provider).where(
        Connection.status == "active",
        Connection.token_ciphertext.is_not(None),
        Connection.refreshed_at < refreshed_before,
    )
    return [(tenant_id, provider) for tenant_id, provider in await session.execute(statement)]


async def connection_counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """Across every tenant (for operators' metrics): connections by provider and status."""
    statement = select(Connection.provider, Connection.status, func.count()).group_by(
        Connection.provider, Connection.status
    )
    return [(provider, status, n) for provider, status, n in await session.execute(statement)]
