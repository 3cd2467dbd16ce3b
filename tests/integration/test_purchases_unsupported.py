"""A package that does not take suppliers, bills or expenses: each record waits `blocked` with
why, nothing is sent for it, the sales side goes on, and its poll reads no bills. Every
package with a sandbox takes purchases now or soon, so the engine's blocking is tested on
QuickBooks Online with its facts narrowed to the sales side."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from syncsvc.providers.base import SALES_KINDS
from syncsvc.providers.quickbooks.package import QuickBooksPackage
from syncsvc.pull.poller import Poller
from syncsvc.push.worker import PushWorker
from tests.factories import customer, expense, supplier, supplier_invoice
from tests.integration.sandbox_helpers import START, Linked, connected_tenant, linked

CONTROL = "/quickbooks/_control"
SETTINGS = {"payments_account": "1", "default_income_account": "5"}


@pytest.fixture
async def link(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, provider="quickbooks") as value:
        adapters = value.app.state.syncsvc.providers.adapters
        facts = adapters["quickbooks"].facts
        narrowed = replace(facts.capabilities, writes=SALES_KINDS)
        sales_only = QuickBooksPackage(replace(facts, capabilities=narrowed))
        monkeypatch.setitem(adapters, "quickbooks", sales_only)
        yield value


async def test_records_the_package_cannot_take_wait_blocked_saying_why(link: Linked) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/suppliers/sup-1", json=supplier(), headers=h)
    await link.service.put("/v1/supplier-invoices/bill-1", json=supplier_invoice(), headers=h)
    await link.service.put("/v1/expenses/exp-1", json=expense(), headers=h)
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    assert await worker.run_once() == 1  # the customer

    expected = {
        "/v1/suppliers/sup-1": "QuickBooks Online does not take suppliers yet",
        "/v1/supplier-invoices/bill-1": "QuickBooks Online does not take supplier invoices yet",
        "/v1/expenses/exp-1": "QuickBooks Online does not take expenses yet",
    }
    for path, why in expected.items():
        sync = (await link.service.get(path, headers=h)).json()["sync"]
        assert (sync["state"], sync["last_error"], sync["provider_id"]) == ("blocked", why, None)
        assert sync["next_attempt_at"] == "2026-11-23T15:00:00Z"  # looked at again in 6 hours
    before = (await link.browser.get(f"{CONTROL}/stats")).json()["requests"]
    assert await worker.run_once() == 0  # not due again yet: nothing read or sent
    poller = Poller(state.sessions, state.providers, link.clock, interval=timedelta(minutes=5))
    link.advance(331)
    await poller.run_once()
    after = (await link.browser.get(f"{CONTROL}/stats")).json()["requests"]
    documents = (await link.browser.get(f"{CONTROL}/documents")).json()
    vendors = {v["DisplayName"] for v in documents.get("Vendor", [])}
    assert "Plumbing Supplies Ltd" not in vendors
    assert after - before == 3  # payments, invoices, customers: no bills

    retried = await link.service.post("/v1/suppliers/sup-1/retry", headers=h)
    assert retried.status_code == 202
    await worker.run_once()
    sync = (await link.service.get("/v1/suppliers/sup-1", headers=h)).json()["sync"]
    assert sync["state"] == "blocked"
