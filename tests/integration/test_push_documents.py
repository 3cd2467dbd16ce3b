"""The push engine's documents beyond the first invoice: credit notes and their allocations,
surcharges, payment edits and deletes, drafts, and many quick updates made into one write."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from syncsvc.push.worker import PushWorker
from tests.conftest import TenantHandle
from tests.factories import credit_note, customer, payment
from tests.factories import invoice as host_invoice
from tests.integration.sandbox_helpers import Linked, connected_tenant

SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "default_income_account": "200",
    "credit_notes_account": "260",
    "rounding_account": "860",
}


async def ready(link: Linked, **settings: Any) -> tuple[TenantHandle, PushWorker]:
    tenant = await connected_tenant(link)
    answer = await link.service.put(
        "/v1/settings", json={**SETTINGS, **settings}, headers=tenant.headers
    )
    assert answer.status_code == 200, answer.text
    state = link.app.state.syncsvc
    return tenant, PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))


def invoice(**changes: Any) -> dict[str, Any]:
    """2 x 95.00 and 42.50 at 15%, taxed per line: 267.38."""
    return host_invoice(**{"total": "267.38", **changes})


def payment_of(**changes: Any) -> dict[str, Any]:
    return payment(**{"amount": "267.38", **changes})


def books(link: Linked) -> Any:
    return next(iter(link.sandbox.xero.store.organisations.values())).documents


async def writes_to(link: Linked, route: str) -> int:
    stats = (await link.browser.get("/xero/_control/stats")).json()
    return int(stats["by_route"].get(route, 0))


async def sync_of(link: Linked, tenant: TenantHandle, path: str) -> dict[str, Any]:
    answer = await link.service.get(path, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["sync"])


async def test_credit_note_is_allocated_once_even_after_a_lost_answer(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(), headers=h)
    await link.service.put("/v1/credit-notes/cn-1", json=credit_note(), headers=h)
    assert await worker.run_once() == 3

    ledger = books(link)
    [note] = ledger.credit_notes.values()
    assert note["Type"] == "ACCRECCREDIT"
    assert note["LineItems"][0]["AccountCode"] == "260"
    assert [a["Amount"] for a in note["Allocations"]] == [Decimal("23.00")]
    [xero_invoice] = ledger.invoices.values()
    assert xero_invoice["AmountDue"] == Decimal("267.38") - Decimal("23.00")

    # The host edits the note (a larger allocation); the answer to that write is lost. The
    # retry reads Xero's copy and allocates only what is missing.
    edited = credit_note(
        version=2,
        lines=[{"kind": "other", "description": "Goodwill", "quantity": "1", "unit_price": "40"}],
        allocations=[{"invoice_id": "inv-1", "amount": "46.00"}],
    )
    await link.service.put("/v1/credit-notes/cn-1", json=edited, headers=h)
    await link.browser.put("/xero/_control/faults", json={"lost_rate": 1.0})
    await worker.run_once()
    await link.browser.put("/xero/_control/faults", json={"lost_rate": 0.0})
    link.advance(3600)
    await worker.run_once()
    [note] = ledger.credit_notes.values()
    assert sum(a["Amount"] for a in note["Allocations"]) == Decimal("46.00")
    assert xero_invoice["AmountDue"] == Decimal("267.38") - Decimal("46.00")
    assert (await sync_of(link, tenant, "/v1/credit-notes/cn-1"))["state"] == "synced"


async def test_credit_note_waits_for_its_invoice_and_is_blocked_by_a_failed_one(
    link: Linked,
) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put(
        "/v1/invoices/inv-1",
        json=invoice(lines=[{**invoice()["lines"][0], "account_code": "999"}], total=None),
        headers=h,
    )
    await link.service.put("/v1/credit-notes/cn-1", json=credit_note(), headers=h)
    await worker.run_once()
    blocked = await sync_of(link, tenant, "/v1/credit-notes/cn-1")
    assert blocked["state"] == "blocked"
    assert "invoice inv-1" in blocked["last_error"]
    assert books(link).credit_notes == {}


async def test_surcharge_lands_in_its_account_and_the_invoice_is_fully_paid(
    link: Linked,
) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    method = {"surcharge_account": "270", "payments_account": "091"}
    answer = await link.service.put("/v1/settings/payment-methods/card", json=method, headers=h)
    assert answer.status_code == 200, answer.text
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(), headers=h)
    await link.service.put("/v1/payments/pay-1", json=payment_of(reference="EFT 1"), headers=h)
    assert await worker.run_once() == 3

    ledger = books(link)
    by_number = {i["InvoiceNumber"]: i for i in ledger.invoices.values()}
    assert by_number["INV-1001"]["Status"] == "PAID"
    surcharge = by_number["INV-1001-SC-pay-1"]
    assert surcharge["Status"] == "PAID"
    assert surcharge["Total"] == Decimal("3.49")
    assert surcharge["LineItems"][0]["AccountCode"] == "270"
    paid = sorted((p["Amount"], p["Account"]["Code"]) for p in ledger.payments.values())
    assert paid == [(Decimal("3.49"), "091"), (Decimal("267.38"), "091")]
    assert (await sync_of(link, tenant, "/v1/payments/pay-1"))["provider_id"] in ledger.payments

    # Deleted in the host: both payments go, the surcharge invoice is voided.
    deleted = await link.service.request(
        "DELETE", "/v1/payments/pay-1", headers=h, params={"version": 2}
    )
    assert deleted.status_code == 202, deleted.text
    assert await worker.run_once() == 1
    assert all(p["Status"] == "DELETED" for p in ledger.payments.values())
    by_number = {i["InvoiceNumber"]: i for i in ledger.invoices.values()}
    assert by_number["INV-1001"]["Status"] == "AUTHORISED"
    assert by_number["INV-1001-SC-pay-1"]["Status"] == "VOIDED"


async def test_an_edited_payment_replaces_the_one_in_xero(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(), headers=h)
    await link.service.put(
        "/v1/payments/pay-1", json=payment_of(amount="100", surcharge="0"), headers=h
    )
    await worker.run_once()
    changed = payment(version=2, amount="120.00", surcharge="0")
    await link.service.put("/v1/payments/pay-1", json=changed, headers=h)
    assert await worker.run_once() == 1
    live = [p for p in books(link).payments.values() if p["Status"] != "DELETED"]
    assert [p["Amount"] for p in live] == [Decimal("120.00")]
    [xero_invoice] = books(link).invoices.values()
    assert xero_invoice["AmountDue"] == Decimal("147.38")


async def test_payments_wait_while_their_invoice_is_a_draft(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(status="draft"), headers=h)
    await link.service.put("/v1/payments/pay-1", json=payment_of(surcharge="0"), headers=h)
    await worker.run_once()
    [xero_invoice] = books(link).invoices.values()
    assert xero_invoice["Status"] == "DRAFT"
    waiting = await sync_of(link, tenant, "/v1/payments/pay-1")
    assert waiting["state"] == "blocked"
    assert "draft" in waiting["last_error"]

    # Approved in the host: the invoice is approved in Xero, then the payment goes.
    await link.service.put("/v1/invoices/inv-1", json=invoice(version=2), headers=h)
    await worker.run_once()
    assert xero_invoice["Status"] == "PAID"
    assert (await sync_of(link, tenant, "/v1/payments/pay-1"))["state"] == "synced"


async def test_ten_quick_updates_are_one_write(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await worker.run_once()
    before = await writes_to(link, "POST /Contacts")
    for version in range(2, 12):
        body = customer(version=version, phone=f"+64 9 555 {version:04}")
        assert (await link.service.put("/v1/customers/cust-1", json=body, headers=h)).is_success
    assert await worker.run_once() == 1
    assert await writes_to(link, "POST /Contacts") == before + 1
    [contact] = books(link).contacts.values()
    assert "555 0011" in str(contact["Phones"])


async def test_voiding_a_draft_deletes_it_and_an_approved_one_is_voided(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(status="draft"), headers=h)
    await link.service.put("/v1/invoices/inv-2", json=invoice(number="INV-2"), headers=h)
    await worker.run_once()
    for host_id, body in (("inv-1", invoice(status="draft")), ("inv-2", invoice(number="INV-2"))):
        voided = {**body, "version": 2, "status": "void"}
        assert (
            await link.service.put(f"/v1/invoices/{host_id}", json=voided, headers=h)
        ).is_success
    assert await worker.run_once() == 2
    statuses = {i["InvoiceNumber"]: i["Status"] for i in books(link).invoices.values()}
    assert statuses == {"INV-1001": "DELETED", "INV-2": "VOIDED"}


async def test_a_paid_invoice_cannot_be_voided_and_says_so(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(), headers=h)
    await link.service.put("/v1/payments/pay-1", json=payment_of(surcharge="0"), headers=h)
    await worker.run_once()
    voided = {**invoice(), "version": 2, "status": "void"}
    await link.service.put("/v1/invoices/inv-1", json=voided, headers=h)
    await worker.run_once()
    refused = await sync_of(link, tenant, "/v1/invoices/inv-1")
    assert refused["state"] == "failed"
    assert refused["last_error"] == "Invoice not of valid status for modification"
    events = (await link.service.get("/v1/events", headers=h)).json()["events"]
    assert [e["data"]["id"] for e in events if e["type"] == "sync.failed"] == ["inv-1"]


async def test_a_name_held_by_someone_else_is_made_unique(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    other = customer(customer_number="C-2002", email="owner@othercafe.example")
    await link.service.put("/v1/customers/cust-2", json=other, headers=h)
    assert await worker.run_once() == 2
    names = sorted(c["Name"] for c in books(link).contacts.values())
    assert names == ["Harbour Cafe", "Harbour Cafe (C-2002)"]


async def test_a_contact_entered_by_hand_in_xero_is_matched_not_duplicated(link: Linked) -> None:
    tenant, worker = await ready(link)
    h = tenant.headers
    ledger = books(link)
    by_hand = ledger.apply_contact(
        {"Name": "Harbour Cafe", "EmailAddress": "Accounts@HarbourCafe.example"}
    )
    earlier = ledger.apply_contact({"Name": "Dock Bar", "ContactNumber": "C-3003"})
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    moved = customer(name="Dock Bar and Grill", customer_number="C-3003", email=None)
    await link.service.put("/v1/customers/cust-3", json=moved, headers=h)
    assert await worker.run_once() == 2
    assert len(ledger.contacts) == 2
    assert by_hand["ContactNumber"] == "C-1001"
    assert earlier["Name"] == "Dock Bar and Grill"
    read = (await link.service.get("/v1/customers/cust-1", headers=h)).json()
    assert read["sync"]["provider_id"] == by_hand["ContactID"]


async def test_customer_updates_wait_for_the_tenants_switch(link: Linked) -> None:
    tenant, worker = await ready(link, push_customer_updates=False)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await worker.run_once()
    await link.service.put("/v1/customers/cust-1", json=customer(version=2, name="New"), headers=h)
    await worker.run_once()
    [contact] = books(link).contacts.values()
    assert contact["Name"] == "Harbour Cafe"


async def test_payments_on_invoices_pushed_as_drafts_go_once_approved_in_xero(
    link: Linked,
) -> None:
    tenant, worker = await ready(link, invoice_status="draft")
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(), headers=h)
    await link.service.put("/v1/payments/pay-1", json=payment_of(surcharge="0"), headers=h)
    await worker.run_once()
    waiting = await sync_of(link, tenant, "/v1/payments/pay-1")
    assert waiting["state"] == "blocked"
    assert "approve it there" in waiting["last_error"]

    ledger = books(link)
    [draft] = ledger.invoices.values()
    ledger.apply_document({"InvoiceID": draft["InvoiceID"], "Status": "AUTHORISED"}, "INVOICE")
    assert await worker.run_once() == 0  # not looked at again before its time
    link.advance(15 * 60)
    assert await worker.run_once() == 1  # nothing else due: the recheck alone brings it
    assert draft["Status"] == "PAID"
