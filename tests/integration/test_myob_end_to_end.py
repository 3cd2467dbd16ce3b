"""MYOB Business end to end through the host API, for an AccountRight and an Essentials
company file alike: connect through MYOB's OAuth (the company file named on the redirect),
push a customer, invoices, a card payment with its surcharge and a credit note applied to an
invoice; then what the bookkeeper does in MYOB comes back through the poller (MYOB has no
webhooks): a payment received, that payment deleted (found by reading it again), a customer
renamed; customers imported; and a reconciliation that finds an edited invoice and fixes it."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from syncsvc.pull.poller import Poller
from syncsvc.push.worker import PushWorker
from tests.conftest import TenantHandle
from tests.factories import credit_note, customer, invoice, line, payment
from tests.integration.sandbox_helpers import START, Linked, connected_tenant, linked
from tests.integration.test_reconciliation import reconcile

CONTROL = "/myob/_control"
SETTINGS = {
    "payments_account": "1-1110",  # Business Bank Account
    "labour_income_account": "4-1000",  # Sales - Services
    "materials_income_account": "4-1100",  # Sales - Parts
    "default_income_account": "4-1200",  # card surcharges land here
    "rounding_account": "4-2000",  # Freight Collected: apart from every income line
}
GST = {"tax_code": "GST"}


@pytest.fixture(params=["AccountRight", "Essentials"])
async def link(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, provider="myob") as value:
        store = value.sandbox.myob.store
        chosen = next(f for f in store.company_files.values() if f.product == request.param)
        store.consent_business = chosen.uid
        yield value


def _business(link: Linked) -> dict[str, str]:
    return {"business_id": link.sandbox.myob.store.consent_business}


async def _documents(link: Linked) -> dict[str, Any]:
    answer = await link.browser.get(f"{CONTROL}/documents", params=_business(link))
    assert answer.status_code == 200
    documents: dict[str, Any] = answer.json()
    return documents


async def _events_after(link: Linked, tenant: TenantHandle, seen: int) -> list[dict[str, Any]]:
    answer = await link.service.get("/v1/events", params={"after": seen}, headers=tenant.headers)
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


async def _last_event(link: Linked, tenant: TenantHandle) -> int:
    events = await _events_after(link, tenant, 0)
    return int(events[-1]["id"]) if events else 0


async def _deleted_in_myob(
    link: Linked, tenant: TenantHandle, poller: Poller, payment_id: str, seen: int
) -> list[dict[str, Any]]:
    """The MYOB user deletes a payment; the next poll's `payment.deleted` events."""
    deleted = await link.browser.delete(f"{CONTROL}/payments/{payment_id}", params=_business(link))
    assert deleted.status_code == 200, deleted.text
    link.advance(331)
    await poller.run_once()
    events = await _events_after(link, tenant, seen)
    return [e["data"] for e in events if e["type"] == "payment.deleted"]


async def _push_everything(link: Linked, tenant: TenantHandle) -> None:
    h = tenant.headers
    answer = await link.service.put("/v1/settings", json=SETTINGS, headers=h)
    assert answer.is_success, answer.text
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    lines = [line(**GST), line(kind="material", description="Valve", quantity="1", **GST)]
    lines[1]["unit_price"] = "42.50"
    # 2 x 95.00 + 42.50, GST 10% on each line: 255.75; the host says 255.76 (rounding).
    await link.service.put(
        "/v1/invoices/inv-1", json=invoice(lines=lines, total="255.76"), headers=h
    )
    second = invoice(number="INV-1002", lines=[line(quantity="1", **GST)], total="104.50")
    await link.service.put("/v1/invoices/inv-2", json=second, headers=h)
    paid = payment(amount="100.00", reference="card 4242")
    await link.service.put("/v1/payments/pay-1", json=paid, headers=h)
    goodwill = credit_note(
        lines=[line(kind="other", description="Goodwill", quantity="1", unit_price="20", **GST)],
        allocations=[{"invoice_id": "inv-1", "amount": "22.00"}],
    )
    await link.service.put("/v1/credit-notes/cn-1", json=goodwill, headers=h)
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    for _ in range(3):  # dependencies first: customers, invoices, then payments and credits
        await worker.run_once()
    for path in (
        "/v1/customers/cust-1",
        "/v1/invoices/inv-1",
        "/v1/invoices/inv-2",
        "/v1/payments/pay-1",
        "/v1/credit-notes/cn-1",
    ):
        read = (await link.service.get(path, headers=h)).json()
        assert read["sync"]["state"] == "synced", (path, read["sync"])


async def test_a_myob_tenant_pushes_hears_back_imports_and_reconciles(link: Linked) -> None:
    tenant = await connected_tenant(link, "myob")
    link.advance(1)  # the connection's own call to the company file was this second
    h = tenant.headers
    store = link.sandbox.myob.store
    company_file = store.company_files[store.consent_business]
    connection = (await link.service.get("/v1/connection", headers=h)).json()
    assert connection["provider"] == "myob"
    assert connection["organisation"] == {"id": company_file.uid, "name": company_file.name}
    hub = link.app.state.syncsvc.providers
    active = await hub.tokens.active(uuid.UUID(tenant.id))
    assert active.organisation.details["product"] == company_file.product.lower()
    assert active.organisation.details["uri"].endswith(
        f"/myob/{company_file.shard}/accountright/{company_file.uid}"
    )
    # What differs between the products is data: Essentials files list no categories.
    categories = await link.service.get("/v1/lookups/tracking-categories", headers=h)
    assert categories.status_code == 200, categories.text
    names = [item["name"] for item in categories.json()["items"]]
    assert names == (
        [] if company_file.product == "Essentials" else ["North branch", "South branch"]
    )
    await _push_everything(link, tenant)

    books = await _documents(link)
    [card] = [c for c in books["Customers"] if c["DisplayID"] == "C-1001"]
    assert card["CompanyName"] == "Harbour Cafe"
    sales = {s["Number"]: s for s in books["Invoices"]}
    first = sales["INV-1001"]
    assert Decimal(str(first["TotalAmount"])) == Decimal("255.76")
    assert [line["Description"] for line in first["Lines"]][-1] == "Rounding"
    # Paid 100.00 and credited 22.00 (the credit note, a negative sale, settled against it).
    assert Decimal(str(first["BalanceDueAmount"])) == Decimal("133.76")
    credit = sales["CN-1"]
    assert Decimal(str(credit["TotalAmount"])) == Decimal("-22.00")
    assert credit["Status"] == "Closed"
    [settlement] = books["CreditSettlements"]
    assert settlement["CreditFromInvoice"]["UID"] == credit["UID"]
    # The surcharge is its own sale (a 13-character number derived from a longer one), paid.
    [surcharge] = [s for s in sales.values() if s["JournalMemo"] == "Sale; INV-1001-SC-pay-1"]
    assert len(surcharge["Number"]) <= 13
    assert surcharge["Status"] == "Closed"
    assert all(len(p["ReceiptNumber"]) <= 13 for p in books["CustomerPayments"])
    assert len(books["CustomerPayments"]) == 2

    state = link.app.state.syncsvc
    poller = Poller(state.sessions, state.providers, link.clock, interval=timedelta(minutes=5))
    poller.rng = random.Random(2)
    link.advance(331)
    await poller.run_once()
    seen = await _last_event(link, tenant)

    # The bookkeeper receives the rest in MYOB: payment.received and invoice.paid.
    link.advance(60)
    received = await link.browser.post(
        f"{CONTROL}/invoices/INV-1001/payments",
        json={"amount": "133.76", "date": "2026-11-24", "account": "1-1110"},
        params=_business(link),
    )
    assert received.status_code == 201, received.text
    link.advance(331)
    await poller.run_once()
    events = await _events_after(link, tenant, seen)
    kinds = [e["type"] for e in events]
    assert kinds.count("payment.received") == 1, kinds
    [news] = [e["data"] for e in events if e["type"] == "payment.received"]
    assert news["invoice_id"] == "inv-1"
    assert (news["amount"], news["date"], news["account_code"]) == (
        "133.76",
        "2026-11-24",
        "1-1110",
    )
    assert news["provider"]["payment_id"] == received.json()["UID"]
    assert "invoice.paid" in kinds
    seen = int(events[-1]["id"])

    # ... then deletes it: MYOB lists no deletions; reading it again finds it gone.
    link.advance(60)
    gone = await _deleted_in_myob(link, tenant, poller, received.json()["UID"], seen)
    assert [(g["invoice_id"], g["amount"]) for g in gone] == [("inv-1", "133.76")]
    link.advance(331)
    await poller.run_once()  # reported once
    later = await _events_after(link, tenant, seen)
    assert [e["type"] for e in later].count("payment.deleted") == 1
    seen = await _last_event(link, tenant)

    # The host's own payment deleted in MYOB is news too, named by the host's id.
    ours = (await link.service.get("/v1/payments/pay-1", headers=h)).json()["sync"]
    gone = await _deleted_in_myob(link, tenant, poller, ours["provider_id"], seen)
    assert [(g["invoice_id"], g["payment_id"], g["amount"]) for g in gone] == [
        ("inv-1", "pay-1", "100.00")
    ]
    seen = await _last_event(link, tenant)

    # ... and renames the customer's card.
    renamed = await link.browser.put(
        f"{CONTROL}/customers/{card['UID']}",
        json={"name": "Harbour Cafe & Bar"},
        params=_business(link),
    )
    assert renamed.status_code == 200, renamed.text
    link.advance(331)
    await poller.run_once()
    events = await _events_after(link, tenant, seen)
    [update] = [e["data"] for e in events if e["type"] == "customer.updated"]
    assert (update["customer_id"], update["name"]) == ("cust-1", "Harbour Cafe & Bar")

    # A customer made in MYOB is offered to the host; ours is known as already linked.
    company_file.ledger.create_customer(
        {
            "IsIndividual": False,
            "CompanyName": "Tui Street Motors",
            "SellingDetails": {
                "TaxCode": {"UID": card["SellingDetails"]["TaxCode"]["UID"]},
                "FreightTaxCode": {"UID": card["SellingDetails"]["TaxCode"]["UID"]},
            },
        }
    )
    started = await link.service.post("/v1/imports/customers", json={"mode": "preview"}, headers=h)
    assert started.status_code == 202, started.text
    job = (await link.service.get(started.headers["location"], headers=h)).json()
    assert job["status"] == "done", job
    assert job["result"]["counts"] == {"linked": 1, "new": 1}
    [offered] = [row for row in job["result"]["contacts"] if row["outcome"] == "new"]
    assert offered["name"] == "Tui Street Motors"

    # The bookkeeper edits INV-1002 in MYOB; reconciliation finds it and the fix restores it.
    edited = await link.browser.put(
        f"{CONTROL}/invoices/INV-1002", json={"total": "150.00"}, params=_business(link)
    )
    assert edited.status_code == 200, edited.text
    report = await reconcile(link, tenant, fix=True)
    rows = {row["number"]: row for row in report["rows"]}
    assert rows["INV-1002"]["outcome"] == "different"
    assert {d["field"] for d in rows["INV-1002"]["differences"]} >= {"total"}
    assert rows["INV-1002"]["fix"]["result"] == "fixed", rows["INV-1002"]
    again = {row["number"]: row for row in (await reconcile(link, tenant))["rows"]}
    assert again["INV-1002"]["outcome"] == "ok", again["INV-1002"]["differences"]
    sales = {s["Number"]: s for s in (await _documents(link))["Invoices"]}
    assert Decimal(str(sales["INV-1002"]["TotalAmount"])) == Decimal("104.50")


async def test_two_tenants_share_one_call_budget_per_api_key(
    database_url: str, tmp_path: Path
) -> None:
    """MYOB counts 8 calls a second against the API key, whichever company file they reach:
    two tenants pushing in the same seconds are paced together, so MYOB never refuses."""
    async with linked(database_url, tmp_path, START, provider="myob") as link:
        store = link.sandbox.myob.store
        tenants = []
        for company_file in list(store.company_files.values()):
            store.consent_business = company_file.uid
            tenants.append(await connected_tenant(link, "myob"))
        link.advance(1)
        hub = link.app.state.syncsvc.providers
        budgets = {
            id(hub.budget("myob", (await hub.tokens.active(uuid.UUID(t.id))).organisation_id))
            for t in tenants
        }
        assert len(budgets) == 1
        for tenant in tenants:
            h = tenant.headers
            assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
            await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
            for n in range(12):
                body = invoice(number=f"INV-{n}", lines=[line(**GST)], total=None)
                await link.service.put(f"/v1/invoices/inv-{n}", json=body, headers=h)
        state = link.app.state.syncsvc
        worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(3))
        await worker.run_once()
        traffic = link.sandbox.myob.traffic
        assert traffic.throttled == 0, traffic.stats()
        for company_file in store.company_files.values():
            numbers = sorted(i["Number"] for i in company_file.ledger.invoices.values())
            assert numbers == sorted(f"INV-{n}" for n in range(12))


async def test_a_lost_settlement_answer_applies_the_credit_once(
    database_url: str, tmp_path: Path
) -> None:
    """The credit note is saved, its settlement saved but the answer lost: the next push
    finds the credit note by its number, sees the settlement there and applies nothing more."""
    async with linked(database_url, tmp_path, START, provider="myob") as link:
        tenant = await connected_tenant(link, "myob")
        link.advance(1)
        h = tenant.headers
        assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
        await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
        sale = invoice(lines=[line(quantity="1", **GST)], total="104.50")
        await link.service.put("/v1/invoices/inv-1", json=sale, headers=h)
        goodwill = credit_note(
            lines=[
                line(kind="other", description="Goodwill", quantity="1", unit_price="20", **GST)
            ],
            allocations=[{"invoice_id": "inv-1", "amount": "22.00"}],
        )
        await link.service.put("/v1/credit-notes/cn-1", json=goodwill, headers=h)
        await link.browser.put(
            f"{CONTROL}/faults", json={"lose_next": ["POST /Sale/CreditSettlement"]}
        )
        state = link.app.state.syncsvc
        worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(4))
        for _ in range(6):
            await worker.run_once()
            link.advance(900)
        read = (await link.service.get("/v1/credit-notes/cn-1", headers=h)).json()
        assert read["sync"]["state"] == "synced", read["sync"]
        books = await _documents(link)
        assert len(books["CreditSettlements"]) == 1
        assert [s["Number"] for s in books["Invoices"]].count("CN-1") == 1
        sales = {s["Number"]: s for s in books["Invoices"]}
        assert Decimal(str(sales["INV-1001"]["BalanceDueAmount"])) == Decimal("82.50")
        assert link.sandbox.myob.traffic.stats()["lost_by_route"] == {
            "POST /Sale/CreditSettlement": 1
        }
