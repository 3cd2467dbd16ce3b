"""Resources built once in the app's lifespan, and the dependencies that hand them out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import httpx
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from syncsvc.config import Settings
from syncsvc.connections.hub import ProviderHub
from syncsvc.console.attempts import SignInAttempts
from syncsvc.db import transaction
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import Clock, utcnow
from syncsvc.metrics.registry import Metrics
from syncsvc.push.wakeup import PushWakeup, woken_after_commit
from syncsvc.tenants.keycache import ApiKeyCache
from syncsvc.unit_of_work import ContentionRetry, run_unit_of_work

T = TypeVar("T")


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
    write_retry: ContentionRetry = field(default_factory=ContentionRetry)
    sign_in_attempts: SignInAttempts = field(default_factory=SignInAttempts)
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


class UnitOfWork:
    """For routes whose writes may meet other writers on the same rows: the work runs in a
    transaction of its own, run again whole if the database aborts it for contention; the
    push worker is woken once, after the attempt that committed."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await run_unit_of_work(
            self.state.sessions,
            work,
            self.state.write_retry,
            after_commit=lambda session: woken_after_commit(session, self.state.push_wakeup),
        )


def get_unit_of_work(state: AppStateDep) -> UnitOfWork:
    return UnitOfWork(state)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
