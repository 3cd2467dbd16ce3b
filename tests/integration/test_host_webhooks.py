"""Events delivered to the host's webhook: signed, in order, at least once, through failures."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from syncsvc.app import create_app
from syncsvc.config import Settings
from syncsvc.db import transaction
from syncsvc.events.delivery import EventDeliverer
from syncsvc.events.repository import EventRepository
from syncsvc.events.retention import drop_expired
from syncsvc.kit.clock import FrozenClock
from tests.conftest import SERVICE_URL, TenantHandle, create_tenant

SECRET = "a-host-signing-secret"
RECEIVER = "http://host.example/hooks/syncsvc"


@dataclass
class Receiver:
    """The host's endpoint: fails with 500 while `failing`, records what it took."""

    failing: int = 0
    taken: list[dict[str, Any]] = field(default_factory=list)
    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        receiver = FastAPI()

        @receiver.post("/hooks/syncsvc")
        async def take(request: Request) -> Response:
            body = await request.body()
            self.seen.append((dict(request.headers), body))
            if self.failing > 0:
                self.failing -= 1
                return Response("down for maintenance", status_code=500)
            self.taken.append(json.loads(body))
            return Response(status_code=204)

        return receiver


@dataclass
class Host:
    app: FastAPI
    client: httpx.AsyncClient
    receiver: Receiver
    clock: FrozenClock
    deliverer: EventDeliverer


@pytest.fixture
async def host(settings: Settings, clock: FrozenClock) -> AsyncIterator[Host]:
    receiver = Receiver()
    application = create_app(
        settings,
        clock=clock,
        migrate=False,
        host_transport=httpx.ASGITransport(app=receiver.app()),
    )
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url=SERVICE_URL
        ) as client,
    ):
        state = application.state.syncsvc
        deliverer = EventDeliverer(
            state.sessions, state.cipher, state.host_http, clock, rng=random.Random(4)
        )
        yield Host(application, client, receiver, clock, deliverer)


async def raise_events(host: Host, tenant: TenantHandle, count: int) -> None:
    state = host.app.state.syncsvc
    async with transaction(state.sessions) as session:
        events = EventRepository(session, uuid.UUID(tenant.id))
        for n in range(count):
            await events.append("payment.received", {"n": n}, host.clock())


async def test_deliveries_are_signed_and_in_order_through_an_outage(host: Host) -> None:
    tenant = await create_tenant(host.client)
    await raise_events(host, tenant, 1)  # before the webhook: not delivered by default
    answer = await host.client.put(
        "/v1/webhook", json={"url": RECEIVER, "secret": SECRET}, headers=tenant.headers
    )
    assert answer.status_code == 200, answer.text
    assert "secret" not in answer.json()
    assert answer.json()["delivered_through"] == 1

    host.receiver.failing = 3
    await raise_events(host, tenant, 4)
    for _ in range(10):
        await host.deliverer.run_once()
        host.clock.advance(minutes=10)
    assert [e["id"] for e in host.receiver.taken] == [2, 3, 4, 5]  # all, once, in order
    assert [e["data"]["n"] for e in host.receiver.taken] == [0, 1, 2, 3]

    headers, body = host.receiver.seen[-1]
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["x-syncsvc-signature"].split(",")
    )
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    assert headers["x-syncsvc-event-id"] == "5"

    deliveries = (await host.client.get("/v1/webhook/deliveries", headers=tenant.headers)).json()
    outcomes = [(d["event_id"], d["outcome"], d["status_code"]) for d in deliveries["deliveries"]]
    assert outcomes[::-1] == [
        (2, "failed", 500),
        (2, "failed", 500),
        (2, "failed", 500),
        (2, "delivered", 204),
        (3, "delivered", 204),
        (4, "delivered", 204),
        (5, "delivered", 204),
    ]
    state = (await host.client.get("/v1/webhook", headers=tenant.headers)).json()
    assert state["delivered_through"] == 5
    assert state["attempts"] == 0


async def test_an_event_is_given_up_after_a_day_and_the_rest_go_on(host: Host) -> None:
    tenant = await create_tenant(host.client)
    await host.client.put(
        "/v1/webhook", json={"url": RECEIVER, "secret": SECRET}, headers=tenant.headers
    )
    host.receiver.failing = 10_000
    await raise_events(host, tenant, 2)
    await host.deliverer.run_once()
    state = (await host.client.get("/v1/webhook", headers=tenant.headers)).json()
    assert state["failing_since"] is not None
    assert state["next_attempt_at"] is not None
    host.clock.advance(hours=25)
    await host.deliverer.run_once()  # still failing, and both were raised over a day ago
    host.receiver.failing = 0
    await raise_events(host, tenant, 1)
    host.clock.advance(hours=1)
    await host.deliverer.run_once()
    deliveries = (await host.client.get("/v1/webhook/deliveries", headers=tenant.headers)).json()
    latest = [(d["event_id"], d["outcome"]) for d in deliveries["deliveries"]][:3]
    assert latest == [(3, "delivered"), (2, "abandoned"), (1, "abandoned")]
    assert [e["id"] for e in host.receiver.taken] == [3]
    events = (await host.client.get("/v1/events", headers=tenant.headers)).json()["events"]
    assert [e["id"] for e in events] == [1, 2, 3]  # given up on the webhook, still in the feed


async def test_one_tenant_never_sees_anothers_webhook(host: Host) -> None:
    first = await create_tenant(host.client, "First")
    second = await create_tenant(host.client, "Second")
    await host.client.put(
        "/v1/webhook", json={"url": RECEIVER, "secret": SECRET}, headers=first.headers
    )
    assert (await host.client.get("/v1/webhook", headers=second.headers)).status_code == 404
    assert (await host.client.delete("/v1/webhook", headers=second.headers)).status_code == 404
    assert (await host.client.get("/v1/webhook", headers=first.headers)).status_code == 200


async def test_a_bad_url_or_short_secret_is_refused(host: Host) -> None:
    tenant = await create_tenant(host.client)
    answer = await host.client.put(
        "/v1/webhook", json={"url": "not a url", "secret": "short"}, headers=tenant.headers
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"url", "secret"}


async def test_old_events_are_dropped_but_ids_keep_rising(host: Host) -> None:
    tenant = await create_tenant(host.client)
    await raise_events(host, tenant, 3)
    host.clock.advance(days=31)
    state = host.app.state.syncsvc
    assert await drop_expired(state.sessions, host.clock, timedelta(days=30)) >= 2
    await raise_events(host, tenant, 1)
    events = (await host.client.get("/v1/events", headers=tenant.headers)).json()["events"]
    assert [e["id"] for e in events] == [3, 4]
