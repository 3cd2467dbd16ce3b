"""The purchase side of the QuickBooks sandbox: Vendors in the name namespace customers share,
Bills with expense lines taxed at purchase rates, Purchases paid from a bank or card account,
BillPayments bringing a Bill's Balance down, deletes, batches, CDC and the control surface's
"pay a bill" — every request and answer held to Intuit's XSDs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.sandbox.quickbooks.conftest import QuickBooksSession
from tests.sandbox.quickbooks.xsd import assert_response, sent


def expense_line(amount: str, account: str = "12", tax_code: str | None = "1") -> dict[str, Any]:
    detail: dict[str, Any] = {"AccountRef": {"value": account}}
    if tax_code is not None:
        detail["TaxCodeRef"] = {"value": tax_code}
    return {
        "DetailType": "AccountBasedExpenseLineDetail",
        "Amount": amount,
        "Description": "Copper pipe",
        "AccountBasedExpenseLineDetail": detail,
    }


async def refused(qbo: QuickBooksSession, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await qbo.post(entity.lower(), body)
    assert answer.status_code == 400, answer.text
    assert_response(answer.json())
    error: dict[str, Any] = answer.json()["Fault"]["Error"][0]
    return error


async def vendor(qbo: QuickBooksSession, name: str = "Plumbing Supplies Ltd") -> dict[str, Any]:
    return await sent(qbo, "Vendor", {"DisplayName": name, "AcctNum": "S-2001"})


def bill_body(vendor_id: str, number: str = "PS-88123", *lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "VendorRef": {"value": vendor_id},
        "DocNumber": number,
        "TxnDate": "2026-11-20",
        "DueDate": "2026-12-20",
        "GlobalTaxCalculation": "TaxExcluded",
        "Line": list(lines) or [expense_line("124.00"), expense_line("35.00", "15")],
    }


async def test_a_vendor_shares_the_name_namespace_with_customers(qbo: QuickBooksSession) -> None:
    made = await vendor(qbo)
    assert (made["DisplayName"], made["Active"], made["Balance"]) == (
        "Plumbing Supplies Ltd",
        True,
        0,
    )
    clash = await refused(qbo, "Customer", {"DisplayName": "plumbing supplies ltd"})
    assert clash["code"] == "6240"
    await qbo.customer("Harbour Cafe")
    clash = await refused(qbo, "Vendor", {"DisplayName": "Harbour Cafe"})
    assert (clash["code"], clash["element"]) == ("6240", "DisplayName")
    # Renaming a vendor to its own name is no clash; made inactive, its name is free again.
    same = await sent(
        qbo,
        "Vendor",
        {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "Active": False},
    )
    assert same["DisplayName"] == "Plumbing Supplies Ltd (deleted)"
    await qbo.customer("Plumbing Supplies Ltd")


async def test_a_bill_is_taxed_at_purchase_rates_and_keeps_its_number(
    qbo: QuickBooksSession,
) -> None:
    supplier = await vendor(qbo)
    bill = await sent(qbo, "Bill", bill_body(supplier["Id"]))
    assert bill["DocNumber"] == "PS-88123"
    assert bill["TotalAmt"] == 174.9  # (124 + 35) * 1.1
    assert bill["Balance"] == bill["TotalAmt"]
    assert bill["TxnTaxDetail"]["TotalTax"] == 15.9
    assert bill["APAccountRef"]["value"] == "10"
    assert bill["VendorRef"] == {"value": supplier["Id"], "name": "Plumbing Supplies Ltd"}
    [first, second] = bill["Line"]
    assert first["AccountBasedExpenseLineDetail"]["AccountRef"]["name"] == "Cost of Sales"
    assert first["AccountBasedExpenseLineDetail"]["BillableStatus"] == "NotBillable"
    assert second["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] == "15"
    # A line without a tax code takes its account's; numbers repeat across vendors (and the
    # API does not refuse a repeat, as QuickBooks' own screens only warn).
    other = await vendor(qbo, "Reece Trade")
    again = await sent(
        qbo, "Bill", bill_body(other["Id"], "PS-88123", expense_line("10.00", tax_code=None))
    )
    assert again["Line"][0]["AccountBasedExpenseLineDetail"]["TaxCodeRef"] == {"value": "1"}
    assert again["TotalAmt"] == 11
    found = await qbo.query("select * from Bill where DocNumber = 'PS-88123'")
    assert len(found.json()["QueryResponse"]["Bill"]) == 2


async def test_a_bill_refuses_what_quickbooks_refuses(qbo: QuickBooksSession) -> None:
    supplier = await vendor(qbo)
    long_number = await refused(qbo, "Bill", bill_body(supplier["Id"], "X" * 22))
    assert (long_number["code"], long_number["element"]) == ("2050", "DocNumber")
    no_vendor = await refused(qbo, "Bill", {**bill_body(supplier["Id"]), "VendorRef": None})
    assert no_vendor["element"] == "VendorRef"
    income = await refused(qbo, "Bill", bill_body(supplier["Id"], "A", expense_line("5", "5")))
    assert income["code"] == "6000"
    assert "cannot take an expense line" in income["Detail"]
    stray = await refused(qbo, "Bill", {**bill_body(supplier["Id"]), "Bogus": 1})
    assert stray["code"] == "2010"
    untaxed = await refused(
        qbo, "Bill", bill_body(supplier["Id"], "B", expense_line("5", "10", tax_code=None))
    )
    assert untaxed["element"] == "Line[0].AccountBasedExpenseLineDetail.AccountRef"


async def test_updates_are_sparse_or_full_and_a_stale_synctoken_is_5010(
    qbo: QuickBooksSession,
) -> None:
    supplier = await vendor(qbo)
    bill = await sent(qbo, "Bill", {**bill_body(supplier["Id"]), "PrivateNote": "from the van"})
    sparse = await sent(
        qbo,
        "Bill",
        {"Id": bill["Id"], "SyncToken": bill["SyncToken"], "sparse": True, "DocNumber": "PS-9"},
    )
    assert (sparse["DocNumber"], sparse["PrivateNote"], sparse["SyncToken"]) == (
        "PS-9",
        "from the van",
        "1",
    )
    full = await sent(
        qbo, "Bill", {**bill_body(supplier["Id"]), "Id": bill["Id"], "SyncToken": "1"}
    )
    assert "PrivateNote" not in full
    stale = await refused(
        qbo, "Bill", {**bill_body(supplier["Id"]), "Id": bill["Id"], "SyncToken": "0"}
    )
    assert (stale["code"], stale["element"]) == ("5010", "SyncToken")


async def test_a_purchase_is_paid_from_a_bank_or_card_account(qbo: QuickBooksSession) -> None:
    supplier = await vendor(qbo)
    cash = await sent(
        qbo,
        "Purchase",
        {
            "PaymentType": "Cash",
            "AccountRef": {"value": "1"},
            "EntityRef": {"value": supplier["Id"], "type": "Vendor"},
            "DocNumber": "EXP-7",
            "TxnDate": "2026-11-21",
            "GlobalTaxCalculation": "TaxInclusive",
            "Line": [expense_line("86.25", "14")],
        },
    )
    assert cash["TotalAmt"] == 86.25  # as spent, tax inclusive
    assert cash["TxnTaxDetail"]["TotalTax"] == 7.84
    assert cash["EntityRef"] == {
        "value": supplier["Id"],
        "name": "Plumbing Supplies Ltd",
        "type": "Vendor",
    }
    assert "Balance" not in cash
    card = await sent(
        qbo,
        "Purchase",
        {"PaymentType": "CreditCard", "AccountRef": {"value": "11"}, "Line": [expense_line("9")]},
    )
    assert card["AccountRef"]["name"] == "Business Credit Card"
    wrong = await refused(
        qbo,
        "Purchase",
        {"PaymentType": "Cash", "AccountRef": {"value": "11"}, "Line": [expense_line("9")]},
    )
    assert wrong["element"] == "AccountRef"
    no_type = await refused(
        qbo, "Purchase", {"AccountRef": {"value": "1"}, "Line": [expense_line("9")]}
    )
    assert no_type["element"] == "PaymentType"
    gone = await qbo.post(
        "purchase", {"Id": cash["Id"], "SyncToken": cash["SyncToken"]}, {"operation": "delete"}
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["Purchase"]["status"] == "Deleted"
    assert qbo.company.get("Purchase", cash["Id"]) is None


async def test_a_bill_payment_brings_the_balance_down_and_links_both_ways(
    qbo: QuickBooksSession,
) -> None:
    supplier = await vendor(qbo)
    bill = await sent(qbo, "Bill", bill_body(supplier["Id"]))

    def payment(amount: str) -> dict[str, Any]:
        return {
            "VendorRef": {"value": supplier["Id"]},
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": "1"}},
            "TotalAmt": amount,
            "TxnDate": "2026-11-24",
            "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
        }

    paid = await sent(qbo, "BillPayment", payment("100.00"))
    assert paid["CheckPayment"]["BankAccountRef"]["name"] == "Business Cheque Account"
    held = qbo.stored("Bill", bill["Id"])
    assert held["Balance"] == Decimal("74.90")
    assert held["LinkedTxn"] == [{"TxnId": paid["Id"], "TxnType": "BillPayment"}]
    assert held["SyncToken"] == "1"  # its balance moved: a change for CDC and webhooks
    assert qbo.stored("Vendor", supplier["Id"])["Balance"] == Decimal("74.90")
    over = await refused(qbo, "BillPayment", payment("75.00"))
    assert over["element"] == "Line[0].Amount"
    card = {**payment("74.90"), "PayType": "CreditCard"}
    del card["CheckPayment"]
    card["CreditCardPayment"] = {"CCAccountRef": {"value": "11"}}
    rest = await sent(qbo, "BillPayment", card)
    assert qbo.stored("Bill", bill["Id"])["Balance"] == 0

    # A bill with payments on it is not deleted; a payment deleted reopens the bill.
    stored = qbo.stored("Bill", bill["Id"])
    kept = await qbo.post(
        "bill", {"Id": bill["Id"], "SyncToken": stored["SyncToken"]}, {"operation": "delete"}
    )
    assert kept.status_code == 400
    assert "payments applied" in kept.json()["Fault"]["Error"][0]["Detail"]
    deleted = await qbo.http.delete(qbo.control(f"bill-payments/{rest['Id']}"))
    assert deleted.status_code == 200, deleted.text
    assert qbo.stored("Bill", bill["Id"])["Balance"] == Decimal("74.90")
    void = await qbo.post("bill", {"Id": bill["Id"], "SyncToken": "0"}, {"operation": "void"})
    assert void.json()["Fault"]["Error"][0]["Detail"] == "Operation Void is not supported for Bill."


async def test_the_user_pays_a_bill_and_cdc_and_batches_see_bills(qbo: QuickBooksSession) -> None:
    supplier = await vendor(qbo)
    batch = {
        "BatchItemRequest": [
            {"bId": "1", "operation": "create", "Bill": bill_body(supplier["Id"], "PS-1")},
            {"bId": "2", "operation": "create", "Bill": bill_body(supplier["Id"], "X" * 30)},
        ]
    }
    first = await qbo.post("batch", batch, {"requestid": "r" * 36})
    again = await qbo.post("batch", batch, {"requestid": "r" * 36})
    assert first.json() == again.json()
    assert_response(first.json())
    made, failed = first.json()["BatchItemResponse"]
    assert made["Bill"]["DocNumber"] == "PS-1"
    assert failed["Fault"]["Error"][0]["code"] == "2050"
    assert len(qbo.company.all("Bill")) == 1

    qbo.sandbox.quickbooks.store.clock.advance(60)
    paid = await qbo.http.post(
        qbo.control("bills/PS-1/payments"),
        json={"amount": "174.90", "date": "2026-11-25", "reference": "EFT 1"},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["DocNumber"] == "EFT 1"
    since = "2026-11-23T09:00:30Z"
    cdc = await qbo.get("cdc", {"entities": "Bill,BillPayment", "changedSince": since})
    assert_response(cdc.json())
    [bills, payments] = cdc.json()["CDCResponse"][0]["QueryResponse"]
    assert bills["Bill"][0]["Balance"] == 0
    assert payments["BillPayment"][0]["Id"] == paid.json()["Id"]
    missing = await qbo.http.post(qbo.control("bills/PS-404/payments"), json={"amount": "1"})
    assert missing.status_code == 404
    too_much = await qbo.http.post(qbo.control("bills/PS-1/payments"), json={"amount": "1"})
    assert too_much.status_code == 422
    documents = (await qbo.http.get(qbo.control("documents"))).json()
    assert {len(documents[e]) for e in ("Bill", "BillPayment")} == {1}
    assert "Purchase" in documents
