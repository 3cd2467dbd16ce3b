"""QuickBooks' settings page through the host API and the sandbox: each code checked against
the company's lookups (a 422 naming the field), and each setting seen where it lands in
QuickBooks: tax codes on lines, the lead-source custom field, card payments in their account,
the payment method, the credit-notes account, summary lines and the job number as reference."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from syncsvc.push.worker import PushWorker
from tests.factories import credit_note, customer, invoice, line, payment
from tests.integration.sandbox_helpers import (
    START,
    Linked,
    connected_tenant,
    linked,
    quickbooks_documents,
)

CONTROL = "/quickbooks/_control"
# The sandbox company: accounts 1 cheque, 3 undeposited funds, 5 Sales, 6 Services,
# 7 Materials Income, 8 Card Surcharges; tax codes 1 GST 10%, 2 FRE 0%; payment methods
# 1 Cash ... 4 Visa; sales-form custom fields 1 "Lead source" (on), 2 "Crew #" (off).
SETTINGS: dict[str, Any] = {
    "payments_account": "1",
    "labour_income_account": "5",
    "materials_income_account": "7",
    "default_income_account": "8",
    "credit_notes_account": "6",
    "default_payment_method": "1",
    "invoice_reference": "job_number",
    "quickbooks": {
        "tax_codes": {"EXPORT": "2"},
        "sales_tax_code": "1",
        "sales_tax_free_code": "2",
        "purchases_tax_code": "1",
        "purchases_tax_free_code": "2",
        "lead_source_field": "Lead source",
        "card_payments": True,
        "card_payments_account": "3",
    },
}
LEAD_SOURCE = "Word of mouth from a neighbour down the road"


@pytest.fixture
async def link(database_url: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, provider="quickbooks") as value:
        yield value


async def _push(link: Linked) -> None:
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    await worker.run_once()


def _item_accounts(books: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    return {i["Id"]: i["IncomeAccountRef"]["value"] for i in books["Item"]}


async def test_unknown_codes_are_refused_naming_each_field(link: Linked) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    h = tenant.headers
    fields = await link.service.get("/v1/lookups/custom-fields", headers=h)
    assert fields.status_code == 200, fields.text
    assert [(i["code"], i["name"], i["status"]) for i in fields.json()["items"]] == [
        ("1", "Lead source", "ACTIVE"),
        ("2", "Crew #", "INACTIVE"),
    ]
    wrong = {
        **SETTINGS,
        "default_payment_method": "Cash",  # a name where the Id belongs
        "quickbooks": {
            **SETTINGS["quickbooks"],
            "sales_tax_code": "9",
            "sales_tax_free_code": "1",  # GST is not tax-free
            "purchases_tax_code": "9",
            "purchases_tax_free_code": "9",
            "lead_source_field": "Crew #",  # switched off in QuickBooks
            "card_payments_account": "5",  # an income account takes no deposits
        },
    }
    answer = await link.service.put("/v1/settings", json=wrong, headers=h)
    assert answer.status_code == 422, answer.text
    errors = {e["field"]: e for e in answer.json()["errors"]}
    assert {field: e["code"] for field, e in errors.items()} == {
        "quickbooks.card_payments_account": "account_unsuitable",
        "quickbooks.sales_tax_code": "tax_code_missing",
        "quickbooks.sales_tax_free_code": "tax_code_unsuitable",
        "quickbooks.purchases_tax_code": "tax_code_missing",
        "quickbooks.purchases_tax_free_code": "tax_code_missing",
        "quickbooks.lead_source_field": "custom_field_inactive",
        "default_payment_method": "payment_method_missing",
    }
    assert errors["default_payment_method"]["message"] == (
        "payment method Cash does not exist; choose one of 1 (Cash), 2 (Cheque), 3 (EFT), "
        "4 (Visa), 5 (MasterCard)"
    )
    assert errors["quickbooks.lead_source_field"]["message"] == (
        "custom field Crew # is inactive; choose one of Lead source"
    )
    assert "its sales rate is 10%" in errors["quickbooks.sales_tax_free_code"]["message"]
    # Card payments switched on need their account, connected or not.
    no_account = {**SETTINGS, "quickbooks": {**SETTINGS["quickbooks"]}}
    del no_account["quickbooks"]["card_payments_account"]
    answer = await link.service.put("/v1/settings", json=no_account, headers=h)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["quickbooks.card_payments_account"]
    # Nothing was kept; the right settings are.
    kept = (await link.service.get("/v1/settings", headers=h)).json()
    assert kept["quickbooks"]["sales_tax_code"] is None
    answer = await link.service.put("/v1/settings", json=SETTINGS, headers=h)
    assert answer.status_code == 200, answer.text
    assert answer.json()["quickbooks"] == SETTINGS["quickbooks"]


async def test_each_setting_lands_in_quickbooks(link: Linked) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    h = tenant.headers
    answer = await link.service.put("/v1/settings", json=SETTINGS, headers=h)
    assert answer.is_success, answer.text
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    lines = [
        line(),  # OUTPUT2, not mapped: taxed, so the sales tax code
        line(kind="material", description="Valve", quantity="1", unit_price="42.50")
        | {"tax_code": "EXPORT"},  # mapped
        line(kind="other", description="Travel", quantity="1", unit_price="10.00")
        | {"tax_code": None},  # no code: tax-free
    ]
    sent = invoice(lines=lines, total="261.50", lead_source=LEAD_SOURCE)
    assert (await link.service.put("/v1/invoices/inv-1", json=sent, headers=h)).is_success
    card = payment(amount="100.00", payment_method_id="4", surcharge="0.00", is_card=True)
    cash = payment(amount="50.00", payment_method_id="cash", surcharge="0.00", is_card=False)
    await link.service.put("/v1/payments/pay-card", json=card, headers=h)
    await link.service.put("/v1/payments/pay-cash", json=cash, headers=h)
    note = credit_note(allocations=[{"invoice_id": "inv-1", "amount": "22.00"}])
    await link.service.put("/v1/credit-notes/cn-1", json=note, headers=h)
    await _push(link)
    for path in (
        "/v1/invoices/inv-1",
        "/v1/payments/pay-card",
        "/v1/payments/pay-cash",
        "/v1/credit-notes/cn-1",
    ):
        read = (await link.service.get(path, headers=h)).json()
        assert read["sync"]["state"] == "synced", (path, read["sync"])

    books = await quickbooks_documents(link)
    items = _item_accounts(books)
    [bill] = [i for i in books["Invoice"] if i.get("DocNumber") == "INV-1001"]
    codes = [
        (items[d["ItemRef"]["value"]], d["TaxCodeRef"]["value"])
        for d in (x["SalesItemLineDetail"] for x in bill["Line"] if "SalesItemLineDetail" in x)
    ]
    assert codes == [("5", "1"), ("7", "2"), ("8", "2")]
    assert Decimal(str(bill["TotalAmt"])) == Decimal("261.50")
    assert bill["CustomField"] == [
        {
            "DefinitionId": "1",
            "Name": "Lead source",
            "Type": "StringType",
            "StringValue": LEAD_SOURCE[:31],
        }
    ]
    assert bill["CustomerMemo"] == {"value": "J-77"}  # the job number as the reference

    by_note = {str(p.get("PrivateNote")).split(" ")[1]: p for p in books["Payment"]}
    paid_by_card, paid_in_cash = by_note["pay-card"], by_note["pay-cash"]
    assert paid_by_card["DepositToAccountRef"]["value"] == "3"  # the card account
    assert paid_by_card["PaymentMethodRef"] == {"value": "4"}  # the host's, QuickBooks' Visa
    assert paid_in_cash["DepositToAccountRef"]["value"] == "1"  # payments_account
    assert paid_in_cash["PaymentMethodRef"] == {"value": "1"}  # the default: Cash

    [memo] = [m for m in books["CreditMemo"] if m.get("DocNumber") == "CN-1"]
    memo_lines = [x["SalesItemLineDetail"] for x in memo["Line"] if "SalesItemLineDetail" in x]
    assert [items[d["ItemRef"]["value"]] for d in memo_lines] == ["6"]  # credit_notes_account
    assert "CustomField" not in memo


async def test_line_items_off_sends_one_line_per_account_and_tax_code(link: Linked) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    h = tenant.headers
    summary = {**SETTINGS, "push_line_items": False, "invoice_reference": "invoice_number"}
    answer = await link.service.put("/v1/settings", json=summary, headers=h)
    assert answer.is_success, answer.text
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    lines = [
        line(description="Call-out"),
        line(description="Repair"),
        line(kind="material", description="Valve", quantity="1", unit_price="42.50"),
    ]
    sent = invoice(lines=lines, total=None)
    assert (await link.service.put("/v1/invoices/inv-1", json=sent, headers=h)).is_success
    await _push(link)
    read = (await link.service.get("/v1/invoices/inv-1", headers=h)).json()
    assert read["sync"]["state"] == "synced", read["sync"]

    books = await quickbooks_documents(link)
    items = _item_accounts(books)
    [bill] = [i for i in books["Invoice"] if i.get("DocNumber") == "INV-1001"]
    sales = [x for x in bill["Line"] if "SalesItemLineDetail" in x]
    assert [
        (items[x["SalesItemLineDetail"]["ItemRef"]["value"]], Decimal(str(x["Amount"])))
        for x in sales
    ] == [("5", Decimal("380.00")), ("7", Decimal("42.50"))]
    assert sales[0]["Description"] == "Job J-77: Call-out; Repair"
    assert bill["CustomerMemo"] == {"value": "INV-1001"}  # invoice_number as the reference
    assert "CustomField" not in bill  # the invoice has no lead source


async def test_a_lead_source_field_switched_off_since_fails_the_invoice_saying_so(
    link: Linked,
) -> None:
    tenant = await connected_tenant(link, "quickbooks")
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    # A person switches the field off in QuickBooks after the settings were kept.
    [company] = link.sandbox.quickbooks.store.companies.values()
    for group in company.prefs["SalesFormsPrefs"]["CustomField"]:
        for pair in group["CustomField"]:
            if pair["Name"] == "SalesFormsPrefs.UseSalesCustom1":
                pair["BooleanValue"] = False
    link.advance(301)  # past the lookups' cache
    sourced = invoice(total=None, lead_source="Google")
    await link.service.put("/v1/invoices/inv-1", json=sourced, headers=h)
    plain = invoice(number="INV-1002", total=None)
    await link.service.put("/v1/invoices/inv-2", json=plain, headers=h)
    await _push(link)
    failed = (await link.service.get("/v1/invoices/inv-1", headers=h)).json()["sync"]
    assert failed["state"] == "failed", failed
    assert "no sales-form custom field Lead source" in failed["last_error"]
    assert "its custom fields: none" in failed["last_error"]
    # An invoice without a lead source needs no field: it goes.
    other = (await link.service.get("/v1/invoices/inv-2", headers=h)).json()["sync"]
    assert other["state"] == "synced", other
