"""Xero's limits as the push engine meets them: the day limit pauses the connection until it
resets, and says so in the sync status; a 429 burst waits out Retry-After."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from syncsvc.push.worker import PushWorker
from tests.factories import customer, invoice
from tests.integration.sandbox_helpers import START, Linked, connected_tenant

SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "rounding_account": "860",
}


async def test_the_day_limit_pauses_the_connection_until_it_resets(link: Linked) -> None:
    tenant = await connected_tenant(link)
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(total="267.38"), headers=h)
    stats = (await link.browser.get("/xero/_control/stats")).json()
    # The day's budget ends after the contact is written: the invoice meets the day limit.
    await link.browser.put("/xero/_control/limits", json={"per_day": stats["requests"] + 1})
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    await worker.run_once()

    status = (await link.service.get("/v1/sync/status", headers=h)).json()
    assert status["records"]["customer"]["synced"] == 1
    assert status["records"]["invoice"]["pending"] == 1
    connection = status["connection"]
    # Xero's header said the day's budget is spent: the budget waits an hour, not knowing
    # when the day resets...
    assert "daily call limit reached" in connection["status_reason"]
    paused_until = datetime.fromisoformat(connection["paused_until"])
    assert paused_until <= link.clock() + timedelta(hours=1)

    # ...then one call finds out: Xero's 429 names the reset, and the connection waits for it.
    link.advance((paused_until - link.clock()).total_seconds() + 1)
    before = (await link.browser.get("/xero/_control/stats")).json()["requests"]
    assert await worker.run_once() == 0
    assert (await link.browser.get("/xero/_control/stats")).json()["requests"] == before + 1
    connection = (await link.service.get("/v1/sync/status", headers=h)).json()["connection"]
    assert "day" in connection["status_reason"]
    paused_until = datetime.fromisoformat(connection["paused_until"])
    assert START + timedelta(hours=23) < paused_until <= START + timedelta(days=1, minutes=1)

    link.advance(3600)  # still paused: nothing is tried
    before = (await link.browser.get("/xero/_control/stats")).json()["requests"]
    assert await worker.run_once() == 0
    assert (await link.browser.get("/xero/_control/stats")).json()["requests"] == before

    await link.browser.put("/xero/_control/limits", json={"per_day": 5000})  # a new day's budget
    link.advance((paused_until - link.clock()).total_seconds() + 1)
    assert await worker.run_once() == 1
    status = (await link.service.get("/v1/sync/status", headers=h)).json()
    assert status["records"]["invoice"]["synced"] == 1


async def test_a_429_burst_waits_out_retry_after_and_goes_on(link: Linked) -> None:
    tenant = await connected_tenant(link)
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.browser.put("/xero/_control/faults", json={"burst_429": 2})
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    assert await worker.run_once() == 0
    status = (await link.service.get("/v1/sync/status", headers=h)).json()
    assert "rate limited (minute)" in status["connection"]["status_reason"]
    paused_until = datetime.fromisoformat(status["connection"]["paused_until"])
    assert paused_until > link.clock()
    link.advance((paused_until - link.clock()).total_seconds())
    for _ in range(3):  # the second 429 of the burst pauses once more
        await worker.run_once()
        link.advance(60)
    status = (await link.service.get("/v1/sync/status", headers=h)).json()
    assert status["records"]["customer"]["synced"] == 1
