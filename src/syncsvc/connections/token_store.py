"""Access tokens that stay valid without ever logging the customer out.

These providers rotate the refresh token on every refresh: two processes refreshing with the
same token would leave one of them holding a dead token. So a refresh takes the connection's
row lock, re-reads the token after taking it (another process may have refreshed meanwhile),
and stores the rotated token in the same transaction. An in-process lock keeps the tasks of
one process from queueing on the database for the same connection.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.oauth import OAuthClient
from syncsvc.connections.repository import ConnectionRepository
from syncsvc.connections.tokens import seal, unseal
from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import Clock
from syncsvc.metrics.registry import metrics_of
from syncsvc.models import Connection
from syncsvc.models.enums import ConnectionStatus
from syncsvc.providers.base import Organisation, TokenSet
from syncsvc.providers.errors import NeedsReauth, Transient

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)
TRANSIENT_RETRIES = 2


class NotConnected(Exception):
    """The tenant has no usable connection (none, still choosing, or needing re-consent)."""


@dataclass(frozen=True)
class ActiveToken:
    tenant_id: uuid.UUID
    token: TokenSet
    provider: str
    organisation_id: str
    organisation: Organisation


class TokenStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: TokenCipher,
        oauth_for: Callable[[str], OAuthClient],
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.oauth_for = oauth_for
        self.clock = clock
        self._locks: defaultdict[uuid.UUID, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.refreshes = 0  # how many refreshes this process made (for ops and tests)

    async def active(self, tenant_id: uuid.UUID) -> ActiveToken:
        """A token valid for at least the refresh margin, refreshing it when needed."""
        async with self.sessions() as session:
            connection = await ConnectionRepository(session, tenant_id).current()
            active = self._usable(connection)
        if not active.token.expires_within(self.clock(), REFRESH_MARGIN):
            return active
        return await self.refresh(tenant_id)

    async def refresh(
        self, tenant_id: uuid.UUID, *, unless_refreshed_since: datetime | None = None
    ) -> ActiveToken:
        """Refresh once for everyone: callers that arrive while another refreshes get its
        result. With `unless_refreshed_since`, a refresh made after that time is reused
        (used by the idle-token schedule); without it, any token still fresh is reused."""
        async with self._locks[tenant_id]:
            needs_reauth: NeedsReauth | None = None
            async with transaction(self.sessions) as session:
                repository = ConnectionRepository(session, tenant_id)
                connection = await repository.current(for_update=True)
                active = self._usable(connection)
                assert connection is not None
                now = self.clock()
                if unless_refreshed_since is not None:
                    fresh = (connection.refreshed_at or now) > unless_refreshed_since
                else:
                    fresh = not active.token.expires_within(now, REFRESH_MARGIN)
                if fresh:
                    return active
                try:
                    token = await self._refresh_with_retries(active)
                except NeedsReauth as exc:
                    await self._mark_needs_reauth(session, connection, str(exc))
                    needs_reauth = exc
                else:
                    connection.token_ciphertext = seal(self.cipher, token)
                    connection.access_expires_at = token.expires_at
                    connection.refreshed_at = now
                    connection.updated_at = now
                    self.refreshes += 1
                    metrics_of(session).token_refreshes.inc()
                    log.info(
                        "refreshed access token",
                        extra={"tenant_id": str(tenant_id), "provider": active.provider},
                    )
                    return ActiveToken(
                        active.tenant_id,
                        token,
                        active.provider,
                        active.organisation_id,
                        active.organisation,
                    )
            raise needs_reauth

    async def _refresh_with_retries(self, active: ActiveToken) -> TokenSet:
        if not active.token.refresh_token:
            raise NeedsReauth("no refresh token is stored; connect again")
        oauth = self.oauth_for(active.provider)
        for attempt in range(TRANSIENT_RETRIES + 1):
            try:
                # A lost answer leaves the old refresh token valid for the provider's grace
                # period, so asking again with it recovers the new token set.
                return await oauth.refresh(active.token.refresh_token, self.clock())
            except Transient:
                if attempt == TRANSIENT_RETRIES:
                    raise
        raise AssertionError("unreachable")

    async def _mark_needs_reauth(
        self, session: AsyncSession, connection: Connection, reason: str
    ) -> None:
        now = self.clock()
        connection.status = ConnectionStatus.NEEDS_REAUTH.value
        connection.status_reason = (
            f"The accounting package refused the refresh ({reason}); connect again."
        )
        connection.updated_at = now
        await EventRepository(session, connection.tenant_id).append(
            EventType.CONNECTION_NEEDS_REAUTH.value,
            {"provider": connection.provider, "reason": reason},
            now,
        )
        log.warning(
            "connection needs re-authorisation",
            extra={"tenant_id": str(connection.tenant_id), "provider": connection.provider},
        )

    def _usable(self, connection: Connection | None) -> ActiveToken:
        if connection is None or connection.token_ciphertext is None:
            raise NotConnected("no accounting package is connected")
        usable = {ConnectionStatus.ACTIVE.value, ConnectionStatus.PAUSED.value}
        if connection.status not in usable or not connection.organisation_id:
            raise NotConnected(f"the connection is {connection.status}")
        return ActiveToken(
            connection.tenant_id,
            unseal(self.cipher, connection.token_ciphertext),
            connection.provider,
            connection.organisation_id,
            Organisation(
                connection.organisation_id,
                connection.organisation_name or "",
                dict(connection.organisation_details or {}),
            ),
        )
