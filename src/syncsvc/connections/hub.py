"""The provider side of the app's resources: packages, the shared HTTP client, OAuth apps,
the token store, call budgets and the lookup cache. Built once in lifespan."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.config import Settings
from syncsvc.connections.credentials import credentials_for
from syncsvc.connections.oauth import OAuthClient
from syncsvc.connections.token_store import ActiveToken, TokenStore
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import Clock
from syncsvc.metrics.registry import Metrics
from syncsvc.providers.base import Books, LookupItem, LookupKind, Package, ProviderSession
from syncsvc.providers.pacing import RateBudget, Sleep
from syncsvc.providers.registry import build_registry


class ProviderNotConfigured(Exception):
    """No OAuth app credentials for this provider."""


class UnknownProvider(Exception):
    pass


@dataclass
class CachedLookup:
    fetched_at: datetime
    items: list[LookupItem]


class ProviderHub:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        cipher: TokenCipher,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.transport = transport
        self.metrics = metrics or Metrics()
        self.adapters = build_registry(settings.providers.sandbox_url)
        self.http = httpx.AsyncClient(
            transport=transport,
            timeout=settings.providers.http_timeout_seconds,
        )
        self.tokens = TokenStore(sessions, cipher, self.oauth_for, clock)
        self.lookup_ttl = timedelta(seconds=settings.providers.lookup_cache_seconds)
        self._lookups: dict[tuple[str, str, str], CachedLookup] = {}
        # One call budget per organisation (or per app, where the package counts so),
        # shared by everything this process sends it.
        self._budgets: dict[tuple[str, ...], RateBudget] = {}
        self._sleep = sleep

    def books(self, active: ActiveToken, settings: Mapping[str, Any] | None = None) -> Books:
        """The books of the organisation of `active`, within its call budget, reading
        lookups through the cache; `settings`: the tenant's block for the package."""
        package = self.adapter(active.provider)

        async def cached(kind: LookupKind) -> list[LookupItem]:
            return (await self.lookup(active.tenant_id, active, kind)).items

        return package.open(
            ProviderSession(
                self.http,
                active.token,
                active.organisation,
                self.budget(active.provider, active.organisation_id),
                cached,
                settings or {},
            )
        )

    async def lookup(
        self, tenant_id: uuid.UUID, active: ActiveToken, kind: LookupKind
    ) -> CachedLookup:
        """The organisation's lookups of `kind`, read at most once per cache lifetime."""
        key = (str(tenant_id), active.organisation_id, kind.value)
        cached = self.cached_lookup(key)
        if cached is None:
            package = self.adapter(active.provider)
            books = package.open(
                ProviderSession(
                    self.http,
                    active.token,
                    active.organisation,
                    self.budget(active.provider, active.organisation_id),
                )
            )
            cached = self.remember_lookup(key, await books.lookups(kind))
        return cached

    def budget(self, provider: str, organisation_id: str) -> RateBudget:
        limits = self.adapter(provider).facts.rate_limits
        key = (provider,) if limits.shared_by == "app" else (provider, organisation_id)
        budget = self._budgets.get(key)
        if budget is None:
            budget = RateBudget(limits, self.clock, self._metered_sleep(provider))
            self._budgets[key] = budget
        return budget

    def _metered_sleep(self, provider: str) -> Sleep:
        """The budget's sleep, counted: each time a call is held back to stay in limits."""
        sleep = self._sleep or asyncio.sleep
        waits = self.metrics.rate_limit_waits.labels(provider, "paced")
        seconds_waited = self.metrics.rate_limit_wait_seconds.labels(provider)

        async def metered(seconds: float) -> None:
            waits.inc()
            seconds_waited.inc(max(0.0, seconds))
            await sleep(seconds)

        return metered

    def count_rate_limited(self, provider: str, scope: str) -> None:
        """A package refused a call for its rate limit (`scope`: the limit it names)."""
        self.metrics.rate_limit_waits.labels(provider, scope).inc()

    def adapter(self, provider: str) -> Package:
        try:
            return self.adapters[provider]
        except KeyError:
            raise UnknownProvider(provider) from None

    def oauth_for(self, provider: str) -> OAuthClient:
        credentials = credentials_for(provider, self.settings.providers)
        if credentials is None:
            raise ProviderNotConfigured(provider)
        return OAuthClient(
            self.adapter(provider).facts,
            credentials.client_id,
            credentials.client_secret,
            transport=self.transport,
            timeout=self.settings.providers.http_timeout_seconds,
        )

    def redirect_uri(self, provider: str) -> str:
        return f"{self.settings.api.public_url.rstrip('/')}/v1/oauth/{provider}/callback"

    def cached_lookup(self, key: tuple[str, str, str]) -> CachedLookup | None:
        cached = self._lookups.get(key)
        if cached is None or self.clock() - cached.fetched_at >= self.lookup_ttl:
            return None
        return cached

    def remember_lookup(self, key: tuple[str, str, str], items: list[LookupItem]) -> CachedLookup:
        cached = CachedLookup(self.clock(), items)
        self._lookups[key] = cached
        return cached

    def forget_lookups(self, tenant_id: str) -> None:
        for key in [k for k in self._lookups if k[0] == tenant_id]:
            del self._lookups[key]

    async def aclose(self) -> None:
        await self.http.aclose()
