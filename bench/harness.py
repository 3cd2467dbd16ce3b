"""What the push, pull and reconcile benchmarks share: the service and one package's
in-process sandbox (Xero by default; `packages.py` says what differs) wired together on one
emulated clock, and a tenant connected through OAuth."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from packages import PACKAGES, XERO, Package  # bench/ is first on sys.path
from syncsvc.app import create_app
from syncsvc.config import (
    ApiSettings,
    DatabaseSettings,
    ProviderSettings,
    RuntimeSettings,
    SecuritySettings,
    Settings,
    WorkerSettings,
)
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import FrozenClock
from syncsvc.sandbox.app import Sandbox, SandboxConfig, build_sandbox
from virtual_time import LatentTransport, VirtualTime

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SERVICE = "http://syncsvc.bench"
SANDBOX = "http://sandbox.bench"
ADMIN = "bench-admin-token"
WEBHOOK_KEY = "bench-webhook-key"


@dataclass
class Bench:
    app: FastAPI
    service: httpx.AsyncClient
    browser: httpx.AsyncClient
    sandbox: Sandbox
    clock: FrozenClock
    sandbox_app: Any  # the sandbox's ASGI app, as `wrap_sandbox` made it
    database_url: str
    package: Package

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        self.sandbox.config.clock.advance(seconds)

    async def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = (await self.browser.get(f"{self.package.control}/stats")).json()
        return answer

    async def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call to the sandbox's control surface (`path` under `{control}/`)."""
        return await self.browser.request(method, f"{self.package.control}/{path}", **kwargs)

    async def connect(self, name: str) -> dict[str, str]:
        created = await self.service.post(
            "/v1/tenants", json={"name": name}, headers={"Authorization": f"Bearer {ADMIN}"}
        )
        created.raise_for_status()
        headers = {"Authorization": f"Bearer {created.json()['api_key']}"}
        authorize = await self.service.get(
            "/v1/connection/authorize", params={"provider": self.package.name}, headers=headers
        )
        redirect = await self.browser.get(authorize.json()["authorize_url"])
        callback = urlsplit(redirect.headers["location"])
        (await self.service.get(f"{callback.path}?{callback.query}")).raise_for_status()
        answer = await self.service.put("/v1/settings", json=self.package.settings, headers=headers)
        assert answer.is_success, answer.text
        return headers

    async def send(self, headers: dict[str, str], operations: list[dict[str, Any]]) -> None:
        for start in range(0, len(operations), 1000):
            answer = await self.service.post(
                "/v1/batch", json={"operations": operations[start : start + 1000]}, headers=headers
            )
            answer.raise_for_status()
            assert answer.json()["summary"]["refused"] == 0, answer.text


@asynccontextmanager
async def bench(
    database_url: str | None = None,
    wrap_sandbox: Callable[[FastAPI], Any] | None = None,
    *,
    latency: float | None = None,
    package: Package = XERO,
) -> AsyncIterator[Bench]:
    """`wrap_sandbox`: wraps the sandbox's ASGI app (to measure it, say). `latency`: each
    call takes this many emulated seconds, and many connections' waits overlap (virtual
    time); None: waits pass at once, one after another (enough for one connection).
    `package`: whose sandbox the service talks to."""
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        sandbox = build_sandbox(SandboxConfig(auto_consent=True, clock_scale=0, start=START))
        sandbox_app = FastAPI()
        sandbox_app.include_router(package.router(sandbox))
        served = wrap_sandbox(sandbox_app) if wrap_sandbox else sandbox_app
        transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=served)
        url = database_url or f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
        clock = FrozenClock(START)

        def advance(seconds: float) -> None:
            clock.advance(seconds=seconds)
            sandbox.config.clock.advance(seconds)

        async def sleep(seconds: float) -> None:  # waits for the call budget: emulated time
            advance(seconds)

        virtual = None
        if latency is not None:
            virtual = VirtualTime(clock, advance)
            sleep = virtual.sleep
            transport = LatentTransport(transport, virtual, latency)

        settings = Settings(
            runtime=RuntimeSettings(
                env="test", data_dir=data_dir, log_format="text", log_level="WARNING"
            ),
            database=DatabaseSettings(database_url=url),
            security=SecuritySettings(
                admin_token=SecretStr(ADMIN), secret_key=SecretStr(TokenCipher.generate_key())
            ),
            api=ApiSettings(max_body_bytes=8 * 1024 * 1024, public_url=SERVICE),
            providers=ProviderSettings(
                sandbox_url=SANDBOX, **{package.webhook_key_setting: SecretStr(WEBHOOK_KEY)}
            ),
            worker=WorkerSettings(worker_enabled=False),
        )
        app = create_app(settings, clock=clock, migrate=True, http_transport=transport, sleep=sleep)
        service_transport = httpx.ASGITransport(app=app)
        package.wire_webhooks(sandbox, service_transport, SERVICE, WEBHOOK_KEY)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=service_transport, base_url=SERVICE) as service,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=served), base_url=SANDBOX
            ) as browser,
        ):
            if virtual is not None:
                virtual.watch(app.state.syncsvc.engine)
            yield Bench(app, service, browser, sandbox, clock, served, url, package)


def calls_by_route(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    """The calls made between two readings of the sandbox's stats, by route."""
    old = before["by_route"]
    return {
        route: count - old.get(route, 0)
        for route, count in sorted(after["by_route"].items())
        if count != old.get(route, 0)
    }


def add_package_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--provider", choices=sorted(PACKAGES), default=XERO.name, help="the package's sandbox"
    )
