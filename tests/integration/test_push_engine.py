"""The push engine end to end: host API in, Xero sandbox out, each record exactly once."""

from __future__ import annotations

import random

from syncsvc.push.worker import PushWorker
from tests.conftest import TenantHandle
from tests.factories import customer, invoice, payment
from tests.integration.sandbox_helpers import Linked, connected_tenant

SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "rounding_account": "860",
}


async def ready(link: Linked) -> tuple[TenantHandle, PushWorker]:
    tenant = await connected_tenant(link)
    answer = await link.service.put("/v1/settings", json=SETTINGS, headers=tenant.headers)
    assert answer.status_code == 200
    state = link.app.state.syncsvc
    return tenant, PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))


def books(link: Linked) -> object:
    return next(iter(link.sandbox.xero.store.organisations.values())).documents


async def test_customers_invoices_and_payments_reach_xero_once(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    # 2 x 95.00 and 42.50 at 15%, taxed per line: 28.50 + 6.38 (6.375) = 34.88.
    await link.service.put("/v1/invoices/inv-1", json=invoice(total="267.38"), headers=h)
    paid = payment(amount="267.38", surcharge="0")
    await link.service.put("/v1/payments/pay-1", json=paid, headers=h)
    assert await worker.run_once() == 3

    ledger = books(link)
    [contact] = ledger.contacts.values()  # type: ignore[attr-defined]
    assert contact["ContactNumber"] == "C-1001"
    [xero_invoice] = ledger.invoices.values()  # type: ignore[attr-defined]
    assert str(xero_invoice["Total"]) == "267.38"
    assert xero_invoice["Status"] == "PAID"
    assert xero_invoice["Reference"] == "J-77"
    status = (await link.service.get("/v1/sync/status", headers=h)).json()
    assert status["records"]["invoice"]["synced"] == 1
    read = (await link.service.get("/v1/invoices/inv-1", headers=h)).json()
    assert read["sync"]["provider_id"] == xero_invoice["InvoiceID"]

    # Nothing due: nothing sent. An update is an update, not a second invoice.
    assert await worker.run_once() == 0
    await link.service.put(
        "/v1/customers/cust-1", json=customer(version=2, phone="+64 1"), headers=h
    )
    assert await worker.run_once() == 1
    assert len(ledger.contacts) == 1  # type: ignore[attr-defined]


async def test_refusals_keep_xeros_words_and_block_what_depends(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    bad = invoice(
        lines=[
            {
                "kind": "labour",
                "description": "x",
                "quantity": "1",
                "unit_price": "10",
                "account_code": "999",
                "tax_code": "OUTPUT2",
            }
        ],
        total=None,
    )
    await link.service.put("/v1/invoices/inv-1", json=bad, headers=h)
    await link.service.put("/v1/payments/pay-1", json=payment(surcharge="0"), headers=h)
    await worker.run_once()
    read = (await link.service.get("/v1/invoices/inv-1", headers=h)).json()
    assert read["sync"]["state"] == "failed"
    assert read["sync"]["last_error"] == "Account must be valid."
    blocked = (await link.service.get("/v1/payments/pay-1", headers=h)).json()
    assert blocked["sync"]["state"] == "blocked"
    assert "Account must be valid." in blocked["sync"]["last_error"]
    events = (await link.service.get("/v1/events", headers=h)).json()["events"]
    assert [(e["type"], e["data"]["id"]) for e in events] == [("sync.failed", "inv-1")]


async def test_lost_answers_never_make_duplicates(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await worker.run_once()
    for lookup in ("tax-rates", "accounts"):  # cached now: only the writes are lost
        await link.service.get(f"/v1/lookups/{lookup}", headers=h)
    for n in range(5):
        body = invoice(number=f"INV-{n}", total=None)
        await link.service.put(f"/v1/invoices/inv-{n}", json=body, headers=h)
    await link.browser.put("/xero/_control/faults", json={"lost_rate": 1.0})
    assert await worker.run_once() == 0  # applied in Xero, but the answer was lost
    assert len(books(link).invoices) == 5  # type: ignore[attr-defined]
    uncertain = (await link.service.get("/v1/invoices/inv-0", headers=h)).json()
    assert uncertain["sync"]["state"] == "pending"
    assert uncertain["sync"]["attempts"] == 1
    await link.browser.put("/xero/_control/faults", json={"lost_rate": 0.0})
    link.advance(7 * 60)  # past Xero's idempotency window, and past the backoff
    link.advance(3600)
    await worker.run_once()
    await worker.run_once()
    ledger = books(link)
    assert len(ledger.contacts) == 1  # type: ignore[attr-defined]
    assert sorted(i["InvoiceNumber"] for i in ledger.invoices.values()) == [  # type: ignore[attr-defined]
        f"INV-{n}" for n in range(5)
    ]
    status = (await link.service.get("/v1/sync/status", headers=h)).json()
    assert status["records"]["invoice"]["synced"] == 5


async def test_locked_period_is_reported_with_xeros_words(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.browser.put("/xero/_control/lock-date", json={"date": "2026-11-30"})
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(total=None), headers=h)
    await worker.run_once()
    read = (await link.service.get("/v1/invoices/inv-1", headers=h)).json()
    assert read["sync"]["state"] == "failed"
    assert "period lock date" in read["sync"]["last_error"]
