"""QuickBooks' 40 batch calls a minute as the push engine meets them: the worker paces its
`/batch` calls within that minute itself, so the sandbox, enforcing it, never refuses."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from syncsvc.push.worker import PushWorker
from tests.integration.sandbox_helpers import START, Linked, connected_tenant, linked

CONTROL = "/quickbooks/_control"
SETTINGS = {
    "payments_account": "1",
    "labour_income_account": "5",
    "materials_income_account": "7",
    "rounding_account": "6",
    "quickbooks": {"tax_codes": {"OUTPUT2": "1"}},
}
CUSTOMERS = 40 * 30 + 1  # one more than 40 full batches: a 41st batch call


@pytest.fixture
async def link(database_url: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, provider="quickbooks") as value:
        yield value


async def test_the_forty_first_batch_call_waits_for_the_next_minute(link: Linked) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    operations = [
        {
            "kind": "customer",
            "id": f"cust-{n}",
            "data": {"version": 1, "name": f"Customer {n}", "customer_number": f"C-{n}"},
        }
        for n in range(CUSTOMERS)
    ]
    for start in range(0, CUSTOMERS, 1000):
        answer = await link.service.post(
            "/v1/batch", json={"operations": operations[start : start + 1000]}, headers=h
        )
        assert answer.json()["summary"]["refused"] == 0
    limits = (await link.browser.put(f"{CONTROL}/limits", json={"enabled": True})).json()
    assert limits["batch_per_minute"] == 40
    before = (await link.browser.get(f"{CONTROL}/stats")).json()
    started = link.clock()
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    while await worker.run_once():
        pass

    after = (await link.browser.get(f"{CONTROL}/stats")).json()
    status = (await link.service.get("/v1/sync/status", headers=h)).json()
    assert status["records"]["customer"]["synced"] == CUSTOMERS
    assert after["by_route"]["POST /batch"] - before["by_route"].get("POST /batch", 0) == 41
    assert after["throttled"] == before["throttled"]  # never refused: the engine waited
    # 40 batch calls in the first minute; the 41st a minute after the first.
    waited = (link.clock() - started).total_seconds()
    assert 60 <= waited < 70
