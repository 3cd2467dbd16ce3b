"""Suppliers, their invoices (bills) and expenses through Xero's sandbox: each lands once, in
the account resolution chooses, and what is paid in Xero comes back as events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.factories import customer, expense, supplier, supplier_invoice
from tests.integration.bills_scene import Scene, enter_costs_to_resolve, reconcile_bills
from tests.integration.sandbox_helpers import Linked, connected_tenant

SETTINGS = {
    "payments_account": "090",
    "default_income_account": "200",
    "supplier_invoice_account": "310",
    "expenses_account": "429",
    "xero": {"tax_types": {"GST": "OUTPUT2", "GST-IN": "INPUT2"}},
}


async def scene(link: Linked, **settings: Any) -> Scene:
    tenant = await connected_tenant(link)
    answer = await link.service.put(
        "/v1/settings", json={**SETTINGS, **settings}, headers=tenant.headers
    )
    assert answer.status_code == 200, answer.text
    return Scene(link, tenant)


def books(link: Linked) -> Any:
    return next(iter(link.sandbox.xero.store.organisations.values())).documents


async def test_supplier_bill_and_expenses_land_once_in_the_resolved_accounts(
    link: Linked,
) -> None:
    made = await scene(link)
    await enter_costs_to_resolve(made, job_type_account="400", line_account="429", paid_from="090")
    assert await made.worker.run_once() == 4

    ledger = books(link)
    contacts = {c["Name"]: c for c in ledger.contacts.values()}
    assert set(contacts) == {"Plumbing Supplies Ltd", "Harbour Fuel"}  # the payee: by name
    contact = contacts["Plumbing Supplies Ltd"]
    assert contact["ContactNumber"] == "S-2001"
    assert contact["IsSupplier"] is True  # Xero's own conclusion from the bill, never sent
    bills = [i for i in ledger.invoices.values() if i["Type"] == "ACCPAY"]
    by_number = {b["InvoiceNumber"]: b for b in bills}
    bill = by_number["PS-88123"]
    assert [line["AccountCode"] for line in bill["LineItems"]] == ["400", "429", "310"]
    assert [line["TaxType"] for line in bill["LineItems"]] == ["INPUT2", "INPUT2", "INPUT2"]
    assert bill["Status"] == "AUTHORISED"
    assert "Reference" not in bill  # Xero takes Reference on sales invoices only
    assert bill["Total"] == Decimal("192.05")  # (124 + 35 + 8) * 1.15
    owed = by_number["EXP-7 (exp-owed)"]
    assert owed["LineItems"][0]["AccountCode"] == "400"
    [spent] = ledger.bank_transactions.values()
    assert spent["Type"] == "SPEND"
    assert spent["BankAccount"]["Code"] == "090"
    assert spent["Reference"] == "EXP-7 (exp-paid)"
    assert spent["LineItems"][0]["AccountCode"] == "429"
    assert spent["Contact"]["Name"] == "Harbour Fuel"
    assert spent["Total"] == Decimal("86.25")  # as spent, tax inclusive
    for path in (
        "/v1/suppliers/sup-1",
        "/v1/supplier-invoices/bill-1",
        "/v1/expenses/exp-paid",
        "/v1/expenses/exp-owed",
    ):
        assert (await made.sync(path))["state"] == "synced"

    # Nothing changed: nothing is written again.
    assert await made.worker.run_once() == 0
    assert len([i for i in ledger.invoices.values() if i["Type"] == "ACCPAY"]) == 2
    assert len(ledger.bank_transactions) == 1


async def test_a_lost_answer_never_makes_a_second_bill(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    assert await made.worker.run_once() == 1
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.put("/v1/expenses/exp-paid", expense())
    faults = {"lose_next": ["POST /Invoices", "POST /BankTransactions"]}
    assert (await link.browser.put("/xero/_control/faults", json=faults)).is_success
    await made.worker.run_once()
    assert (await made.sync("/v1/supplier-invoices/bill-1"))["state"] == "pending"
    assert len(books(link).bank_transactions) == 1  # applied, its answer lost
    # Past Xero's idempotency window: only the look-up by key stands between a retry and
    # a second copy.
    link.advance(3600)
    assert await made.worker.run_once() == 2
    ledger = books(link)
    assert len([i for i in ledger.invoices.values() if i["Type"] == "ACCPAY"]) == 1
    assert len(ledger.bank_transactions) == 1
    assert (await made.sync("/v1/expenses/exp-paid"))["state"] == "synced"


async def test_a_bill_paid_in_xero_comes_back_as_events_once(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/customers/cust-1", customer())
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.worker.run_once()
    await made.events()
    bill_id = (await made.sync("/v1/supplier-invoices/bill-1"))["provider_id"]
    assert await made.poll() == []

    half = {"amount": "100.00", "date": "2026-11-24", "reference": "EFT 1"}
    answer = await link.browser.post(f"/xero/_control/invoices/{bill_id}/payments", json=half)
    assert answer.status_code == 200, answer.text
    [part] = await made.poll()
    assert part["type"] == "supplier_payment.received"
    assert part["data"]["supplier_invoice_id"] == "bill-1"
    assert part["data"]["amount"] == "100.00"
    assert part["data"]["provider"]["bill_id"] == bill_id

    rest = {"amount": "82.85", "date": "2026-11-25"}
    answer = await link.browser.post(f"/xero/_control/invoices/{bill_id}/payments", json=rest)
    assert answer.status_code == 200, answer.text
    events = await made.poll()
    assert [e["type"] for e in events] == ["supplier_payment.received", "bill.paid"]
    assert events[1]["data"] == {
        "supplier_invoice_id": "bill-1",
        "expense_id": None,
        "amount_paid": "182.85",
        "fully_paid_on": "2026-11-25",
        "provider": {"bill_id": bill_id},
    }
    assert await made.poll() == []  # read again: nothing new


async def test_a_void_of_a_bill_voids_it_in_xero_and_a_deleted_expense_goes(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.put("/v1/expenses/exp-paid", expense())
    assert await made.worker.run_once() == 3
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice(version=2, status="void"))
    answer = await link.service.delete("/v1/expenses/exp-paid", headers=made.headers)
    assert answer.status_code == 202, answer.text
    assert await made.worker.run_once() == 2
    ledger = books(link)
    [bill] = [i for i in ledger.invoices.values() if i["Type"] == "ACCPAY"]
    assert bill["Status"] == "VOIDED"
    [spent] = ledger.bank_transactions.values()
    assert spent["Status"] == "DELETED"


async def test_a_missing_account_fails_the_record_naming_the_setting(link: Linked) -> None:
    made = await scene(link, supplier_invoice_account=None, expenses_account=None)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.put("/v1/expenses/exp-paid", expense(job_type_id="install"))
    await made.worker.run_once()
    bill = await made.sync("/v1/supplier-invoices/bill-1")
    assert bill["state"] == "failed"
    assert "set supplier_invoice_account in the settings" in bill["last_error"]
    spent = await made.sync("/v1/expenses/exp-paid")
    assert spent["state"] == "failed"
    assert (
        "set expenses_account or an expenses_account for job type install" in (spent["last_error"])
    )
    assert not books(link).bank_transactions


async def test_cost_lines_take_the_purchases_tax_defaults(link: Linked) -> None:
    """An unmapped host code goes as the purchases tax type, a line without one as the
    tax-free type (not the account's default); mapped codes keep their mapping."""
    xero = {
        "tax_types": {"GST-IN": "INPUT2"},
        "purchases_tax_type": "INPUT2",
        "purchases_tax_free_type": "NONE",
    }
    made = await scene(link, xero=xero)
    await made.put("/v1/suppliers/sup-1", supplier())
    lines = [
        {"description": "Mapped", "unit_price": "10.00", "tax_code": "GST-IN"},
        {"description": "Unmapped", "unit_price": "20.00", "tax_code": "GST-HOST-ONLY"},
        {"description": "No code", "unit_price": "30.00"},
    ]
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice(lines=lines))
    assert await made.worker.run_once() == 2
    [bill] = [i for i in books(link).invoices.values() if i["Type"] == "ACCPAY"]
    assert [line["TaxType"] for line in bill["LineItems"]] == ["INPUT2", "INPUT2", "NONE"]
    assert bill["Total"] == Decimal("64.50")  # (10 + 20) * 1.15 + 30


async def test_purchases_tax_types_xero_lacks_or_keeps_for_sales_are_refused(
    link: Linked,
) -> None:
    made = await scene(link)
    xero = {"purchases_tax_type": "INPUT9", "purchases_tax_free_type": "EXEMPTOUTPUT"}
    answer = await link.service.put(
        "/v1/settings", json={**SETTINGS, "xero": xero}, headers=made.headers
    )
    assert answer.status_code == 422, answer.text
    errors = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert set(errors) == {"xero.purchases_tax_type", "xero.purchases_tax_free_type"}
    assert "INPUT9" in errors["xero.purchases_tax_type"]
    assert errors["xero.purchases_tax_free_type"] == (
        "tax code EXEMPTOUTPUT (Exempt Income) has no purchase rate, so cost lines cannot "
        "carry it; choose one of NONE (No GST)"
    )
    xero = {"purchases_tax_type": "OUTPUT2", "purchases_tax_free_type": "INPUT2"}
    answer = await link.service.put(
        "/v1/settings", json={**SETTINGS, "xero": xero}, headers=made.headers
    )
    errors = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert "cost lines cannot carry it" in errors["xero.purchases_tax_type"]
    assert errors["xero.purchases_tax_free_type"] == (
        "tax code INPUT2 (GST on Expenses) is not tax-free on costs (its purchase rate is "
        "15%); choose one of NONE (No GST)"
    )


async def test_bills_reconcile_over_a_date_range_and_the_fix_pushes_what_differs(
    link: Linked,
) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    for n in (1, 2, 3):
        await made.put(f"/v1/supplier-invoices/bill-{n}", supplier_invoice(number=f"PS-{n}"))
    outside = supplier_invoice(number="PS-9", issue_date="2026-10-10", due_date=None)
    await made.put("/v1/supplier-invoices/bill-9", outside)
    assert await made.worker.run_once() == 5
    # PS-4: sent while Xero was down. PS-2: edited in Xero. PS-3: voided there.
    await link.browser.put("/xero/_control/faults", json={"error_rate": 1.0})
    await made.put("/v1/supplier-invoices/bill-4", supplier_invoice(number="PS-4"))
    await made.worker.run_once()
    await link.browser.put("/xero/_control/faults", json={"error_rate": 0.0})
    ids = {n: (await made.sync(f"/v1/supplier-invoices/bill-{n}"))["provider_id"] for n in (2, 3)}
    edited = await link.browser.put(f"/xero/_control/invoices/{ids[2]}", json={"total": "200.00"})
    assert edited.status_code == 200, edited.text
    assert (await link.browser.post(f"/xero/_control/invoices/{ids[3]}/void")).is_success

    report = await reconcile_bills(made)
    assert report["summary"] == {"bills": 4, "ok": 1, "missing": 1, "different": 2}
    rows = {row["number"]: row for row in report["rows"]}
    assert rows["PS-1"]["outcome"] == "ok"
    assert rows["PS-4"]["outcome"] == "missing"
    assert [d["field"] for d in rows["PS-2"]["differences"]] == ["lines"]
    assert rows["PS-2"]["differences"][0]["provider"][-1]["description"] == "Adjustment"
    assert rows["PS-3"]["differences"] == [
        {"field": "status", "host": "approved", "provider": "void"}
    ]
    assert report["calls"] == 1  # one page of bills

    link.advance(3600)  # past PS-4's retry wait
    fixed = await reconcile_bills(made, fix=True)
    results = {row["number"]: row.get("fix", {}).get("result") for row in fixed["rows"]}
    assert results == {"PS-1": None, "PS-2": "fixed", "PS-3": "left alone", "PS-4": "fixed"}
    again = await reconcile_bills(made)
    assert again["summary"] == {"bills": 4, "ok": 3, "missing": 0, "different": 1}  # PS-3
    bills = [i for i in books(link).invoices.values() if i["Type"] == "ACCPAY"]
    assert sorted(b["InvoiceNumber"] for b in bills) == ["PS-1", "PS-2", "PS-3", "PS-4", "PS-9"]
    [ps2] = [b for b in bills if b["InvoiceNumber"] == "PS-2"]
    assert [line["Description"] for line in ps2["LineItems"]] == ["Copper pipe", "Pipe bender hire"]
    csv = await link.service.get(
        f"/v1/reconciliations/{fixed['id']}", params={"format": "csv"}, headers=made.headers
    )
    assert csv.text.splitlines()[0].startswith("supplier_invoice_id,number,supplier")


async def test_xeros_webhook_brings_a_bills_payment_at_once(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.worker.run_once()
    assert await made.poll() == []
    bill_id = (await made.sync("/v1/supplier-invoices/bill-1"))["provider_id"]
    link.advance(60)
    paid = {"amount": "182.85", "date": "2026-11-24"}
    answer = await link.browser.post(f"/xero/_control/invoices/{bill_id}/payments", json=paid)
    assert answer.status_code == 200, answer.text
    # No poll is due: only Xero's INVOICE event (it covers bills too) can bring the news.
    flushed = (await link.browser.post("/xero/_control/webhooks/flush")).json()
    assert [d["status"] for d in flushed["deliveries"]] == [200]
    events = await made.events()
    assert [e["type"] for e in events] == ["supplier_payment.received", "bill.paid"]
