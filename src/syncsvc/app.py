"""The application factory: routers, error handlers, and the resources built in lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from syncsvc import __version__
from syncsvc.api_contract import complete_openapi
from syncsvc.api_docs import install_api_docs
from syncsvc.config import Settings
from syncsvc.connections.endpoints import router as connection_router
from syncsvc.connections.hub import ProviderHub
from syncsvc.console.endpoints import router as console_router
from syncsvc.db import create_engine, session_factory, upgrade_to_head_async
from syncsvc.events.endpoints import router as events_router
from syncsvc.events.webhook_endpoints import router as webhook_router
from syncsvc.health.endpoints import router as health_router
from syncsvc.imports.endpoints import router as imports_router
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import Clock, utcnow
from syncsvc.metrics.endpoints import RequestMetrics
from syncsvc.metrics.endpoints import router as metrics_router
from syncsvc.metrics.registry import Metrics
from syncsvc.problems import BodySizeLimit, install_problem_handlers
from syncsvc.providers.pacing import Sleep
from syncsvc.pull.endpoints import router as provider_webhooks_router
from syncsvc.push.wakeup import listen_for_work, run_push_loop
from syncsvc.push.worker import PushWorker
from syncsvc.reconciliation.endpoints import router as reconciliation_router
from syncsvc.records.endpoints import router as records_router
from syncsvc.requestid import RequestIdMiddleware
from syncsvc.scheduler import build_scheduler
from syncsvc.settings.endpoints import router as settings_router
from syncsvc.state import AppState
from syncsvc.tenants.endpoints import router as tenants_router
from syncsvc.tenants.keycache import ApiKeyCache
from syncsvc.unavailable import install_unavailable_handler

log = logging.getLogger(__name__)

DESCRIPTION = """Two-way sync between a job-management host and its accounting package.

The host upserts customers, invoices, payments and credit notes with its own ids and a rising
`version`; the service answers at once and pushes in the background. Every error is an
RFC 9457 problem document (`application/problem+json`) naming the offending fields.
"""


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utcnow,
    migrate: bool | None = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    host_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the app. `migrate` defaults to on for the embedded SQLite database only:
    on Postgres, run `syncsvc migrate` once per release instead of from every replica.
    `http_transport` carries every call to the accounting packages (tests: the sandbox);
    `host_transport` every delivery to the host's webhook (tests: a receiver)."""
    settings = settings or Settings.from_env()
    run_migrations = settings.uses_embedded_database if migrate is None else migrate

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_migrations:
            await upgrade_to_head_async(settings.database_url)
        engine = create_engine(
            settings.database_url,
            pool_size=settings.database.database_pool_size,
            echo=settings.database.database_echo,
        )
        metrics = Metrics()  # this app's own registry: apps in one process count apart
        sessions = session_factory(engine, info=metrics.session_info())
        cipher = TokenCipher(settings.secret_keys())
        providers = ProviderHub(
            settings, sessions, cipher, clock, http_transport, sleep, metrics=metrics
        )
        app.state.syncsvc = AppState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            cipher=cipher,
            providers=providers,
            clock=clock,
            api_keys=ApiKeyCache(settings.security.api_key_cache_seconds),
            metrics=metrics,
            host_http=httpx.AsyncClient(transport=host_transport, timeout=10.0),
        )
        scheduler = build_scheduler(app.state.syncsvc) if settings.worker.worker_enabled else None
        background: list[asyncio.Task[None]] = []
        if scheduler is not None:
            scheduler.start()
            wakeup = app.state.syncsvc.push_wakeup
            worker = PushWorker(
                sessions,
                providers,
                clock,
                owner=settings.worker.worker_id,
                concurrency=settings.worker.worker_concurrency,
            )
            background.append(asyncio.create_task(run_push_loop(worker, wakeup)))
            if engine.url.get_backend_name() == "postgresql":
                background.append(
                    asyncio.create_task(listen_for_work(settings.database_url, wakeup))
                )
            wakeup.poke()  # what was left due by the last run
        log.info("syncsvc %s ready", __version__, extra={"database": engine.url.get_backend_name()})
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await providers.aclose()
            if app.state.syncsvc.host_http is not None:
                await app.state.syncsvc.host_http.aclose()
            await engine.dispose()

    app = FastAPI(
        title="syncsvc",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # served from the package by install_api_docs, not from a CDN
        redoc_url=None,
    )
    install_api_docs(app)
    complete_openapi(app)
    install_problem_handlers(app)
    install_unavailable_handler(app)
    for router in (
        health_router,
        tenants_router,
        connection_router,
        records_router,
        settings_router,
        events_router,
        webhook_router,
        imports_router,
        reconciliation_router,
        metrics_router,
        provider_webhooks_router,
        console_router,
    ):
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestIdMiddleware)  # added last: outermost, so every line has it
    return app
