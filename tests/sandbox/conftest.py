"""A sandbox in process and a Xero client holding a token for its default organisation."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from syncsvc.sandbox.app import Sandbox, SandboxConfig, build_sandbox, create_sandbox_app
from syncsvc.sandbox.xero.store import pkce_challenge

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BASIC = "Basic " + base64.b64encode(b"sandbox-client:sandbox-secret").decode()
API = "/xero/api/api.xro/2.0"


@dataclass
class XeroSession:
    http: httpx.AsyncClient
    sandbox: Sandbox
    tenant_id: str
    token: dict[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token['access_token']}",
            "xero-tenant-id": self.tenant_id,
        }

    async def get(
        self,
        resource: str,
        params: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.http.get(
            f"{API}/{resource}",
            params=params,  # type: ignore[arg-type]
            headers={**self.headers, **(headers or {})},
        )

    async def put(
        self,
        resource: str,
        body: object,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.http.put(
            f"{API}/{resource}",
            json=body,
            params=params,
            headers={**self.headers, **(headers or {})},
        )

    async def post(
        self, resource: str, body: object, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"{API}/{resource}", json=body, headers={**self.headers, **(headers or {})}
        )

    def control(self, path: str) -> str:
        return f"/xero/_control/{path}"


async def authorize(http: httpx.AsyncClient, verifier: str = "v" * 50) -> dict[str, str]:
    redirect = await http.get(
        "/xero/login/identity/connect/authorize",
        params={
            "response_type": "code",
            "client_id": "sandbox-client",
            "redirect_uri": "http://app.test/callback",
            "scope": "openid offline_access accounting.invoices",
            "state": "s1",
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        },
    )
    assert redirect.status_code == 302, redirect.text
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert query["state"] == ["s1"]
    token = await http.post(
        "/xero/identity/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": "http://app.test/callback",
            "code_verifier": verifier,
        },
        headers={"Authorization": BASIC},
    )
    assert token.status_code == 200, token.text
    return dict(token.json())


@pytest.fixture
async def xero() -> AsyncIterator[XeroSession]:
    app = create_sandbox_app(SandboxConfig(auto_consent=True, clock_scale=0, start=START))
    sandbox: Sandbox = app.state.sandbox
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as http:
        token = await authorize(http)
        tenant_id = next(iter(sandbox.xero.store.organisations))
        yield XeroSession(http, sandbox, tenant_id, token)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served_sandbox() -> Iterator[tuple[str, Any]]:
    """The whole sandbox served by uvicorn on a loopback port in a thread, for the providers'
    own SDKs (which make blocking HTTP calls): its base URL and the app."""
    app = create_sandbox_app(SandboxConfig(auto_consent=True, clock_scale=0, start=START))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)


__all__ = ["API", "BASIC", "START", "XeroSession", "authorize", "build_sandbox"]

from tests.sandbox.myob_session import myob  # noqa: E402 - MYOB's fixture, beside Xero's

__all__ += ["myob"]
