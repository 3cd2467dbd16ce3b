"""Canonical records to Xero's JSON: accounts, tax, tracking, summary lines, rounding."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from syncsvc.providers.errors import Misconfigured, Rejected
from syncsvc.providers.xero.mapping import (
    InvoiceContext,
    Outcome,
    allocation_bodies,
    contact_body,
    credit_note_body,
    invoice_plan,
    payment_body,
    surcharge_invoice_body,
    unique_contact_name,
    xero_totals,
)
from syncsvc.records.canonical import CreditNote, Customer, Invoice, Payment
from syncsvc.settings.schemas import (
    AccountSettings,
    JobTypeOverride,
    Overrides,
    PaymentMethodOverride,
    SupplyOverride,
    XeroSettings,
)

RATES = {"OUTPUT2": Decimal("15"), "NONE": Decimal("0")}
SETTINGS = AccountSettings(
    labour_income_account="200",
    materials_income_account="210",
    default_income_account="260",
    rounding_account="860",
    payments_account="090",
    credit_notes_account="265",
)
OVERRIDES = Overrides(
    job_types={"jt-1": JobTypeOverride(labour_income_account="201")},
    supplies={"valve": SupplyOverride(income_account="212")},
    payment_methods={
        "card": PaymentMethodOverride(surcharge_account="270", payments_account="091")
    },
)


def ctx(settings: AccountSettings = SETTINGS, **changes: Any) -> InvoiceContext:
    fields: dict[str, Any] = {
        "settings": settings,
        "overrides": OVERRIDES,
        "contact_id": "contact-1",
        "tax_rates": RATES,
        "account_tax_types": {
            "200": "OUTPUT2",
            "201": "OUTPUT2",
            "210": "OUTPUT2",
            "212": "OUTPUT2",
            "260": "OUTPUT2",
            "499": "OUTPUT2",
        },
    }
    fields.update(changes)
    return InvoiceContext(**fields)


def thirds(tax_mode: str, total: str | None) -> Invoice:
    line = {"kind": "labour", "description": "A third", "quantity": "1", "unit_price": "33.3333"}
    return Invoice(
        version=1,
        number="INV-1",
        customer_id="c1",
        issue_date="2026-11-20",
        job_number="J-7",
        tax_mode=tax_mode,
        lines=[line, line, line],
        total=None if total is None else Decimal(total),
    )


@pytest.mark.parametrize(
    ("tax_mode", "host_total", "xero_total", "rounding"),
    [
        # Each line 33.33; tax per line 4.9995 -> 5.00: 99.99 + 15.00 = 114.99.
        ("exclusive", "115.00", "114.99", "0.01"),
        # Inclusive: the lines are the total, 99.99; the host says 100.00.
        ("inclusive", "100.00", "99.99", "0.01"),
        ("exclusive", "114.99", "114.99", None),
        ("no_tax", "100.00", "99.99", "0.01"),
    ],
)
def test_thirds_and_the_rounding_line(
    tax_mode: str, host_total: str, xero_total: str, rounding: str | None
) -> None:
    plan = invoice_plan(thirds(tax_mode, host_total), "inv-1", ctx())
    lines = plan.body["LineItems"]
    without = [line for line in lines if line["Description"] != "Rounding"]
    amount_types = plan.body["LineAmountTypes"]
    assert xero_totals(without, amount_types, RATES).total == Decimal(xero_total)
    assert xero_totals(lines, amount_types, RATES).total == Decimal(host_total)
    added = [line for line in lines if line["Description"] == "Rounding"]
    if rounding is None:
        assert added == []
    else:
        assert added == [
            {
                "Description": "Rounding",
                "Quantity": Decimal(1),
                "UnitAmount": Decimal(rounding),
                "AccountCode": "860",
                "TaxType": "NONE",
            }
        ]


def test_rounding_refuses_a_real_difference_and_needs_an_account() -> None:
    with pytest.raises(Rejected, match=r"differ by 5\.01"):
        invoice_plan(thirds("exclusive", "120.00"), "inv-1", ctx())
    no_rounding = SETTINGS.model_copy(update={"rounding_account": None})
    with pytest.raises(Misconfigured, match="rounding_account"):
        invoice_plan(thirds("exclusive", "115.00"), "inv-1", ctx(no_rounding))


def mixed() -> Invoice:
    return Invoice.model_validate(
        {
            "version": 1,
            "number": "INV-2",
            "customer_id": "c1",
            "issue_date": "2026-11-20",
            "job_number": "J-8",
            "job_type_id": "jt-1",
            "lines": [
                {"kind": "labour", "description": "Labour", "quantity": "2", "unit_price": "95"},
                {
                    "kind": "material",
                    "description": "Valve",
                    "quantity": "1",
                    "unit_price": "42.5",
                    "supply_item_id": "valve",
                    "tracking": [{"category": "Region", "option": "North"}],
                },
                {
                    "kind": "material",
                    "description": "Pipe",
                    "quantity": "3",
                    "unit_price": "9.99",
                    "discount_rate": "12.5",
                },
                {
                    "kind": "other",
                    "description": "Travel",
                    "quantity": "1",
                    "unit_price": "20",
                    "account_code": "499",
                },
            ],
        }
    )


def test_each_line_lands_in_its_account_with_tracking() -> None:
    body = invoice_plan(mixed(), "inv-2", ctx()).body
    assert [line["AccountCode"] for line in body["LineItems"]] == ["201", "212", "210", "499"]
    assert body["LineItems"][1]["Tracking"] == [{"Name": "Region", "Option": "North"}]
    assert "Tracking" not in body["LineItems"][0]
    assert body["LineItems"][2]["DiscountRate"] == Decimal("12.50")
    assert body["Reference"] == "J-8"
    assert body["Status"] == "AUTHORISED"
    assert body["Contact"] == {"ContactID": "contact-1"}


def test_default_tracking_and_reference_by_invoice_number() -> None:
    settings = AccountSettings.model_validate(
        {
            **SETTINGS.model_dump(),
            "default_tracking": [{"category": "Department", "option": "Plumbing"}],
            "invoice_reference": "invoice_number",
        }
    )
    body = invoice_plan(mixed(), "inv-2", ctx(settings)).body
    assert body["LineItems"][0]["Tracking"] == [{"Name": "Department", "Option": "Plumbing"}]
    assert body["LineItems"][1]["Tracking"] == [{"Name": "Region", "Option": "North"}]
    assert body["Reference"] == "INV-2"


def test_summary_lines_one_per_account_and_tax_type() -> None:
    settings = SETTINGS.model_copy(update={"push_line_items": False})
    lines = invoice_plan(mixed(), "inv-2", ctx(settings)).body["LineItems"]
    by_account = {line["AccountCode"]: line for line in lines}
    assert set(by_account) == {"201", "212", "210", "499"}
    # Pipe: 3 x 9.99 x 87.5% = 26.22375 -> 26.22, as Xero rounds the line.
    assert by_account["210"]["UnitAmount"] == Decimal("26.22")
    assert by_account["201"]["UnitAmount"] == Decimal("190.00")
    assert by_account["201"]["Description"].startswith("Job J-8: Labour")
    full = invoice_plan(mixed(), "inv-2", ctx()).body["LineItems"]
    assert xero_totals(lines, "Exclusive", RATES) == xero_totals(full, "Exclusive", RATES)


def test_a_line_with_no_account_names_the_setting() -> None:
    with pytest.raises(Misconfigured, match=r"line 3 \(material\): no income account"):
        invoice_plan(mixed(), "inv-2", ctx(AccountSettings(labour_income_account="200")))


def test_drafts_voids_and_deletes() -> None:
    draft = Invoice.model_validate({**mixed().model_dump(), "status": "draft"})
    assert invoice_plan(draft, "i", ctx()).body["Status"] == "DRAFT"
    drafts = SETTINGS.model_copy(update={"invoice_status": "draft"})
    assert invoice_plan(mixed(), "i", ctx(drafts)).body["Status"] == "DRAFT"
    void = Invoice.model_validate({**mixed().model_dump(), "status": "void"})
    assert invoice_plan(void, "i", ctx()).outcome is Outcome.NOTHING
    voided = invoice_plan(void, "i", ctx(invoice_id="X1", existing_status="AUTHORISED"))
    assert voided.body == {"InvoiceID": "X1", "Status": "VOIDED"}
    deleted = invoice_plan(void, "i", ctx(invoice_id="X1", existing_status="DRAFT"))
    assert deleted.body["Status"] == "DELETED"


def test_contact_body_and_unique_names() -> None:
    customer = Customer.model_validate(
        {
            "version": 1,
            "name": "Harbour Cafe",
            "email": "a@b.example",
            "phone": "+64 9 555",
            "customer_number": "C-1001",
            "addresses": [{"type": "postal", "line1": "PO Box 1", "city": "Auckland"}],
            "contact_person": {"first_name": "Ana", "last_name": "Ngata"},
        }
    )
    body = contact_body(customer, "cust-1", contact_id="X9")
    assert body["ContactNumber"] == "C-1001"
    assert body["Addresses"] == [
        {"AddressType": "POBOX", "AddressLine1": "PO Box 1", "City": "Auckland"}
    ]
    assert body["FirstName"] == "Ana"
    assert body["ContactID"] == "X9"
    no_number = Customer.model_validate({"version": 1, "name": "X"})
    assert contact_body(no_number, "cust-2")["ContactNumber"] == "cust-2"
    assert unique_contact_name("Harbour Cafe", "C-1001", {"Harbour Cafe"}) == (
        "Harbour Cafe (C-1001)"
    )
    assert unique_contact_name("Harbour Cafe", "C-1001", set()) == "Harbour Cafe"


def test_payments_and_surcharges() -> None:
    payment = Payment.model_validate(
        {
            "version": 1,
            "invoice_id": "i1",
            "amount": "232.88",
            "date": "2026-11-21",
            "payment_method_id": "card",
            "surcharge": "3.49",
            "is_card": True,
        }
    )
    body = payment_body(payment, "X1", SETTINGS, OVERRIDES)
    assert body["Account"] == {"Code": "091"}  # the card method's own deposit account
    assert body["Amount"] == Decimal("232.88")
    surcharge = surcharge_invoice_body(payment, "p1", "INV-1", "contact-1", SETTINGS, OVERRIDES)
    assert surcharge["InvoiceNumber"] == "INV-1-SC-p1"
    assert surcharge["LineItems"][0]["AccountCode"] == "270"
    assert surcharge["LineItems"][0]["UnitAmount"] == Decimal("3.49")
    with pytest.raises(Misconfigured, match="payments_account"):
        payment_body(
            payment.model_copy(update={"payment_method_id": "cash"}),
            "X1",
            AccountSettings(),
            Overrides(),
        )


def test_credit_notes_and_allocations() -> None:
    note = CreditNote.model_validate(
        {
            "version": 1,
            "number": "CN-1",
            "customer_id": "c1",
            "issue_date": "2026-11-22",
            "lines": [
                {"kind": "other", "description": "Goodwill", "quantity": "1", "unit_price": "20"}
            ],
            "allocations": [
                {"invoice_id": "i1", "amount": "23.00"},
                {"invoice_id": "i2", "amount": "1.00"},
            ],
        }
    )
    body = credit_note_body(note, "cn-1", ctx())
    assert body["Type"] == "ACCRECCREDIT"
    assert body["LineItems"][0]["AccountCode"] == "265"
    assert allocation_bodies(note, {"i1": "X1"}) == [
        {"Invoice": {"InvoiceID": "X1"}, "Amount": Decimal("23.00"), "Date": "2026-11-22"}
    ]


def test_wire_json_sends_amounts_exactly_or_not_at_all() -> None:
    from syncsvc.providers.xero.client import wire_json

    assert wire_json({"UnitAmount": Decimal("33.3333"), "Amount": Decimal("95.00")}) == (
        b'{"UnitAmount":33.3333,"Amount":95.0}'
    )
    with pytest.raises(Rejected, match="more digits"):
        wire_json({"UnitAmount": Decimal("1234567890123.4567")})


def test_a_line_without_tax_code_takes_its_accounts_tax_type_or_is_refused() -> None:
    body = invoice_plan(
        mixed(),
        "inv-2",
        ctx(account_tax_types={"201": "INPUT2", "212": "OUTPUT2", "210": "OUTPUT2", "499": "NONE"}),
    ).body
    assert [line["TaxType"] for line in body["LineItems"]] == [
        "INPUT2",
        "OUTPUT2",
        "OUTPUT2",
        "NONE",
    ]
    with pytest.raises(Misconfigured, match="account 499 has no default tax type"):
        invoice_plan(
            mixed(),
            "inv-2",
            ctx(account_tax_types={"201": "OUTPUT2", "212": "OUTPUT2", "210": "OUTPUT2"}),
        )


def test_the_hosts_tax_codes_are_mapped_to_xeros_tax_types() -> None:
    settings = SETTINGS.model_copy(
        update={"xero": XeroSettings(tax_types={"GST": "OUTPUT2", "FREE": "NONE"})}
    )
    lines = [
        {"kind": "labour", "description": n, "quantity": "1", "unit_price": "10", "tax_code": code}
        for n, code in (("a", "GST"), ("b", "FREE"), ("c", "EXEMPTOUTPUT"))
    ]
    host = Invoice(version=1, number="T-1", customer_id="c1", issue_date="2026-11-20", lines=lines)
    body = invoice_plan(host, "t-1", ctx(settings)).body
    assert [line["TaxType"] for line in body["LineItems"]] == ["OUTPUT2", "NONE", "EXEMPTOUTPUT"]
