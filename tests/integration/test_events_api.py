"""The events feed: a rising per-tenant cursor, pages, and isolation."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.kit.clock import utcnow
from tests.conftest import TenantHandle, create_tenant


async def append(app: FastAPI, tenant: TenantHandle, count: int) -> None:
    state = app.state.syncsvc
    async with transaction(state.sessions) as session:
        repository = EventRepository(session, uuid.UUID(tenant.id))
        for n in range(count):
            await repository.append("payment.received", {"n": n}, utcnow())


async def test_feed_is_empty_at_first(api: httpx.AsyncClient) -> None:
    assert (await api.get("/v1/events")).json() == {"events": [], "next_after": 0}


async def test_feed_pages_in_order_with_a_cursor(
    app: FastAPI, client: httpx.AsyncClient, tenant: TenantHandle
) -> None:
    other = await create_tenant(client, "Other")
    await append(app, tenant, 5)
    await append(app, other, 2)
    await append(app, tenant, 1)

    page = (await client.get("/v1/events?limit=4", headers=tenant.headers)).json()
    assert [e["id"] for e in page["events"]] == [1, 2, 3, 4]
    assert page["events"][0]["type"] == "payment.received"
    assert page["events"][0]["data"] == {"n": 0}
    rest = (
        await client.get(f"/v1/events?after={page['next_after']}", headers=tenant.headers)
    ).json()
    assert [e["id"] for e in rest["events"]] == [5, 6]
    done = (
        await client.get(f"/v1/events?after={rest['next_after']}", headers=tenant.headers)
    ).json()
    assert done == {"events": [], "next_after": 6}

    theirs = (await client.get("/v1/events", headers=other.headers)).json()
    assert [e["id"] for e in theirs["events"]] == [1, 2]
