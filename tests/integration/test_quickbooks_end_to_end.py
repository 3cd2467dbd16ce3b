"""QuickBooks Online end to end through the host API: connect through the real OAuth flow,
settings, a customer, an invoice and its card payment pushed by the worker, then a payment
the bookkeeper receives in QuickBooks coming back as `payment.received` through the poller,
its webhook taken by the service."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from syncsvc.pull.poller import Poller
from syncsvc.push.worker import PushWorker
from tests.factories import customer, invoice, payment
from tests.integration.sandbox_helpers import (
    START,
    Linked,
    connected_tenant,
    linked,
    quickbooks_documents,
)

CONTROL = "/quickbooks/_control"
SETTINGS = {
    "payments_account": "1",  # Business Cheque Account
    "labour_income_account": "5",  # Sales
    "materials_income_account": "7",  # Materials Income
    "default_income_account": "6",  # Services: card surcharges land here
    "rounding_account": "5",
    "quickbooks": {"tax_codes": {"OUTPUT2": "1"}},  # the host's code -> GST 10%
}


@pytest.fixture
async def link(database_url: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, provider="quickbooks") as value:
        yield value


async def test_a_quickbooks_tenant_pushes_and_hears_back(link: Linked) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    h = tenant.headers
    connection = (await link.service.get("/v1/connection", headers=h)).json()
    assert connection["provider"] == "quickbooks"
    assert connection["organisation"]["name"] == "Sandbox Company AU"
    answer = await link.service.put("/v1/settings", json=SETTINGS, headers=h)
    assert answer.is_success, answer.text
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    # 2 x 95.00 + 42.50, GST 10% on each line: 255.75; the host says 255.76 (rounding).
    await link.service.put("/v1/invoices/inv-1", json=invoice(total="255.76"), headers=h)
    paid = payment(amount="100.00", reference="card 4242")
    await link.service.put("/v1/payments/pay-1", json=paid, headers=h)
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    await worker.run_once()
    for path in ("/v1/customers/cust-1", "/v1/invoices/inv-1", "/v1/payments/pay-1"):
        read = (await link.service.get(path, headers=h)).json()
        assert read["sync"]["state"] == "synced", (path, read["sync"])

    books = await quickbooks_documents(link)
    [ours] = [c for c in books["Customer"] if c.get("AcctNum") == "C-1001"]
    assert ours["DisplayName"] == "Harbour Cafe"
    [bill] = [i for i in books["Invoice"] if i.get("DocNumber") == "INV-1001"]
    assert Decimal(str(bill["TotalAmt"])) == Decimal("255.76")
    assert Decimal(str(bill["Balance"])) == Decimal("155.76")
    items = {i["Name"]: i["IncomeAccountRef"]["value"] for i in books["Item"]}
    assert items["Income: Sales (5)"] == "5"
    assert items["Income: Materials Income (7)"] == "7"
    [surcharge] = [i for i in books["Invoice"] if str(i.get("DocNumber")).startswith("INV-1001-SC")]
    assert Decimal(str(surcharge["Balance"])) == 0
    notes = sorted(str(p.get("PrivateNote")) for p in books["Payment"])
    assert len(notes) == 2  # the payment and its surcharge's, each carrying its key
    assert all(note.startswith("syncsvc:2026-11-21 pay-1") for note in notes)

    # The bookkeeper receives the rest in QuickBooks; the poller reports it.
    poller = Poller(
        state.sessions,
        state.providers,
        link.clock,
        interval=timedelta(minutes=5),
        rng=random.Random(2),
    )
    link.advance(331)
    await poller.run_once()
    before = (await link.service.get("/v1/events", headers=h)).json()["events"]
    seen = before[-1]["id"] if before else 0
    link.advance(60)
    received = await link.browser.post(
        f"{CONTROL}/invoices/INV-1001/payments",
        json={"amount": "155.76", "date": "2026-11-24", "deposit_account_id": "1"},
    )
    assert received.status_code == 200, received.text
    # QuickBooks' webhook for it is signed with the verifier token and taken.
    flushed = (await link.browser.post(f"{CONTROL}/webhooks/flush")).json()["deliveries"]
    assert flushed
    assert {d["status"] for d in flushed} == {200}
    link.advance(331)
    await poller.run_once()
    events = (await link.service.get("/v1/events", params={"after": seen}, headers=h)).json()
    kinds = [e["type"] for e in events["events"]]
    assert kinds.count("payment.received") == 1, kinds
    [news] = [e["data"] for e in events["events"] if e["type"] == "payment.received"]
    assert news["invoice_id"] == "inv-1"
    assert (news["amount"], news["date"], news["account_code"]) == ("155.76", "2026-11-24", "1")
    assert news["provider"]["payment_id"] == received.json()["Id"]
    assert "invoice.paid" in kinds


async def test_disconnecting_revokes_the_grant_at_quickbooks(link: Linked) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    store = link.sandbox.quickbooks.store
    grants = {token.grant.realm_id: token.grant for token in store.refresh_tokens.values()}
    assert [grant.revoked for grant in grants.values()] == [False]
    answer = await link.service.delete("/v1/connection", headers=tenant.headers)
    assert answer.status_code == 204
    assert [grant.revoked for grant in grants.values()] == [True]
    connection = (await link.service.get("/v1/connection", headers=tenant.headers)).json()
    assert connection["status"] == "not_connected"
