"""Suppliers, their invoices (bills) and expenses through QuickBooks Online's sandbox: a
supplier is a Vendor, a bill a Bill under the supplier's number, an expense paid a Purchase and
one owed a Bill; each lands once, in the account resolution chooses; what QuickBooks refuses is
stored in its words; bill payments made in QuickBooks come back as events; bills reconcile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from syncsvc.sandbox.quickbooks.books import Books
from syncsvc.sandbox.quickbooks.company import Company
from tests.factories import customer, expense, supplier, supplier_invoice
from tests.integration import bills_scene
from tests.integration.bills_scene import enter_costs_to_resolve, reconcile_bills
from tests.integration.sandbox_helpers import START, Linked, connected_tenant, linked

CONTROL = "/quickbooks/_control"
SETTINGS = {
    "payments_account": "1",  # Business Cheque Account
    "default_income_account": "6",
    "supplier_invoice_account": "12",  # Cost of Sales
    "expenses_account": "14",  # Motor Vehicle Expenses
    "quickbooks": {"tax_codes": {"INPUT2": "1", "GST-IN": "1"}},  # GST 10% on purchases
}
PAID_FROM = "1"


@pytest.fixture
async def link(database_url: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, provider="quickbooks") as value:
        yield value


class Scene(bills_scene.Scene):
    """The scene, and the sandbox company it pushes to."""

    @property
    def company(self) -> Company:
        store = self.link.sandbox.quickbooks.store
        return store.companies[store.default_realm]

    def bills(self) -> list[dict[str, Any]]:
        return self.company.all("Bill")


async def scene(link: Linked, **settings: Any) -> Scene:
    tenant = await connected_tenant(link, "quickbooks")
    answer = await link.service.put(
        "/v1/settings", json={**SETTINGS, **settings}, headers=tenant.headers
    )
    assert answer.status_code == 200, answer.text
    return Scene(link, tenant)


def paid_expense(**changes: Any) -> dict[str, Any]:
    return expense(paid_from_account=PAID_FROM, **changes)


async def test_supplier_bill_and_expenses_land_once_in_the_resolved_accounts(
    link: Linked,
) -> None:
    made = await scene(link)
    await enter_costs_to_resolve(
        made, job_type_account="13", line_account="15", paid_from=PAID_FROM
    )
    assert await made.worker.run_once() == 4

    [vendor] = [v for v in made.company.all("Vendor") if v["DisplayName"].startswith("Plumb")]
    assert (vendor["DisplayName"], vendor["AcctNum"]) == ("Plumbing Supplies Ltd", "S-2001")
    assert vendor["PrimaryEmailAddr"] == {"Address": "accounts@plumbingsupplies.example"}
    by_number = {b["DocNumber"]: b for b in made.bills()}
    assert set(by_number) == {"PS-88123", "EXP-7 (exp-owed)"}
    bill = by_number["PS-88123"]
    assert bill["VendorRef"]["value"] == vendor["Id"]
    details = [line["AccountBasedExpenseLineDetail"] for line in bill["Line"]]
    assert [d["AccountRef"]["value"] for d in details] == ["13", "15", "12"]
    # The hire line had no tax code: QuickBooks took its account's (GST).
    assert [d["TaxCodeRef"]["value"] for d in details] == ["1", "1", "1"]
    assert [line["Amount"] for line in bill["Line"]] == [
        Decimal("124.00"),
        Decimal("35.00"),
        Decimal("8.00"),
    ]
    assert bill["TotalAmt"] == Decimal("183.70")  # (124 + 35 + 8) * 1.1
    assert (bill["TxnDate"], bill["DueDate"]) == ("2026-11-18", "2026-12-20")
    owed = by_number["EXP-7 (exp-owed)"]
    assert owed["VendorRef"]["value"] == vendor["Id"]
    assert owed["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] == "13"
    [spent] = made.company.all("Purchase")
    assert (spent["PaymentType"], spent["AccountRef"]["value"]) == ("Cash", PAID_FROM)
    assert spent["DocNumber"] == "EXP-7 (exp-paid)"
    assert spent["TotalAmt"] == Decimal("86.25")  # as spent, tax inclusive
    assert spent["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] == "14"
    assert "EntityRef" not in spent  # a payee the host holds no supplier for
    assert spent["PrivateNote"] == "Paid to Harbour Fuel; EXP-7"
    for path in (
        "/v1/suppliers/sup-1",
        "/v1/supplier-invoices/bill-1",
        "/v1/expenses/exp-paid",
        "/v1/expenses/exp-owed",
    ):
        assert (await made.sync(path))["state"] == "synced"
    sync = await made.sync("/v1/supplier-invoices/bill-1")
    assert sync["provider_id"] == bill["Id"]

    # Nothing changed: nothing is written again.
    assert await made.worker.run_once() == 0
    assert len(made.bills()) == 2
    assert len(made.company.all("Purchase")) == 1


async def test_a_supplier_named_like_a_customer_is_made_unique(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/customers/cust-1", customer(name="Plumbing Supplies Ltd"))
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.worker.run_once()
    assert (await made.sync("/v1/suppliers/sup-1"))["state"] == "synced"
    names = {v["DisplayName"] for v in made.company.all("Vendor")}
    assert "Plumbing Supplies Ltd (S-2001)" in names  # 6240: the name is held by a customer


async def test_an_update_rewrites_the_same_bill_even_after_a_change_in_quickbooks(
    link: Linked,
) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    assert await made.worker.run_once() == 2
    [bill] = made.bills()
    # The bookkeeper touches the bill: our SyncToken is stale now (5010), re-read and written.
    Books(made.company).update(
        "Bill",
        {"Id": bill["Id"], "SyncToken": bill["SyncToken"], "sparse": True, "PrivateNote": "ok"},
    )
    changed = supplier_invoice(version=2, due_date="2026-12-31")
    changed["lines"][1]["unit_price"] = "40.00"
    await made.put("/v1/supplier-invoices/bill-1", changed)
    assert await made.worker.run_once() == 1
    [again] = made.bills()
    assert again["Id"] == bill["Id"]
    assert again["DueDate"] == "2026-12-31"
    assert again["TotalAmt"] == Decimal("180.40")  # (124 + 40) * 1.1
    assert again["PrivateNote"] == "ok"  # sparse: what the bookkeeper wrote stays
    sync = await made.sync("/v1/supplier-invoices/bill-1")
    assert (sync["state"], again["SyncToken"]) == ("synced", "2")  # made, theirs, ours


async def test_a_void_bill_and_a_deleted_expense_are_deleted_in_quickbooks(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.put("/v1/expenses/exp-paid", paid_expense())
    assert await made.worker.run_once() == 3
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice(version=2, status="void"))
    answer = await link.service.delete("/v1/expenses/exp-paid", headers=made.headers)
    assert answer.status_code == 202, answer.text
    assert await made.worker.run_once() == 2
    assert made.bills() == []  # QuickBooks cannot void a bill: it is deleted
    assert made.company.all("Purchase") == []
    assert len(made.company.deleted["Bill"]) == len(made.company.deleted["Purchase"]) == 1
    assert (await made.sync("/v1/supplier-invoices/bill-1"))["state"] == "synced"


async def test_an_expense_owed_then_paid_moves_from_a_bill_to_a_purchase(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    owed = expense(supplier_id="sup-1", payee=None, paid_from_account=None)
    await made.put("/v1/expenses/exp-1", owed)
    assert await made.worker.run_once() == 2
    [bill] = made.bills()
    assert bill["DocNumber"] == "EXP-7 (exp-1)"
    await made.put("/v1/expenses/exp-1", {**owed, "version": 2, "paid_from_account": PAID_FROM})
    assert await made.worker.run_once() == 1
    assert made.bills() == []  # the Bill went; the money is spent from the account now
    [spent] = made.company.all("Purchase")
    assert (spent["DocNumber"], spent["EntityRef"]["type"]) == ("EXP-7 (exp-1)", "Vendor")
    sync = await made.sync("/v1/expenses/exp-1")
    assert (sync["state"], sync["provider_id"]) == ("synced", spent["Id"])
    # And back: deleted where it is, wherever the host last said it was.
    answer = await link.service.delete("/v1/expenses/exp-1", headers=made.headers)
    assert answer.status_code == 202, answer.text
    assert await made.worker.run_once() == 1
    assert made.company.all("Purchase") == []


async def test_a_lost_answer_never_makes_a_second_bill(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    assert await made.worker.run_once() == 1
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.put("/v1/expenses/exp-paid", paid_expense())
    faults = {"lose_next": ["POST /batch", "POST /batch"]}
    assert (await link.browser.put(f"{CONTROL}/faults", json=faults)).is_success
    await made.worker.run_once()
    assert (await made.sync("/v1/supplier-invoices/bill-1"))["state"] == "pending"
    assert len(made.bills()) == 1  # applied, its answer lost
    link.advance(3600)
    await made.worker.run_once()
    assert len(made.bills()) == 1
    assert len(made.company.all("Purchase")) == 1
    for path in ("/v1/supplier-invoices/bill-1", "/v1/expenses/exp-paid"):
        assert (await made.sync(path))["state"] == "synced"


async def test_a_refusal_is_stored_in_quickbooks_words(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.worker.run_once()
    closed = await link.browser.put(f"{CONTROL}/book-close-date", json={"date": "2026-11-30"})
    assert closed.is_success
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.put("/v1/expenses/exp-1", paid_expense(date="2026-12-02"))
    await made.worker.run_once()
    bill = await made.sync("/v1/supplier-invoices/bill-1")
    assert bill["state"] in ("failed", "blocked")
    assert "The account period has closed" in bill["last_error"]
    assert made.bills() == []
    # One refused record fails alone: the expense after the closing date landed.
    assert (await made.sync("/v1/expenses/exp-1"))["state"] == "synced"


async def test_a_bill_paid_in_quickbooks_comes_back_as_events_once(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.worker.run_once()
    await made.events()
    bill_id = (await made.sync("/v1/supplier-invoices/bill-1"))["provider_id"]
    assert await made.poll() == []

    half = {"amount": "100.00", "date": "2026-11-24", "reference": "EFT 1"}
    answer = await link.browser.post(f"{CONTROL}/bills/{bill_id}/payments", json=half)
    assert answer.status_code == 200, answer.text
    [part] = await made.poll()
    assert part["type"] == "supplier_payment.received"
    assert part["data"]["supplier_invoice_id"] == "bill-1"
    assert part["data"]["amount"] == "100.00"
    assert part["data"]["reference"] == "EFT 1"
    assert part["data"]["provider"] == {"payment_id": answer.json()["Id"], "bill_id": bill_id}

    rest = {"amount": "74.90", "date": "2026-11-25", "pay_type": "CreditCard", "account_id": "11"}
    answer = await link.browser.post(f"{CONTROL}/bills/{bill_id}/payments", json=rest)
    assert answer.status_code == 200, answer.text
    events = await made.poll()
    assert [e["type"] for e in events] == ["supplier_payment.received", "bill.paid"]
    assert events[1]["data"] == {
        "supplier_invoice_id": "bill-1",
        "expense_id": None,
        "amount_paid": "174.90",
        "fully_paid_on": "2026-11-25",
        "provider": {"bill_id": bill_id},
    }
    assert await made.poll() == []  # read again: nothing new


async def test_quickbooks_webhook_brings_a_bills_payment_at_once(link: Linked) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    await made.put("/v1/supplier-invoices/bill-1", supplier_invoice())
    await made.worker.run_once()
    assert await made.poll() == []
    bill_id = (await made.sync("/v1/supplier-invoices/bill-1"))["provider_id"]
    link.advance(60)
    await link.browser.post(f"{CONTROL}/webhooks/flush")  # what the push itself caused
    paid = {"amount": "174.90", "date": "2026-11-24"}
    answer = await link.browser.post(f"{CONTROL}/bills/{bill_id}/payments", json=paid)
    assert answer.status_code == 200, answer.text
    # No poll is due: only QuickBooks' BillPayment and Bill events can bring the news.
    flushed = (await link.browser.post(f"{CONTROL}/webhooks/flush")).json()
    assert [d["status"] for d in flushed["deliveries"]] == [200]
    events = await made.events()
    assert [e["type"] for e in events] == ["supplier_payment.received", "bill.paid"]


async def test_bills_reconcile_over_a_date_range_and_the_fix_pushes_what_differs(
    link: Linked,
) -> None:
    made = await scene(link)
    await made.put("/v1/suppliers/sup-1", supplier())
    for n in (1, 2):
        await made.put(f"/v1/supplier-invoices/bill-{n}", supplier_invoice(number=f"PS-{n}"))
    outside = supplier_invoice(number="PS-9", issue_date="2026-10-10", due_date=None)
    await made.put("/v1/supplier-invoices/bill-9", outside)
    assert await made.worker.run_once() == 4
    # PS-4: sent while QuickBooks was down. PS-2: edited in QuickBooks.
    await link.browser.put(f"{CONTROL}/faults", json={"error_rate": 1.0})
    await made.put("/v1/supplier-invoices/bill-4", supplier_invoice(number="PS-4"))
    await made.worker.run_once()
    await link.browser.put(f"{CONTROL}/faults", json={"error_rate": 0.0})
    [ps2] = [b for b in made.bills() if b["DocNumber"] == "PS-2"]
    lines = [dict(line) for line in ps2["Line"]]
    lines[1] = {**lines[1], "Amount": Decimal("50.00")}
    Books(made.company).update(
        "Bill", {"Id": ps2["Id"], "SyncToken": ps2["SyncToken"], "sparse": True, "Line": lines}
    )

    report = await reconcile_bills(made)
    assert report["summary"] == {"bills": 3, "ok": 1, "missing": 1, "different": 1}
    rows = {row["number"]: row for row in report["rows"]}
    assert rows["PS-1"]["outcome"] == "ok"
    assert rows["PS-4"]["outcome"] == "missing"
    [difference] = rows["PS-2"]["differences"]
    assert difference["field"] == "lines"
    assert difference["host"][1]["amount"] == "35.00"
    assert difference["provider"][1]["amount"] == "50.00"

    link.advance(3600)  # past PS-4's retry wait
    fixed = await reconcile_bills(made, fix=True)
    results = {row["number"]: row.get("fix", {}).get("result") for row in fixed["rows"]}
    assert results == {"PS-1": None, "PS-2": "fixed", "PS-4": "fixed"}
    again = await reconcile_bills(made)
    assert again["summary"] == {"bills": 3, "ok": 3, "missing": 0, "different": 0}
    assert sorted(b["DocNumber"] for b in made.bills()) == ["PS-1", "PS-2", "PS-4", "PS-9"]
