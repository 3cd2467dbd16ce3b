"""The sandbox's state kept in a file: a restarted sandbox still knows its organisations, the
tokens it gave and the documents it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from fastapi import FastAPI

from syncsvc.sandbox.app import SandboxConfig, create_sandbox_app, keep_state
from syncsvc.sandbox.persistence import decode, encode
from tests.sandbox.conftest import API, BASIC, START, authorize


def sandbox_app(data_dir: Path) -> tuple[httpx.AsyncClient, FastAPI]:
    app = create_sandbox_app(SandboxConfig(auto_consent=True, clock_scale=0, start=START))
    keep_state(app, app.state.sandbox, data_dir)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s.test")
    return client, app


async def test_a_restart_keeps_organisations_tokens_and_documents(tmp_path: Path) -> None:
    http, app = sandbox_app(tmp_path)
    async with app.router.lifespan_context(app), http:
        token = await authorize(http)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        tenant_id = (await http.get("/xero/api/connections", headers=bearer)).json()[0]["tenantId"]
        made = await http.put(
            f"{API}/Contacts",
            json={"Contacts": [{"Name": "Harbour Cafe", "ContactNumber": "C-1"}]},
            headers={**bearer, "xero-tenant-id": tenant_id},
        )
        assert made.status_code == 200, made.text
    assert (tmp_path / "sandbox.json").exists()

    http, app = sandbox_app(tmp_path)
    async with app.router.lifespan_context(app), http:
        connections = await http.get("/xero/api/connections", headers=bearer)
        assert connections.status_code == 200, connections.text
        assert [c["tenantId"] for c in connections.json()] == [tenant_id]
        contacts = await http.get(
            f"{API}/Contacts", headers={**bearer, "xero-tenant-id": tenant_id}
        )
        assert [c["Name"] for c in contacts.json()["Contacts"]] == ["Harbour Cafe"]
        refreshed = await http.post(
            "/xero/identity/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            headers={"Authorization": BASIC},
        )
        assert refreshed.status_code == 200, refreshed.text


async def test_without_a_file_the_sandbox_starts_fresh(tmp_path: Path) -> None:
    http, app = sandbox_app(tmp_path)
    async with app.router.lifespan_context(app), http:
        stale = await http.get("/xero/api/connections", headers={"Authorization": "Bearer gone"})
        assert stale.status_code == 401


def test_values_json_lacks_come_back_as_they_were() -> None:
    value = {
        "at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        "amount": Decimal("115.00"),
        "lines": [{"n": 1, "nested": {"d": Decimal("0.10")}}],
        "none": None,
    }
    assert decode(encode(value)) == value
    assert str(decode(encode(value))["amount"]) == "115.00"
