"""/metrics speaks Prometheus' text format (prometheus-client, one registry per app), counts
by route template, not raw path, and each counter moves where its outcome is recorded."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from syncsvc.app import create_app
from syncsvc.config import Settings
from syncsvc.db import transaction, upgrade_to_head
from syncsvc.events.delivery import EventDeliverer
from syncsvc.events.repository import EventRepository
from syncsvc.kit.clock import FrozenClock
from syncsvc.push.worker import PushWorker
from tests.conftest import SERVICE_URL, create_tenant, make_settings
from tests.factories import customer, invoice
from tests.integration.sandbox_helpers import Linked, connected_tenant

SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "rounding_account": "860",
}


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in an exposition, or None when it is absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = re.escape(f"{name}{{{wanted}}}" if labels else name) + r" ([0-9.e+-]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return None if found is None else float(found.group(1))


async def test_metrics_count_answers_and_records(api: httpx.AsyncClient) -> None:
    await api.put("/v1/customers/secret-id-1", json=customer())
    await api.put("/v1/customers/secret-id-1", json=customer(version=0))
    text = (await api.get("/metrics")).text
    assert "# TYPE syncsvc_http_requests_total counter" in text
    route = "/v1/customers/{record_id}"
    assert sample(text, "syncsvc_http_requests_total", method="PUT", route=route, status="202")
    assert sample(
        text, "syncsvc_http_requests_total", method="PUT", route=route, status="202"
    ) == pytest.approx(1)
    assert sample(
        text, "syncsvc_http_requests_total", method="PUT", route=route, status="409"
    ) == pytest.approx(1)
    assert "# TYPE syncsvc_http_request_duration_seconds histogram" in text
    count = sample(
        text,
        "syncsvc_http_request_duration_seconds_count",
        method="PUT",
        route=route,
        status="202",
    )
    assert count == pytest.approx(1)
    assert 'syncsvc_http_request_duration_seconds_bucket{le="0.005",method="PUT"' in text
    assert "secret-id-1" not in text
    assert sample(text, "syncsvc_records", kind="customer", state="pending")


@pytest.fixture
def own_database(fresh_database: Callable[[], str]) -> str:
    """A database of this test's alone: the gauges read every tenant's rows."""
    url = fresh_database()
    upgrade_to_head(url)
    return url


@pytest.fixture
async def own_app(own_database: str, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(own_database, tmp_path), clock=clock, migrate=False)
    async with application.router.lifespan_context(application):
        yield application


async def test_the_queue_age_gauge_is_the_oldest_pending_per_kind(
    own_app: FastAPI, clock: FrozenClock
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=own_app), base_url=SERVICE_URL
    ) as client:
        tenant = await create_tenant(client)
        client.headers.update(tenant.headers)
        await client.put("/v1/customers/c1", json=customer())
        clock.advance(seconds=30)
        await client.put("/v1/customers/c2", json=customer())
        clock.advance(seconds=60)
        text = (await client.get("/metrics")).text
    age = "syncsvc_queue_oldest_pending_age_seconds"
    assert sample(text, age, kind="customer") == pytest.approx(90)
    assert sample(text, age, kind="invoice") == pytest.approx(0)
    assert sample(text, "syncsvc_records", kind="customer", state="pending") == pytest.approx(2)


async def test_each_app_counts_in_its_own_registry(
    settings: Settings, clock: FrozenClock, api: httpx.AsyncClient
) -> None:
    await api.get("/v1/sync/status")
    other = create_app(settings, clock=clock, migrate=False)
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url=SERVICE_URL) as c,
    ):
        text = (await c.get("/metrics")).text
    assert 'route="/v1/sync/status"' not in text


async def test_pushes_events_rate_limits_and_refreshes_are_counted(link: Linked) -> None:
    tenant = await connected_tenant(link)
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    line = {
        "kind": "labour",
        "description": "x",
        "quantity": "1",
        "unit_price": "10",
        "account_code": "999",
        "tax_code": "OUTPUT2",
    }
    await link.service.put("/v1/invoices/inv-1", json=invoice(lines=[line], total=None), headers=h)
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    await worker.run_once()
    text = (await link.service.get("/metrics")).text
    pushed = "syncsvc_records_pushed_total"
    assert sample(text, pushed, kind="customer", outcome="synced") == pytest.approx(1)
    assert sample(text, pushed, kind="invoice", outcome="failed") == pytest.approx(1)
    assert sample(text, "syncsvc_events_raised_total", type="sync.failed") == pytest.approx(1)
    assert sample(text, "syncsvc_token_refreshes_total") == pytest.approx(0)

    # A 429 from Xero is counted under the limit it names; the wait after it as paced.
    await link.service.put("/v1/customers/cust-2", json=customer(), headers=h)
    await link.browser.put("/xero/_control/faults", json={"burst_429": 1})
    await worker.run_once()
    text = (await link.service.get("/metrics")).text
    waits = "syncsvc_rate_limit_waits_total"
    assert sample(text, waits, provider="xero", scope="minute") == pytest.approx(1)

    link.advance(31 * 60)  # past the access token's 30 minutes
    await state.providers.tokens.active(uuid.UUID(tenant.id))
    text = (await link.service.get("/metrics")).text
    assert sample(text, "syncsvc_token_refreshes_total") == pytest.approx(1)


async def test_pacing_waits_are_counted(link: Linked) -> None:
    hub = link.app.state.syncsvc.providers
    budget = hub.budget("xero", "org-paced")
    for _ in range(budget.limits.per_minute + 1):
        async with budget.slot():
            pass
    text = (await link.service.get("/metrics")).text
    waits = "syncsvc_rate_limit_waits_total"
    assert sample(text, waits, provider="xero", scope="paced") == pytest.approx(1)
    assert sample(text, "syncsvc_rate_limit_wait_seconds_total", provider="xero") == (
        pytest.approx(60)
    )


async def test_deliveries_are_counted_by_outcome(settings: Settings, clock: FrozenClock) -> None:
    answers = iter([500, 200])

    def host(_: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers))

    application = create_app(
        settings, clock=clock, migrate=False, host_transport=httpx.MockTransport(host)
    )
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url=SERVICE_URL
        ) as client,
    ):
        tenant = await create_tenant(client)
        webhook = {"url": "https://host.example/hook", "secret": "s" * 32}
        assert (await client.put("/v1/webhook", json=webhook, headers=tenant.headers)).is_success
        state = application.state.syncsvc
        async with transaction(state.sessions) as session:
            await EventRepository(session, uuid.UUID(tenant.id)).append(
                "payment.received", {"n": 1}, clock()
            )
        deliverer = EventDeliverer(
            state.sessions, state.cipher, state.host_http, clock, rng=random.Random(2)
        )
        await deliverer.deliver(uuid.UUID(tenant.id))
        clock.advance(hours=1)
        await deliverer.deliver(uuid.UUID(tenant.id))
        text = (await client.get("/metrics")).text
    deliveries = "syncsvc_webhook_deliveries_total"
    assert sample(text, deliveries, outcome="failed") == pytest.approx(1)
    assert sample(text, deliveries, outcome="delivered") == pytest.approx(1)
    assert sample(text, "syncsvc_events_raised_total", type="payment.received") == (
        pytest.approx(1)
    )
