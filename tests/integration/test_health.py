"""Liveness, readiness, and the tenant admin route."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from syncsvc.app import create_app
from tests.conftest import ADMIN_TOKEN, make_settings


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
    assert ready.json()["schema_revision"] == ready.json()["expected_revision"]


async def test_readyz_is_503_before_migrations(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    app: FastAPI = create_app(make_settings(fresh_database(), tmp_path), migrate=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "migrations pending"
    assert answer.json()["schema_revision"] is None


async def test_create_tenant_returns_a_working_key_once(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/v1/tenants", json={"name": "Acme"}, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert answer.status_code == 201
    key = answer.json()["api_key"]
    assert key.startswith("sk_")
    status = await client.get("/v1/sync/status", headers={"Authorization": f"Bearer {key}"})
    assert status.status_code == 200


async def test_create_tenant_validates_its_body(client: httpx.AsyncClient) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert (await client.post("/v1/tenants", json={}, headers=admin)).status_code == 422
    assert (await client.post("/v1/tenants", json={"name": ""}, headers=admin)).status_code == 422
    wrong = {"Authorization": "Bearer not-the-admin-token"}
    assert (await client.post("/v1/tenants", json={"name": "x"}, headers=wrong)).status_code == 401
