"""The tenant's policy applied to host records: accounts, tax codes, tracking, summary lines,
the reference, draft or approved, the credit-notes account, deposit accounts, surcharges."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.base import Organisation, ProviderSession, TokenSet
from syncsvc.providers.documents import (
    Address,
    Contact,
    Credit,
    Line,
    Link,
    Receipt,
    SalesDocument,
)
from syncsvc.providers.errors import Misconfigured
from syncsvc.providers.myob.spec import MYOB
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.xero.books import XeroBooks
from syncsvc.providers.xero.mapping import Taxes, sales_body, xero_total
from syncsvc.providers.xero.spec import XERO
from syncsvc.push import planning, prepare
from syncsvc.push.prepare import Policy, policy_for
from syncsvc.records.canonical import CreditNote, Customer, Invoice, Payment
from syncsvc.settings.schemas import (
    AccountSettings,
    DefaultTracking,
    JobTypeOverride,
    Overrides,
    PaymentMethodOverride,
    QuickBooksSettings,
    SupplyOverride,
    XeroSettings,
)

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
        "card": PaymentMethodOverride(surcharge_account="270", payments_account="091"),
        "eftpos": PaymentMethodOverride(surcharge_account="271"),
    },
)


def policy(
    settings: AccountSettings = SETTINGS,
    overrides: Overrides = OVERRIDES,
    draft_documents: bool = True,
) -> Policy:
    """The policy as the worker builds it for Xero (tax codes from settings.xero.tax_types)."""
    return policy_for(settings, overrides, XERO, draft_documents)


def with_settings(**changes: Any) -> AccountSettings:
    return AccountSettings.model_validate({**SETTINGS.model_dump(), **changes})


def thirds(tax_mode: str, total: str | None) -> Invoice:
    line = {"kind": "labour", "description": "A third", "quantity": "1", "unit_price": "33.3333"}
    return Invoice.model_validate(
        {
            "version": 1,
            "number": "INV-1",
            "customer_id": "c1",
            "issue_date": "2026-11-20",
            "job_number": "J-7",
            "tax_mode": tax_mode,
            "lines": [line, line, line],
            "total": total,
        }
    )


def mixed(**changes: Any) -> Invoice:
    return Invoice.model_validate(
        {
            "version": 1,
            "number": "INV-2",
            "customer_id": "c1",
            "issue_date": "2026-11-20",
            "due_date": "2026-12-20",
            "currency": "NZD",
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
            **changes,
        }
    )


def one_line(job_type_id: str | None = None, **line: Any) -> Invoice:
    return Invoice.model_validate(
        {
            "version": 1,
            "number": "INV-3",
            "customer_id": "c1",
            "issue_date": "2026-11-20",
            "job_type_id": job_type_id,
            "lines": [{"description": "Work", "quantity": "1", "unit_price": "10", **line}],
        }
    )


# --- where each line lands ---------------------------------------------------------------------


def test_each_line_lands_in_its_account_with_tracking() -> None:
    document = prepare.invoice(mixed(), "inv-2", "contact-1", policy())
    assert [line.account for line in document.lines] == ["201", "212", "210", "499"]
    assert document.lines[1].tracking == (("Region", "North"),)
    assert document.lines[0].tracking == ()
    assert document.lines[2].discount_rate == Decimal("12.50")
    assert [line.discount_rate for line in (document.lines[0], document.lines[1])] == [None, None]
    # No tax code from the host: the package's default for the account applies.
    assert [line.tax_code for line in document.lines] == [None, None, None, None]
    assert document.lines[0] == Line("Labour", Decimal(2), Decimal(95), "201", None)
    assert document.kind == "invoice"
    assert document.number == "INV-2"
    assert document.reference == "J-8"
    assert document.status == "approved"
    assert document.contact == "contact-1"
    assert document.tax_mode == "exclusive"
    assert (document.issue_date, document.due_date) == (date(2026, 11, 20), date(2026, 12, 20))
    assert document.currency == "NZD"
    assert document.credits == ()


@pytest.mark.parametrize(
    ("job_type_id", "line", "settings", "account"),
    [
        # The line's own account wins over its supply item, its job type and every setting.
        ("jt-1", {"kind": "material", "supply_item_id": "valve", "account_code": "499"}, {}, "499"),
        # Then the supply item's, over the job type and the kind's account.
        ("jt-1", {"kind": "material", "supply_item_id": "valve"}, {}, "212"),
        # A supply item with no override: as if it had none.
        (None, {"kind": "material", "supply_item_id": "washer"}, {}, "210"),
        # Then the job type's, for its kind only.
        ("jt-1", {"kind": "labour"}, {}, "201"),
        ("jt-1", {"kind": "material"}, {}, "210"),
        ("jt-unknown", {"kind": "labour"}, {}, "200"),
        # Then the kind's account, then the default.
        (None, {"kind": "labour"}, {}, "200"),
        (None, {"kind": "other"}, {}, "260"),
        (None, {"kind": "labour"}, {"labour_income_account": None}, "260"),
        (None, {"kind": "material"}, {"materials_income_account": None}, "260"),
    ],
)
def test_accounts_resolve_line_then_supply_then_job_type_then_default(
    job_type_id: str | None, line: dict[str, Any], settings: dict[str, Any], account: str
) -> None:
    host = one_line(job_type_id, **line)
    document = prepare.invoice(host, "inv-3", "contact-1", policy(with_settings(**settings)))
    assert [line.account for line in document.lines] == [account]


def test_a_line_with_no_account_names_the_setting() -> None:
    with pytest.raises(Misconfigured, match=r"line 3 \(material\): no income account") as caught:
        prepare.invoice(
            mixed(), "inv-2", "contact-1", policy(AccountSettings(labour_income_account="200"))
        )
    assert "invoice INV-2 (inv-2)" in caught.value.message
    assert "default_income_account" in caught.value.message


def test_a_material_line_with_no_account_names_the_materials_setting() -> None:
    with pytest.raises(Misconfigured) as caught:
        prepare.invoice(
            mixed(), "inv-2", "contact-1", policy(AccountSettings(labour_income_account="200"))
        )
    assert "materials_income_account" in caught.value.message


def test_default_tracking_and_reference_by_invoice_number() -> None:
    settings = with_settings(
        default_tracking=[{"category": "Department", "option": "Plumbing"}],
        invoice_reference="invoice_number",
    )
    document = prepare.invoice(mixed(), "inv-2", "contact-1", policy(settings))
    assert document.lines[0].tracking == (("Department", "Plumbing"),)
    # A line's own tracking replaces the default; the two are never mixed.
    assert document.lines[1].tracking == (("Region", "North"),)
    assert document.reference == "INV-2"


def test_the_reference_is_the_invoice_number_when_there_is_no_job_number() -> None:
    document = prepare.invoice(mixed(job_number=None), "inv-2", "contact-1", policy())
    assert SETTINGS.invoice_reference == "job_number"
    assert document.reference == "INV-2"


def test_tracking_is_at_most_two_options() -> None:
    two = [{"category": "Region", "option": "North"}, {"category": "Job", "option": "J-8"}]
    host = one_line(kind="labour", tracking=two)
    settings = with_settings(default_tracking=[{"category": "Department", "option": "Plumbing"}])
    assert prepare.invoice(host, "i", "c", policy(settings)).lines[0].tracking == (
        ("Region", "North"),
        ("Job", "J-8"),
    )
    # Settings stored before the limit (not validated again): only the first two are sent.
    three = SETTINGS.model_copy(
        update={
            "default_tracking": [
                DefaultTracking(category=f"C{n}", option=f"O{n}") for n in range(1, 4)
            ]
        }
    )
    lines = prepare.invoice(one_line(kind="labour"), "i", "c", policy(three)).lines
    assert lines[0].tracking == (("C1", "O1"), ("C2", "O2"))


# --- tax codes -----------------------------------------------------------------------------


def test_the_hosts_tax_codes_are_mapped_through_the_settings() -> None:
    settings = with_settings(xero=XeroSettings(tax_types={"GST": "OUTPUT2", "FREE": "NONE"}))
    lines = [
        {"kind": "labour", "description": n, "quantity": "1", "unit_price": "10", "tax_code": code}
        for n, code in (("a", "GST"), ("b", "FREE"), ("c", "EXEMPTOUTPUT"), ("d", None))
    ]
    host = Invoice.model_validate(
        {"version": 1, "number": "T-1", "customer_id": "c1", "issue_date": "2026-11-20"}
        | {"lines": lines}
    )
    document = prepare.invoice(host, "t-1", "contact-1", policy(settings))
    assert [line.tax_code for line in document.lines] == ["OUTPUT2", "NONE", "EXEMPTOUTPUT", None]
    # A package with no tax-code setting gets the host's codes as they are.
    plain = policy_for(settings, OVERRIDES, MYOB, draft_documents=True)
    assert [line.tax_code for line in prepare.invoice(host, "t-1", "c", plain).lines] == [
        "GST",
        "FREE",
        "EXEMPTOUTPUT",
        None,
    ]


# --- summary lines -------------------------------------------------------------------------


def test_quickbooks_lines_without_a_mapped_code_take_the_tenants_defaults() -> None:
    block = QuickBooksSettings(tax_codes={"GST": "1"}, sales_tax_code="7", sales_tax_free_code="2")
    lines = [
        {"kind": "labour", "description": n, "quantity": "1", "unit_price": "10", "tax_code": code}
        for n, code in (("mapped", "GST"), ("taxed", "OUTPUT2"), ("free", None))
    ]
    host = Invoice.model_validate(
        {"version": 1, "number": "T-1", "customer_id": "c1", "issue_date": "2026-11-20"}
        | {"lines": lines}
    )
    qbo = policy_for(with_settings(quickbooks=block), OVERRIDES, QUICKBOOKS, False)
    assert (qbo.taxed_code, qbo.tax_free_code) == ("7", "2")
    document = prepare.invoice(host, "t-1", "c", qbo)
    assert [line.tax_code for line in document.lines] == ["1", "7", "2"]
    # Without the defaults: the host's code as it is, and no code (the account's default).
    plain = policy_for(
        with_settings(quickbooks=QuickBooksSettings(tax_codes={"GST": "1"})),
        OVERRIDES,
        QUICKBOOKS,
        False,
    )
    assert [line.tax_code for line in prepare.invoice(host, "t-1", "c", plain).lines] == [
        "1",
        "OUTPUT2",
        None,
    ]
    # Xero's block is not QuickBooks': its defaults never apply there.
    assert [
        line.tax_code
        for line in prepare.invoice(host, "t-1", "c", policy(with_settings(quickbooks=block))).lines
    ] == ["GST", "OUTPUT2", None]


def test_the_package_gets_its_own_settings_block_only() -> None:
    settings = with_settings(quickbooks=QuickBooksSettings(lead_source_field="Lead source"))
    block = prepare.package_settings(settings, QUICKBOOKS)
    assert block["lead_source_field"] == "Lead source"
    assert block["card_payments"] is False
    assert "tax_types" not in block
    assert prepare.package_settings(settings, MYOB) == {}


def test_an_invoice_carries_its_lead_source_and_a_receipt_the_default_method() -> None:
    host = Invoice.model_validate(
        {"version": 1, "number": "T-1", "customer_id": "c1", "issue_date": "2026-11-20"}
        | {
            "lead_source": "Google",
            "lines": [{"kind": "labour", "description": "a", "quantity": "1", "unit_price": "10"}],
        }
    )
    assert prepare.invoice(host, "t-1", "c", policy()).lead_source == "Google"
    with_default = policy(with_settings(default_payment_method="4"))
    receipt = prepare.receipt(payment(), "X1", with_default)
    assert (receipt.method, receipt.default_method, receipt.card) == ("card", "4", True)
    assert prepare.receipt(payment(), "X1", policy()).default_method is None


def test_summary_lines_one_per_account_and_tax_code() -> None:
    summary = policy(with_settings(push_line_items=False))
    lines = prepare.invoice(mixed(), "inv-2", "contact-1", summary).lines
    by_account = {line.account: line for line in lines}
    assert set(by_account) == {"201", "212", "210", "499"}
    assert len(lines) == 4
    # Pipe: 3 x 9.99 x 87.5% = 26.22375 -> 26.22, as the package rounds the line.
    assert by_account["210"].unit_price == Decimal("26.22")
    assert by_account["210"].discount_rate is None  # already taken off the amount
    assert by_account["201"].unit_price == Decimal("190.00")
    assert {line.quantity for line in lines} == {Decimal(1)}
    assert by_account["201"].description.startswith("Job J-8: Labour")
    assert by_account["212"].tracking == (("Region", "North"),)
    full = prepare.invoice(mixed(), "inv-2", "contact-1", policy()).lines
    amounts = sum(prepare.line_amount(x.quantity, x.unit_price, x.discount_rate) for x in full)
    assert sum(line.unit_price for line in lines) == amounts == Decimal("278.72")
    # Xero's own arithmetic over the summary is its arithmetic over the full lines.
    taxes = Taxes({"OUTPUT2": Decimal(15)}, dict.fromkeys(("201", "210", "212", "499"), "OUTPUT2"))
    link = Link(key="INV-2")
    summarised_body = sales_body(prepare.invoice(mixed(), "i", "c", summary), link, taxes)
    full_body = sales_body(prepare.invoice(mixed(), "i", "c", policy()), link, taxes)
    assert xero_total(summarised_body["LineItems"], "Exclusive", taxes.rates) == xero_total(
        full_body["LineItems"], "Exclusive", taxes.rates
    )


def test_summary_lines_merge_what_shares_account_tax_code_and_tracking() -> None:
    north = [{"category": "Region", "option": "North"}]
    labour = {"kind": "labour", "quantity": "1.5", "unit_price": "80"}
    host = Invoice.model_validate(
        {
            "version": 1,
            "number": "INV-4",
            "customer_id": "c1",
            "issue_date": "2026-11-20",
            "lines": [
                {**labour, "description": "Diagnose"},
                {**labour, "description": "Repair", "discount_rate": "10"},
                {**labour, "description": "Zero-rated", "tax_code": "ZERO"},
                {**labour, "description": "Up north", "tracking": north},
            ],
        }
    )
    lines = prepare.invoice(host, "inv-4", "c", policy(with_settings(push_line_items=False))).lines
    assert [(line.account, line.tax_code, line.tracking) for line in lines] == [
        ("200", None, ()),
        ("200", "ZERO", ()),
        ("200", None, (("Region", "North"),)),
    ]
    # No job number: the lines say what they are without one; 120.00 + 108.00.
    assert lines[0].description == "Work as invoiced: Diagnose; Repair"
    assert lines[0].unit_price == Decimal("228.00")
    assert [line.unit_price for line in lines[1:]] == [Decimal("120.00"), Decimal("120.00")]


def test_a_summary_description_is_cut_to_4000_characters() -> None:
    text = "x" * 3000
    host = Invoice.model_validate(
        {
            "version": 1,
            "number": "INV-5",
            "customer_id": "c1",
            "issue_date": "2026-11-20",
            "job_number": "J-5",
            "lines": [
                {"kind": "labour", "description": text, "quantity": "1", "unit_price": "1"}
                for _ in range(2)
            ],
        }
    )
    lines = prepare.invoice(host, "inv-5", "c", policy(with_settings(push_line_items=False))).lines
    assert len(lines) == 1
    assert len(lines[0].description) == 4000
    assert lines[0].description.startswith(f"Job J-5: {text}; x")


# --- draft or approved, and the rounding the package must meet --------------------------------


def test_drafts_in_the_host_or_by_the_tenants_setting() -> None:
    assert prepare.invoice(mixed(status="draft"), "i", "c", policy()).status == "draft"
    drafts = with_settings(invoice_status="draft")
    assert policy(drafts).pushes_drafts
    assert prepare.invoice(mixed(), "i", "c", policy(drafts)).status == "draft"
    # A package that keeps no drafts: the setting does not apply.
    assert not policy(drafts, draft_documents=False).pushes_drafts
    assert prepare.invoice(mixed(), "i", "c", policy(drafts, draft_documents=False)).status == (
        "approved"
    )
    assert prepare.invoice(mixed(), "i", "c", policy()).status == "approved"


def test_the_hosts_total_and_the_rounding_account_go_with_the_invoice() -> None:
    document = prepare.invoice(thirds("inclusive", "100.00"), "inv-1", "c", policy())
    assert document.host_total == Decimal("100.00")
    assert document.rounding_account == "860"
    assert document.tax_mode == "inclusive"
    assert prepare.invoice(thirds("no_tax", None), "inv-1", "c", policy()).host_total is None
    no_rounding = with_settings(rounding_account=None)
    assert prepare.invoice(mixed(), "i", "c", policy(no_rounding)).rounding_account is None


# --- credit notes --------------------------------------------------------------------------


def credit_note(**changes: Any) -> CreditNote:
    return CreditNote.model_validate(
        {
            "version": 1,
            "number": "CN-1",
            "customer_id": "c1",
            "issue_date": "2026-11-22",
            "lines": [
                {"kind": "other", "description": "Goodwill", "quantity": "1", "unit_price": "20"},
                {
                    "kind": "labour",
                    "description": "Refund",
                    "quantity": "1",
                    "unit_price": "5",
                    "tax_code": "GST",
                    "tracking": [{"category": "Region", "option": "North"}],
                },
            ],
            "allocations": [
                {"invoice_id": "i1", "amount": "23.00"},
                {"invoice_id": "i2", "amount": "1.00", "date": "2026-11-25"},
            ],
            **changes,
        }
    )


def test_credit_notes_go_to_the_credit_notes_account() -> None:
    settings = with_settings(xero=XeroSettings(tax_types={"GST": "OUTPUT2"}))
    credits = (Credit("X1", Decimal("23.00"), date(2026, 11, 22)),)
    document = prepare.credit_note(credit_note(), "cn-1", "contact-1", credits, policy(settings))
    assert document.kind == "credit_note"
    assert document.number == "CN-1"
    assert [line.account for line in document.lines] == ["265", "265"]
    assert [line.tax_code for line in document.lines] == [None, "OUTPUT2"]
    assert document.lines[1].tracking == (("Region", "North"),)
    assert document.credits == credits
    assert document.contact == "contact-1"
    assert document.status == "approved"
    assert document.reference is None
    assert document.host_total is None
    # No credit-notes account: each line's own income account (no job type on a credit note).
    own = prepare.credit_note(
        credit_note(), "cn-1", "c", (), policy(with_settings(credit_notes_account=None))
    )
    assert [line.account for line in own.lines] == ["260", "200"]
    with pytest.raises(Misconfigured, match=r"credit note CN-1 \(cn-1\), line 1 \(other\)"):
        prepare.credit_note(credit_note(), "cn-1", "c", (), policy(AccountSettings()))
    # The credit-notes account places every line, even where no income account would.
    placed = prepare.credit_note(
        credit_note(), "cn-1", "c", (), policy(AccountSettings(credit_notes_account="265"))
    )
    assert [line.account for line in placed.lines] == ["265", "265"]


def test_credit_notes_follow_the_draft_rule() -> None:
    drafts = policy(with_settings(invoice_status="draft"))
    assert prepare.credit_note(credit_note(), "cn-1", "c", (), drafts).status == "draft"
    host_draft = credit_note(status="draft")
    assert prepare.credit_note(host_draft, "cn-1", "c", (), policy()).status == "draft"
    no_drafts = policy(with_settings(invoice_status="draft"), draft_documents=False)
    assert prepare.credit_note(credit_note(), "cn-1", "c", (), no_drafts).status == "approved"


# --- payments and surcharges -----------------------------------------------------------------


def payment(**changes: Any) -> Payment:
    return Payment.model_validate(
        {
            "version": 1,
            "invoice_id": "i1",
            "amount": "232.88",
            "date": "2026-11-21",
            "payment_method_id": "card",
            "surcharge": "3.49",
            "is_card": True,
            "reference": "R-77",
            **changes,
        }
    )


def test_receipts_go_to_the_payment_methods_deposit_account() -> None:
    receipt = prepare.receipt(payment(), "X1", policy())
    assert receipt == Receipt(
        "X1", Decimal("232.88"), date(2026, 11, 21), "091", "R-77", "card", card=True
    )
    # A method with no deposit account of its own, an unknown one, or none: the default.
    for method in ("eftpos", "cash", None):
        chosen = prepare.receipt(payment(payment_method_id=method), "X1", policy())
        assert chosen.deposit_account == "090"
    with pytest.raises(Misconfigured, match="payments_account"):
        prepare.receipt(payment(payment_method_id="cash"), "X1", policy(AccountSettings()))
    only_card = policy(AccountSettings(), OVERRIDES)
    assert prepare.receipt(payment(), "X1", only_card).deposit_account == "091"


def test_a_surcharge_is_its_own_invoice_paid_by_its_own_receipt() -> None:
    companion = prepare.surcharge_invoice(payment(), "p1", "INV-1", "contact-1", policy())
    assert companion.kind == "invoice"
    assert companion.number == "INV-1-SC-p1" == prepare.surcharge_number("INV-1", "p1")
    assert companion.reference == "INV-1"
    assert companion.contact == "contact-1"
    assert companion.issue_date == companion.due_date == date(2026, 11, 21)
    assert companion.lines == (Line("Card surcharge", Decimal(1), Decimal("3.49"), "270", None),)
    assert companion.tax_mode == "no_tax"
    assert companion.host_total is None
    # Approved even when the tenant pushes drafts: its receipt must be able to pay it.
    drafts = policy(with_settings(invoice_status="draft"))
    assert prepare.surcharge_invoice(payment(), "p1", "INV-1", "c", drafts).status == "approved"
    extra = prepare.surcharge_receipt(payment(), policy())
    assert extra == Receipt(
        "", Decimal("3.49"), date(2026, 11, 21), "091", "R-77 surcharge", "card", card=True
    )
    plain = payment(reference=None, is_card=False, payment_method_id="eftpos")
    assert prepare.surcharge_receipt(plain, policy()).reference == "surcharge"
    assert prepare.surcharge_receipt(plain, policy()).deposit_account == "090"
    not_card = prepare.surcharge_invoice(plain, "p2", "INV-1", "c", policy())
    assert (not_card.lines[0].description, not_card.lines[0].account) == ("Surcharge", "271")
    # In Xero: untaxed and approved, so the surcharge account needs no default tax type.
    body = sales_body(companion, Link(key=companion.number), Taxes({}, {}))
    assert (body["LineAmountTypes"], body["Status"]) == ("NoTax", "AUTHORISED")
    assert body["LineItems"][0]["TaxType"] == "NONE"
    assert (body["Date"], body["DueDate"], body["Reference"]) == (
        "2026-11-21",
        "2026-11-21",
        "INV-1",
    )


def test_a_surcharge_account_falls_back_to_the_default_income_account_or_is_refused() -> None:
    cash = payment(payment_method_id="cash", is_card=False)
    assert prepare.surcharge_invoice(cash, "p1", "INV-1", "c", policy()).lines[0].account == "260"
    with pytest.raises(Misconfigured, match="payment p1 has a surcharge but no surcharge account"):
        prepare.surcharge_invoice(cash, "p1", "INV-1", "c", policy(AccountSettings()))


# --- contacts ------------------------------------------------------------------------------


def test_a_customer_becomes_a_contact() -> None:
    customer = Customer.model_validate(
        {
            "version": 1,
            "name": "Harbour Cafe",
            "email": "a@b.example",
            "phone": "+64 9 555",
            "customer_number": "C-1001",
            "tax_number": "123-456-789",
            "addresses": [
                {"type": "postal", "line1": "PO Box 1", "city": "Auckland"},
                {
                    "type": "street",
                    "line1": "1 Quay St",
                    "line2": "Level 2",
                    "region": "Auckland",
                    "postal_code": "1010",
                    "country": "NZ",
                    "attention_to": "Accounts",
                },
            ],
            "contact_person": {"first_name": "Ana", "last_name": "Ngata"},
        }
    )
    assert prepare.contact(customer) == Contact(
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
                ("1 Quay St", "Level 2"),
                region="Auckland",
                postal_code="1010",
                country="NZ",
                attention_to="Accounts",
            ),
        ),
    )
    bare = prepare.contact(Customer.model_validate({"version": 1, "name": "X"}))
    assert bare == Contact(name="X")


# --- what planning does around prepare -------------------------------------------------------


def context(settings: AccountSettings = SETTINGS) -> planning.Context:
    session = ProviderSession(
        httpx.AsyncClient(),
        TokenSet("token", None, datetime(2026, 11, 23, tzinfo=UTC)),
        Organisation("org-1", "Demo"),
    )
    return planning.Context(uuid.uuid4(), 1, XeroBooks(session), policy(settings), "Xero")


def due(payload: dict[str, Any], provider_id: str | None = None) -> planning.Due:
    return planning.Due(1, "inv-2", payload, "f" * 64, False, provider_id, None, False, 0)


def in_books(host_id: str, payload: dict[str, Any], provider_id: str | None) -> SyncRecord:
    return SyncRecord(
        host_id=host_id,
        payload=payload,
        provider_id=provider_id,
        state=SyncState.SYNCED.value if provider_id else SyncState.PENDING.value,
    )


def test_a_void_of_an_invoice_the_books_never_had_is_nothing_to_send() -> None:
    voided = mixed(status="void").model_dump(mode="json", exclude={"version"})
    assert planning.plan_invoice(context(), due(voided), {}).item is None
    planned = planning.plan_invoice(context(), due(voided, provider_id="X1"), {})
    assert planned.item is not None
    assert planned.item.remove
    assert planned.item.link == Link("X1", None, "INV-2")


def test_a_credit_note_is_applied_to_invoices_already_in_the_books() -> None:
    note = credit_note().model_dump(mode="json", exclude={"version"})
    customers = {"c1": in_books("c1", {}, "contact-1")}
    waiting = {
        RecordKind.CUSTOMER: customers,
        RecordKind.INVOICE: {"i1": in_books("i1", {}, "X1"), "i2": in_books("i2", {}, None)},
    }
    with pytest.raises(planning.Waiting):
        planning.plan_credit_note(context(), due(note), waiting)
    ready = {
        RecordKind.CUSTOMER: customers,
        RecordKind.INVOICE: {"i1": in_books("i1", {}, "X1"), "i2": in_books("i2", {}, "X2")},
    }
    planned = planning.plan_credit_note(context(), due(note), ready)
    assert planned.item is not None
    assert isinstance(planned.item.document, SalesDocument)
    # An allocation without a date is made on the credit note's date.
    assert planned.item.document.credits == (
        Credit("X1", Decimal("23.00"), date(2026, 11, 22)),
        Credit("X2", Decimal("1.00"), date(2026, 11, 25)),
    )
