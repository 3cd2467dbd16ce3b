"""The sandbox app: every emulated accounting package under its own prefix (`/xero`, ...).

Each real host becomes a path prefix, so a real URL maps to the sandbox mechanically:
`https://login.xero.com/x` -> `{sandbox}/xero/login/x`, `https://api.xero.com/x` ->
`{sandbox}/xero/api/x` (see `syncsvc.providers.base.sandbox_address`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.myob.app import MyobSandbox, build_myob
from syncsvc.sandbox.paths import CaseInsensitivePaths
from syncsvc.sandbox.persistence import FILE_NAME, Persistent, SandboxFile, kept_while_running
from syncsvc.sandbox.quickbooks.app import QuickBooksSandbox, build_quickbooks
from syncsvc.sandbox.xero.app import XeroSandbox, build_xero


@dataclass
class SandboxConfig:
    auto_consent: bool = False
    clock_scale: float = 1.0
    start: datetime | None = None
    limits: bool = True
    seed: int = 0
    # Where webhook deliveries go through (tests: the service's ASGI app); None: the network.
    webhook_transport: httpx.AsyncBaseTransport | None = None
    clock: ScaledClock = field(init=False)

    def __post_init__(self) -> None:
        self.clock = ScaledClock(self.start, self.clock_scale)


@dataclass
class Sandbox:
    config: SandboxConfig
    xero: XeroSandbox
    quickbooks: QuickBooksSandbox
    myob: MyobSandbox

    def emulators(self) -> dict[str, Persistent]:
        """Each emulator whose state is kept, by name (QuickBooks and MYOB keep none yet)."""
        return {"xero": self.xero}


def keep_state(app: FastAPI, sandbox: Sandbox, data_dir: Path) -> Path:
    """Keep the sandbox's state in `data_dir` while `app` runs: restored at start, written
    on change and at shutdown. Returns the file's path."""
    store = SandboxFile(data_dir.resolve() / FILE_NAME, sandbox.emulators())
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with kept_while_running(store), inner(application) as state:
            yield state

    app.router.lifespan_context = lifespan
    return store.path


def build_sandbox(config: SandboxConfig | None = None) -> Sandbox:
    config = config or SandboxConfig()
    xero = build_xero(config.clock, lambda: config.auto_consent, config.webhook_transport)
    xero.traffic.limits.enabled = config.limits
    xero.traffic.faults.configure({"seed": config.seed})
    quickbooks = build_quickbooks(
        config.clock, lambda: config.auto_consent, config.webhook_transport
    )
    quickbooks.traffic.limits.enabled = config.limits
    quickbooks.traffic.faults.configure({"seed": config.seed})
    myob = build_myob(config.clock, lambda: config.auto_consent)
    myob.traffic.key_limits.enabled = config.limits
    myob.traffic.faults.configure({"seed": config.seed})
    return Sandbox(config, xero, quickbooks, myob)


def mount_sandbox(app: FastAPI, sandbox: Sandbox) -> None:
    """Serve the sandbox's routes from `app` (used by `syncsvc serve --sandbox`)."""
    app.include_router(sandbox.xero.router)
    app.include_router(sandbox.quickbooks.router)
    app.include_router(sandbox.myob.router)
    # Xero's own hosts (api, login, identity) answer any letter case; the control surface
    # is the sandbox's own and keeps its spelling.
    xero_hosts = ("/xero/api/", "/xero/login/", "/xero/identity/")
    app.add_middleware(CaseInsensitivePaths, paths=sandbox.xero.paths, prefixes=xero_hosts)


def create_sandbox_app(config: SandboxConfig | None = None) -> FastAPI:
    sandbox = build_sandbox(config)
    app = FastAPI(title="syncsvc sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    mount_sandbox(app, sandbox)
    app.state.sandbox = sandbox
    return app
