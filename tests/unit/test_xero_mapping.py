"""Canonical documents to Xero's JSON and back: wire shapes, per-line tax and the rounding
line, the account's default tax type, contacts, the keys Xero finds records by, and Xero's
answers read into `Remote`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import Organisation, ProviderSession, TokenSet
from syncsvc.providers.documents import (
    Address,
    Contact,
    Credit,
    Line,
    Link,
    Receipt,
    SalesDocument,
    State,
)
from syncsvc.providers.errors import Misconfigured, Rejected
from syncsvc.providers.xero.books import XeroBooks
from syncsvc.providers.xero.mapping import (
    Taxes,
    allocations_missing,
    contact_body,
    line_tax,
    parse_date,
    parse_datetime,
    receipt_body,
    remote_contact,
    remote_receipt,
    remote_sales,
    remove_sales_body,
    sales_body,
    same_customer,
    unique_contact_name,
    xero_total,
)

RATES = {"OUTPUT2": Decimal("15"), "NONE": Decimal("0")}
# The organisation's accounts and their default TaxType, as the lookups give them.
TAXES = Taxes(
    RATES,
    dict.fromkeys(("200", "201", "210", "212", "260", "265", "270", "499"), "OUTPUT2"),
)
ISSUED = date(2026, 11, 20)


def document(lines: tuple[Line, ...], **changes: Any) -> SalesDocument:
    fields: dict[str, Any] = {
        "kind": "invoice",
        "number": "INV-1",
        "contact": "contact-1",
        "issue_date": ISSUED,
        "lines": lines,
        "tax_mode": "exclusive",
        "status": "approved",
        "reference": "J-7",
        "rounding_account": "860",
    }
    fields.update(changes)
    return SalesDocument(**fields)


def thirds(tax_mode: str, total: str | None, **changes: Any) -> SalesDocument:
    third = Line("A third", Decimal(1), Decimal("33.3333"), "200", None)
    host_total = None if total is None else Decimal(total)
    return document((third, third, third), tax_mode=tax_mode, host_total=host_total, **changes)


def rounding_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in body["LineItems"] if line["Description"] == "Rounding"]


# --- per-line tax and the rounding line --------------------------------------------------------


@pytest.mark.parametrize(
    ("tax_mode", "host_total", "xero_says", "rounding"),
    [
        # Each line 33.33; tax per line 4.9995 -> 5.00: 99.99 + 15.00 = 114.99.
        ("exclusive", "115.00", "114.99", "0.01"),
        # Inclusive: the lines are the total, 99.99; the host says 100.00.
        ("inclusive", "100.00", "99.99", "0.01"),
        ("exclusive", "114.99", "114.99", None),
        ("no_tax", "100.00", "99.99", "0.01"),
        # The host below Xero: the rounding line is negative.
        ("exclusive", "114.90", "114.99", "-0.09"),
    ],
)
def test_thirds_and_the_rounding_line(
    tax_mode: str, host_total: str, xero_says: str, rounding: str | None
) -> None:
    body = sales_body(thirds(tax_mode, host_total), Link(key="INV-1"), TAXES)
    lines = body["LineItems"]
    without = [line for line in lines if line["Description"] != "Rounding"]
    amount_types = body["LineAmountTypes"]
    assert xero_total(without, amount_types, RATES) == Decimal(xero_says)
    assert xero_total(lines, amount_types, RATES) == Decimal(host_total)
    if rounding is None:
        assert rounding_lines(body) == []
    else:
        assert lines[-1] == {
            "Description": "Rounding",
            "Quantity": Decimal(1),
            "UnitAmount": Decimal(rounding),
            "AccountCode": "860",
            "TaxType": "NONE",
        }
        assert len(lines) == 4


def test_rounding_refuses_a_real_difference_and_needs_an_account() -> None:
    with pytest.raises(Rejected, match=r"invoice INV-1: .* differ by 5\.01"):
        sales_body(thirds("exclusive", "120.00"), Link(), TAXES)
    with pytest.raises(Misconfigured, match="rounding_account"):
        sales_body(thirds("exclusive", "115.00", rounding_account=None), Link(), TAXES)
    # Nothing to absorb: no rounding account is needed.
    body = sales_body(thirds("exclusive", "114.99", rounding_account=None), Link(), TAXES)
    assert rounding_lines(body) == []


@pytest.mark.parametrize(("host_total", "absorbed"), [("115.09", True), ("115.10", False)])
def test_the_tolerance_is_ten_cents_either_way(host_total: str, absorbed: bool) -> None:
    below = str(Decimal("114.99") * 2 - Decimal(host_total))
    for total in (host_total, below):
        if absorbed:
            body = sales_body(thirds("exclusive", total), Link(), TAXES)
            assert xero_total(body["LineItems"], "Exclusive", RATES) == Decimal(total)
        else:
            with pytest.raises(Rejected, match="more than rounding"):
                sales_body(thirds("exclusive", total), Link(), TAXES)


def test_without_the_hosts_total_nothing_is_added() -> None:
    body = sales_body(thirds("exclusive", None), Link(), TAXES)
    assert len(body["LineItems"]) == 3
    assert rounding_lines(body) == []


def test_xero_taxes_and_rounds_each_line() -> None:
    assert line_tax(Decimal("33.33"), Decimal(15), "Exclusive") == Decimal("5.00")
    # Inclusive: the tax inside the amount, 100 x 15/115 = 13.043... -> 13.04.
    assert line_tax(Decimal("100.00"), Decimal(15), "Inclusive") == Decimal("13.04")
    assert line_tax(Decimal("100.00"), Decimal(15), "NoTax") == Decimal("0.00")
    assert line_tax(Decimal("100.00"), Decimal(0), "Exclusive") == Decimal("0.00")
    lines: list[dict[str, Any]] = [
        {"Quantity": Decimal(3), "UnitAmount": Decimal("9.99"), "DiscountRate": Decimal("12.5")},
        {"UnitAmount": Decimal("0.05"), "TaxType": "OUTPUT2"},
    ]
    # 26.22 (no TaxType: no tax) + 0.05 + 0.01 (0.0075 -> 0.01).
    assert xero_total(lines, "Exclusive", RATES) == Decimal("26.28")
    assert xero_total(lines, "Inclusive", RATES) == Decimal("26.27")
    # Per line, not on the sum: three lines of 0.05 are taxed 0.01 each (0.0075), not
    # 0.02 together (0.0225).
    each = [{"UnitAmount": Decimal("0.05"), "TaxType": "OUTPUT2"}] * 3
    assert xero_total(each, "Exclusive", RATES) == Decimal("0.18")
    assert xero_total(each, "Exclusive", {}) == Decimal("0.15")  # an unknown rate is 0


# --- wire shapes -----------------------------------------------------------------------------


def test_an_invoice_as_xero_takes_it() -> None:
    lines = (
        Line("Labour", Decimal(2), Decimal(95), "201", None),
        Line(
            "Pipe",
            Decimal(3),
            Decimal("9.99"),
            "210",
            "OUTPUT2",
            discount_rate=Decimal("12.50"),
            tracking=(("Region", "North"), ("Job", "J-8")),
        ),
    )
    invoice = document(
        lines, due_date=date(2026, 12, 20), currency="NZD", host_total=Decimal("248.65")
    )
    body = sales_body(invoice, Link("X1", "v1", "INV-1"), TAXES)
    assert body == {
        "Type": "ACCREC",
        "InvoiceNumber": "INV-1",
        "InvoiceID": "X1",
        "Contact": {"ContactID": "contact-1"},
        "Date": "2026-11-20",
        "DueDate": "2026-12-20",
        "LineAmountTypes": "Exclusive",
        "Reference": "J-7",
        "CurrencyCode": "NZD",
        "Status": "AUTHORISED",
        "LineItems": [
            {
                "Description": "Labour",
                "Quantity": Decimal(2),
                "UnitAmount": Decimal(95),
                "AccountCode": "201",
                "TaxType": "OUTPUT2",
            },
            {
                "Description": "Pipe",
                "Quantity": Decimal(3),
                "UnitAmount": Decimal("9.99"),
                "AccountCode": "210",
                "TaxType": "OUTPUT2",
                "DiscountRate": Decimal("12.50"),
                "Tracking": [
                    {"Name": "Region", "Option": "North"},
                    {"Name": "Job", "Option": "J-8"},
                ],
            },
        ],
    }
    # 190 + 28.50 tax, 26.22 + 3.93 tax: the host's total exactly, so no rounding line.
    assert xero_total(body["LineItems"], "Exclusive", RATES) == Decimal("248.65")


def test_the_key_is_the_number_sent_and_optional_fields_are_left_out() -> None:
    bare = document((Line("Work", Decimal(1), Decimal(10), "200", None),), reference=None)
    body = sales_body(bare, Link(key="INV-1-long"), TAXES)
    assert body["InvoiceNumber"] == "INV-1-long"
    assert not {"InvoiceID", "DueDate", "CurrencyCode", "Reference"} & set(body)
    assert sales_body(bare, Link(), TAXES)["InvoiceNumber"] == "INV-1"
    assert sales_body(replace(bare, status="draft"), Link(), TAXES)["Status"] == "DRAFT"
    assert "DiscountRate" not in body["LineItems"][0]
    assert "Tracking" not in body["LineItems"][0]


def test_a_credit_note_as_xero_takes_it() -> None:
    note = document(
        (Line("Goodwill", Decimal(1), Decimal(20), "265", None),),
        kind="credit_note",
        number="CN-1",
        reference=None,
        rounding_account=None,
        credits=(Credit("X1", Decimal("23.00"), date(2026, 11, 22)),),
    )
    body = sales_body(note, Link("CN-X", None, "CN-1"), TAXES)
    assert body["Type"] == "ACCRECCREDIT"
    assert body["CreditNoteNumber"] == "CN-1"
    assert body["CreditNoteID"] == "CN-X"
    assert not {"InvoiceNumber", "InvoiceID", "Allocations"} & set(body)
    assert body["LineItems"][0]["AccountCode"] == "265"
    assert body["LineItems"][0]["TaxType"] == "OUTPUT2"  # the credit-notes account's default


def test_a_line_without_tax_code_takes_its_accounts_tax_type_or_is_refused() -> None:
    lines = tuple(
        Line(name, Decimal(1), Decimal(10), account, None)
        for name, account in (("a", "201"), ("b", "212"), ("c", "210"), ("d", "499"))
    )
    defaults = {"201": "INPUT2", "212": "OUTPUT2", "210": "OUTPUT2", "499": "NONE"}
    body = sales_body(document(lines), Link(), Taxes(RATES, defaults))
    assert [line["TaxType"] for line in body["LineItems"]] == [
        "INPUT2",
        "OUTPUT2",
        "OUTPUT2",
        "NONE",
    ]
    del defaults["499"]
    with pytest.raises(Misconfigured, match="line 4: no tax code, and account 499 has no default"):
        sales_body(document(lines), Link(), Taxes(RATES, defaults))
    # The line's own tax code wins over the account's.
    coded = (Line("e", Decimal(1), Decimal(10), "201", "EXEMPTOUTPUT"),)
    assert sales_body(document(coded), Link(), Taxes(RATES, {"201": "OUTPUT2"}))["LineItems"][0][
        "TaxType"
    ] == ("EXEMPTOUTPUT")
    # NoTax: every line is NONE, whatever it or its account says.
    no_tax = document(lines + coded, tax_mode="no_tax")
    items = sales_body(no_tax, Link(), Taxes(RATES, {}))["LineItems"]
    assert body["LineAmountTypes"] == "Exclusive"
    assert {line["TaxType"] for line in items} == {"NONE"}


def test_a_draft_is_deleted_and_anything_approved_voided() -> None:
    assert remove_sales_body("invoice", "X1", "INV-1", State.OPEN) == {
        "InvoiceID": "X1",
        "InvoiceNumber": "INV-1",
        "Status": "VOIDED",
    }
    assert remove_sales_body("invoice", "X1", "INV-1", State.PAID)["Status"] == "VOIDED"
    assert remove_sales_body("invoice", "X1", "INV-1", State.DRAFT)["Status"] == "DELETED"
    assert remove_sales_body("invoice", "X1", "INV-1", None)["Status"] == "DELETED"
    assert remove_sales_body("credit_note", "C1", "CN-1", State.DRAFT) == {
        "CreditNoteID": "C1",
        "CreditNoteNumber": "CN-1",
        "Status": "VOIDED",
    }


def test_allocations_are_what_xeros_copy_lacks() -> None:
    credits = (Credit("X1", Decimal("23.00"), date(2026, 11, 22)),)
    assert allocations_missing(credits, ()) == [
        {"Invoice": {"InvoiceID": "X1"}, "Amount": Decimal("23.00"), "Date": "2026-11-22"}
    ]
    assert allocations_missing(credits, credits) == []  # a repeat never allocates twice
    part = (Credit("X1", Decimal("20.00"), date(2026, 11, 22)),)
    assert allocations_missing(credits, part)[0]["Amount"] == Decimal("3.00")
    two = (*credits, Credit("X2", Decimal("1.00"), date(2026, 11, 25)))
    assert [a["Invoice"]["InvoiceID"] for a in allocations_missing(two, credits)] == ["X2"]
    # Two credits to one invoice, of which Xero holds one: the other is missing.
    twice = (*credits, Credit("X1", Decimal("5.00"), date(2026, 11, 23)))
    assert allocations_missing(twice, credits) == [
        {"Invoice": {"InvoiceID": "X1"}, "Amount": Decimal("5.00"), "Date": "2026-11-23"}
    ]
    # Xero holds both (one allocation of 28.00 to X1 covers the two): none is repeated.
    assert allocations_missing(twice, twice) == []
    assert allocations_missing(twice, (Credit("X1", Decimal("28.00"), ISSUED),)) == []


def test_a_receipt_as_xero_takes_it() -> None:
    receipt = Receipt("X1", Decimal("232.88"), date(2026, 11, 21), "091", "R-77", "card")
    assert receipt_body(receipt, "R-77 (p1)") == {
        "Invoice": {"InvoiceID": "X1"},
        "Account": {"Code": "091"},
        "Date": "2026-11-21",
        "Amount": Decimal("232.88"),
        "Reference": "R-77 (p1)",
    }


def test_wire_json_sends_amounts_exactly_or_not_at_all() -> None:
    from syncsvc.providers.xero.client import wire_json

    assert wire_json({"UnitAmount": Decimal("33.3333"), "Amount": Decimal("95.00")}) == (
        b'{"UnitAmount":33.3333,"Amount":95.0}'
    )
    with pytest.raises(Rejected, match="more digits"):
        wire_json({"UnitAmount": Decimal("1234567890123.4567")})


# --- contacts and keys ---------------------------------------------------------------------

HARBOUR = Contact(
    name="Harbour Cafe",
    number="C-1001",
    email="a@b.example",
    phone="+64 9 555",
    tax_number="123-456-789",
    first_name="Ana",
    last_name="Ngata",
    addresses=(
        Address("postal", ("PO Box 1",), city="Auckland"),
        Address(
            "street",
            ("1 Quay St", "Level 2", "Suite 3", "Door 4"),
            region="Auckland",
            postal_code="1010",
            country="NZ",
            attention_to="Accounts",
        ),
    ),
)


def test_contact_body_and_unique_names() -> None:
    body = contact_body(HARBOUR, "C-1001", "X9")
    assert body == {
        "Name": "Harbour Cafe",
        "ContactNumber": "C-1001",
        "ContactID": "X9",
        "EmailAddress": "a@b.example",
        "TaxNumber": "123-456-789",
        "FirstName": "Ana",
        "LastName": "Ngata",
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "+64 9 555"}],
        "Addresses": [
            {"AddressType": "POBOX", "AddressLine1": "PO Box 1", "City": "Auckland"},
            {
                "AddressType": "STREET",
                "AddressLine1": "1 Quay St",
                "AddressLine2": "Level 2",
                "AddressLine3": "Suite 3",
                "AddressLine4": "Door 4",
                "Region": "Auckland",
                "PostalCode": "1010",
                "Country": "NZ",
                "AttentionTo": "Accounts",
            },
        ],
    }
    # The number sent is the key, not the contact's own; nothing empty is sent.
    assert contact_body(Contact(name="X"), "cust-2", None) == {
        "Name": "X",
        "ContactNumber": "cust-2",
    }
    assert unique_contact_name("Harbour Cafe", "C-1001", {"Harbour Cafe"}) == (
        "Harbour Cafe (C-1001)"
    )
    assert unique_contact_name("Harbour Cafe", "C-1001", set()) == "Harbour Cafe"
    long = unique_contact_name("n" * 255, "C-1001", {"n" * 255})
    assert len(long) == 255
    assert long.endswith("n (C-1001)")


def test_same_customer_by_our_number_or_else_by_email() -> None:
    ours = {"ContactNumber": "C-1001", "EmailAddress": "a@b.example"}
    assert same_customer({"ContactNumber": "C-1001"}, ours)
    assert not same_customer({"ContactNumber": "C-9", "EmailAddress": "a@b.example"}, ours)
    assert same_customer({"EmailAddress": " A@B.example "}, ours)
    assert not same_customer({"EmailAddress": "z@b.example"}, ours)
    assert not same_customer({}, {"ContactNumber": "C-1"})  # no number, no email: not ours


def books() -> XeroBooks:
    session = ProviderSession(
        httpx.AsyncClient(),
        TokenSet("token", None, datetime(2026, 11, 23, tzinfo=UTC)),
        Organisation("org-1", "Demo"),
    )
    return XeroBooks(session)


def test_the_keys_xero_finds_records_by() -> None:
    keys = books()
    assert keys.key_for(RecordKind.CUSTOMER, "cust-1", HARBOUR) == "C-1001"
    assert keys.key_for(RecordKind.CUSTOMER, "cust-2", Contact(name="X")) == "cust-2"
    assert keys.key_for(RecordKind.CUSTOMER, "c", Contact(name="X", number="N" * 60)) == "N" * 50
    invoice = document((), number="I" * 300)
    assert keys.key_for(RecordKind.INVOICE, "i", invoice) == "I" * 255
    # A payment's key carries the host's id: a cheque number used twice is two payments.
    receipt = Receipt("X1", Decimal(1), ISSUED, "090", "CHQ 12")
    assert keys.key_for(RecordKind.PAYMENT, "p1", receipt) == "CHQ 12 (p1)"
    unreferenced = Receipt("X1", Decimal(1), ISSUED, "090")
    assert keys.key_for(RecordKind.PAYMENT, "p1", unreferenced) == "p1"
    long = Receipt("X1", Decimal(1), ISSUED, "090", "R" * 255)
    assert keys.key_for(RecordKind.PAYMENT, "p1", long) == "R" * 250 + " (p1)"


# --- Xero's answers read back ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "state", "draft"),
    [
        ("DRAFT", State.DRAFT, True),
        ("SUBMITTED", State.DRAFT, True),
        ("AUTHORISED", State.OPEN, False),
        ("PAID", State.PAID, False),
        ("VOIDED", State.VOID, False),
        ("DELETED", State.GONE, False),
        (None, State.OPEN, False),
    ],
)
@pytest.mark.parametrize("kind", ["invoice", "credit_note"])
def test_xeros_statuses_in_five_words(
    kind: str, status: str | None, state: State, draft: bool
) -> None:
    body: dict[str, Any] = (
        {"Type": "ACCREC", "InvoiceID": "X1", "InvoiceNumber": "INV-1"}
        if kind == "invoice"
        else {"Type": "ACCRECCREDIT", "CreditNoteID": "C1", "CreditNoteNumber": "CN-1"}
    )
    if status is not None:
        body["Status"] = status
    remote = remote_sales(body)
    assert remote.state is state
    assert remote.document.kind == kind
    assert remote.document.status == ("draft" if draft else "approved")


def test_an_invoice_read_back_with_its_payments() -> None:
    body = {
        "Type": "ACCREC",
        "InvoiceID": "X1",
        "InvoiceNumber": "INV-1",
        "Reference": "J-7",
        "Contact": {"ContactID": "contact-1", "Name": "Harbour Cafe"},
        "Date": "/Date(1795132800000+0000)/",
        "DueDate": "/Date(1797724800000+0000)/",
        "FullyPaidOnDate": "/Date(1795219200000+0000)/",
        "UpdatedDateUTC": "/Date(1795251600000+0000)/",
        "CurrencyCode": "NZD",
        "LineAmountTypes": "Inclusive",
        "Status": "PAID",
        "Total": 115.0,
        "AmountPaid": 100.0,
        "AmountCredited": 15.0,
        "LineItems": [
            {
                "Description": "Labour",
                "Quantity": 2.0,
                "UnitAmount": 57.5,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
                "DiscountRate": 10.0,
            },
            {"Description": "Rounding", "UnitAmount": 0.01, "AccountCode": "860"},
        ],
        "Payments": [
            {
                "PaymentID": "P1",
                "Date": "/Date(1795219200000+0000)/",
                "Amount": 100.0,
                "Reference": "R-77 (p1)",
            }
        ],
    }
    remote = remote_sales(body)
    assert remote.link == Link("X1", "/Date(1795251600000+0000)/", "INV-1")
    assert remote.state is State.PAID
    assert remote.updated_at == datetime(2026, 11, 21, 9, tzinfo=UTC)
    assert (remote.total, remote.amount_paid) == (Decimal("115.00"), Decimal("115.00"))
    assert remote.paid_on == date(2026, 11, 21)
    held = remote.document
    assert (held.kind, held.number, held.contact, held.reference) == (
        "invoice",
        "INV-1",
        "contact-1",
        "J-7",
    )
    assert (held.issue_date, held.due_date) == (date(2026, 11, 20), date(2026, 12, 20))
    assert (held.tax_mode, held.currency, held.status) == ("inclusive", "NZD", "approved")
    assert held.lines == (
        Line("Labour", Decimal("2.0"), Decimal("57.5"), "200", "OUTPUT2", Decimal("10.0")),
        Line("Rounding", Decimal(1), Decimal("0.01"), "860", None),
    )
    # Payments inside an invoice are receipts on it.
    assert len(remote.receipts) == 1
    payment = remote.receipts[0]
    assert payment.link == Link("P1", None, "R-77 (p1)")
    assert payment.state is State.OPEN
    assert payment.document == Receipt("X1", Decimal("100.00"), date(2026, 11, 21), "", "R-77 (p1)")


def test_a_credit_note_read_back_with_its_allocations() -> None:
    body = {
        "Type": "ACCRECCREDIT",
        "CreditNoteID": "C1",
        "CreditNoteNumber": "CN-1",
        "Status": "AUTHORISED",
        "LineAmountTypes": "NoTax",
        "Date": "2026-11-22T00:00:00",
        "Allocations": [
            {"Invoice": {"InvoiceID": "X1"}, "Amount": 23, "Date": "2026-11-22T00:00:00"}
        ],
    }
    remote = remote_sales(body)
    assert remote.link == Link("C1", None, "CN-1")
    assert remote.document.kind == "credit_note"
    assert remote.document.tax_mode == "no_tax"
    assert remote.document.issue_date == date(2026, 11, 22)
    assert remote.document.credits == (Credit("X1", Decimal("23.00"), date(2026, 11, 22)),)
    assert remote.total is None
    assert remote.amount_paid == Decimal("0.00")
    assert remote.receipts == ()


@pytest.mark.parametrize(("status", "state"), [("AUTHORISED", State.OPEN), ("DELETED", State.GONE)])
def test_a_payment_read_back(status: str, state: State) -> None:
    body = {
        "PaymentID": "P1",
        "Status": status,
        "Invoice": {"InvoiceID": "X1", "InvoiceNumber": "INV-1"},
        "Account": {"AccountID": "a-1", "Code": "091"},
        "Date": "/Date(1795219200000+0000)/",
        "Amount": 232.88,
        "Reference": "R-77 (p1)",
        "IsReconciled": True,
        "UpdatedDateUTC": "/Date(1795251600000+0000)/",
    }
    remote = remote_receipt(body)
    assert remote.state is state
    assert remote.reconciled
    assert remote.link == Link("P1", "/Date(1795251600000+0000)/", "R-77 (p1)")
    assert remote.document == Receipt(
        "X1", Decimal("232.88"), date(2026, 11, 21), "091", "R-77 (p1)"
    )
    assert not remote_receipt({**body, "IsReconciled": False}).reconciled


@pytest.mark.parametrize(
    ("status", "state", "active"),
    [("ACTIVE", State.OPEN, True), ("ARCHIVED", State.VOID, False), (None, State.OPEN, True)],
)
def test_a_contact_read_back(status: str | None, state: State, active: bool) -> None:
    body: dict[str, Any] = {
        **contact_body(HARBOUR, "C-1001", "X9"),
        "UpdatedDateUTC": "2026-11-23T09:00:00",
    }
    if status is not None:
        body["ContactStatus"] = status
    remote = remote_contact(body)
    assert remote.state is state
    assert remote.link == Link("X9", "2026-11-23T09:00:00", "C-1001")
    assert remote.updated_at == datetime(2026, 11, 23, 9, tzinfo=UTC)
    # What was sent comes back as it was.
    assert remote.document == replace(HARBOUR, active=active)


def test_a_contact_read_back_skips_what_xero_holds_empty() -> None:
    body = {
        "ContactID": "X9",
        "Name": "Harbour Cafe",
        "ContactNumber": "",
        "EmailAddress": "",
        "Phones": [
            {"PhoneType": "DDI"},
            {"PhoneType": "DEFAULT", "PhoneNumber": "+64 9 555"},
        ],
        "Addresses": [{"AddressType": "POBOX"}, {"AddressType": "STREET", "City": "Auckland"}],
    }
    contact = remote_contact(body).document
    assert (contact.number, contact.email, contact.phone) == (None, None, "+64 9 555")
    assert contact.addresses == (Address("street", (), city="Auckland"),)


def test_xeros_dates() -> None:
    moment = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert parse_datetime("/Date(1700000000000+0000)/") == moment
    assert parse_datetime("/Date(1700000000000)/") == moment
    assert parse_datetime("/Date(-86400000+0000)/") == datetime(1969, 12, 31, tzinfo=UTC)
    assert parse_datetime("2023-11-14T22:13:20Z") == moment
    assert parse_datetime("2023-11-15T11:13:20+13:00") == moment
    assert parse_datetime("2023-11-14T22:13:20") == moment  # Xero's zone-less times are UTC
    assert parse_date("/Date(1795132800000+0000)/") == date(2026, 11, 20)
    assert parse_date("2026-11-20T00:00:00") == date(2026, 11, 20)
    for nothing in (None, "", "soon", 1700000000000):
        assert parse_datetime(nothing) is None
        assert parse_date(nothing) is None


def test_an_ms_json_offset_names_a_zone_and_keeps_the_instant() -> None:
    assert parse_datetime("/Date(1700000000000+1300)/") == datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=UTC
    )
