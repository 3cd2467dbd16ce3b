"""The service wired to an in-process sandbox, and the consent dance over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from syncsvc.app import create_app
from syncsvc.config import WorkerSettings
from syncsvc.kit.clock import FrozenClock
from syncsvc.sandbox.app import Sandbox, SandboxConfig, build_sandbox
from tests.conftest import SANDBOX_URL, SERVICE_URL, TenantHandle, create_tenant, make_settings

WEBHOOK_KEY = "sandbox-webhook-key"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the service's and the sandbox's clocks


@dataclass
class Linked:
    app: FastAPI
    service: httpx.AsyncClient
    browser: httpx.AsyncClient  # speaks to the sandbox, as the user's browser would
    sandbox: Sandbox
    clock: FrozenClock

    def advance(self, seconds: float) -> None:
        """Move the service's and the sandbox's clocks together."""
        self.clock.advance(seconds=seconds)
        self.sandbox.config.clock.advance(seconds)


@asynccontextmanager
async def linked(
    database_url: str,
    data_dir: Path,
    start: datetime,
    *,
    worker: bool = False,
    provider: str = "xero",
) -> AsyncIterator[Linked]:
    """`worker`: run the push loop in the app, woken by accepted changes (the scheduler's
    safety net set to an hour, so only wake-ups push). `provider`: the package whose
    sandbox is mounted (`xero` or `quickbooks`), its webhooks signed with WEBHOOK_KEY."""
    sandbox = build_sandbox(SandboxConfig(auto_consent=True, clock_scale=0, start=start))
    sandbox_app = FastAPI()
    sandbox_app.include_router(
        sandbox.quickbooks.router if provider == "quickbooks" else sandbox.xero.router
    )
    transport = httpx.ASGITransport(app=sandbox_app)
    clock = FrozenClock(start)

    async def sleep(seconds: float) -> None:
        """The push engine's waits for its call budget pass on both clocks, at once."""
        clock.advance(seconds=seconds)
        sandbox.config.clock.advance(seconds)

    settings = make_settings(database_url, data_dir, sandbox_url=SANDBOX_URL)
    settings = replace(
        settings,
        providers=settings.providers.model_copy(
            update={f"{provider}_webhook_key": SecretStr(WEBHOOK_KEY)}
        ),
    )
    if worker:
        settings = replace(
            settings, worker=WorkerSettings(worker_enabled=True, push_interval_seconds=3600)
        )
    app = create_app(settings, clock=clock, migrate=False, http_transport=transport, sleep=sleep)
    service_transport = httpx.ASGITransport(app=app)
    # The package's webhooks reach the service as they would over the network.
    if provider == "quickbooks":
        hooks = sandbox.quickbooks.webhooks
        hooks.transport = service_transport
        hooks.url = f"{SERVICE_URL}/webhooks/quickbooks"
        sandbox.quickbooks.store.apps[hooks.client_id].verifier_token = WEBHOOK_KEY
    else:
        sandbox.xero.webhooks.transport = service_transport
        sandbox.xero.webhooks.url = f"{SERVICE_URL}/webhooks/xero"
        sandbox.xero.webhooks.key = WEBHOOK_KEY
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=service_transport, base_url=SERVICE_URL) as service,
        httpx.AsyncClient(transport=transport, base_url=SANDBOX_URL) as browser,
    ):
        yield Linked(app, service, browser, sandbox, clock)


async def consent(link: Linked, tenant: TenantHandle, provider: str = "xero") -> httpx.Response:
    """Ask for the consent URL, give consent at the sandbox, follow the redirect back."""
    answer = await link.service.get(
        "/v1/connection/authorize", params={"provider": provider}, headers=tenant.headers
    )
    assert answer.status_code == 200, answer.text
    redirect = await link.browser.get(answer.json()["authorize_url"])
    assert redirect.status_code == 302, redirect.text
    callback = urlsplit(redirect.headers["location"])
    return await link.service.get(f"{callback.path}?{callback.query}")


async def connected_tenant(link: Linked, provider: str = "xero") -> TenantHandle:
    tenant = await create_tenant(link.service)
    answer = await consent(link, tenant, provider)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "active"
    return tenant


async def quickbooks_documents(link: Linked) -> dict[str, list[dict[str, Any]]]:
    """Every entity of the sandbox's QuickBooks company, by entity."""
    answer = await link.browser.get("/quickbooks/_control/documents")
    assert answer.status_code == 200
    documents: dict[str, list[dict[str, Any]]] = answer.json()
    return documents
