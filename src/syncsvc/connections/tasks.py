"""Scheduled work for connections: keep idle refresh tokens alive.

Xero kills a refresh token unused for 60 days; a tenant that pushes nothing for two months
must not be logged out. Tokens idle for half their provider's idle lifetime are refreshed.
"""

from __future__ import annotations

import logging

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.repository import connections_due_for_refresh
from syncsvc.connections.token_store import NotConnected
from syncsvc.kit.cipher import TokenCipherError
from syncsvc.providers.errors import ProviderError

log = logging.getLogger(__name__)


async def refresh_idle_tokens(hub: ProviderHub) -> int:
    """Refresh every active connection idle past its threshold; returns how many were."""
    now = hub.clock()
    refreshed = 0
    for name, adapter in hub.adapters.items():
        idle_lifetime = adapter.facts.refresh_token_idle_lifetime
        if idle_lifetime is None:
            continue
        cutoff = now - idle_lifetime / 2
        async with hub.tokens.sessions() as session:
            due = await connections_due_for_refresh(session, cutoff)
        for tenant_id, provider in due:
            if provider != name:
                continue
            try:
                await hub.tokens.refresh(tenant_id, unless_refreshed_since=cutoff)
                refreshed += 1
            except (NotConnected, ProviderError, TokenCipherError) as exc:
                log.warning(
                    "idle token refresh failed",
                    extra={"tenant_id": str(tenant_id), "error": type(exc).__name__},
                )
    return refreshed
