"""Resources built once in the app's lifespan, and the dependencies that hand them out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

import httpx
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from syncsvc.config import Settings
from syncsvc.connections.hub import ProviderHub
from syncsvc.db import transaction
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import Clock, utcnow
from syncsvc.metrics.registry import Metrics
from syncsvc.push.wakeup import PushWakeup, woken_after_commit
from syncsvc.tenants.keycache import ApiKeyCache


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cipher: TokenCipher
    providers: ProviderHub
    clock: Clock = utcnow
    api_keys: ApiKeyCache = field(default_factory=ApiKeyCache)
    metrics: Metrics = field(default_factory=Metrics)
    push_wakeup: PushWakeup = field(default_factory=PushWakeup)
    # Calls to the host's own webhook URLs (kept apart from calls to the packages).
    host_http: httpx.AsyncClient | None = None


def get_app_state(request: Request) -> AppState:
    state: AppState = request.app.state.syncsvc
    return state


AppStateDep = Annotated[AppState, Depends(get_app_state)]


async def get_session(state: AppStateDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed after the endpoint returns, before the answer
    is sent, so whatever the host is told was accepted is durable."""
    async with transaction(state.sessions) as session:
        yield session
    woken_after_commit(session, state.push_wakeup)


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
