"""QuickBooks' wire mapping, pure: keys within QuickBooks' limits, bodies as it takes them,
rounding, credits never applied twice, reads back to canonical states, fault codes to the
error tree, and signed webhooks."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from syncsvc.kit.signatures import hmac_sha256_base64
from syncsvc.models.enums import RecordKind
from syncsvc.providers.documents import Contact, Credit, Line, Link, Receipt, SalesDocument, State
from syncsvc.providers.errors import (
    Conflict,
    Locked,
    Misconfigured,
    NeedsReauth,
    RateLimited,
    Reason,
    Rejected,
    Transient,
)
from syncsvc.providers.quickbooks import mapping
from syncsvc.providers.quickbooks.batches import Write, request_id
from syncsvc.providers.quickbooks.client import error_for, record_error
from syncsvc.providers.quickbooks.lookups import account_item, custom_field_items, tax_code_item
from syncsvc.providers.quickbooks.webhooks import notifications

DAY = date(2026, 11, 23)
CONTEXT = mapping.SalesContext(
    items={"5": "10", "8": "11"},
    rates={"1": Decimal(10), "2": Decimal(0)},
    account_defaults={},
    zero_rate_code="2",
)


def _invoice(**changes: object) -> SalesDocument:
    fields: dict[str, object] = {
        "kind": "invoice",
        "number": "INV-1",
        "contact": "58",
        "issue_date": DAY,
        "lines": (Line("Labour", Decimal(3), Decimal("33.33"), "5", "1"),),
        "tax_mode": "exclusive",
        "status": "approved",
        "reference": "J-77",
    }
    fields.update(changes)
    return SalesDocument(**fields)  # type: ignore[arg-type]


def test_doc_numbers_fit_21_characters_and_stay_apart() -> None:
    assert mapping.doc_number("INV-1001") == "INV-1001"
    long_a, long_b = "INV-" + "1" * 40, "INV-" + "1" * 39 + "2"
    assert len(mapping.doc_number(long_a)) == 21
    assert mapping.doc_number(long_a) != mapping.doc_number(long_b)
    assert mapping.doc_number(long_a) == mapping.doc_number(long_a)


def test_payment_keys_carry_the_date_and_tell_payments_apart() -> None:
    receipt = Receipt("7", Decimal(10), DAY, "1", reference="cheque 100")
    key = mapping.payment_key("pay-1", receipt)
    assert key == "2026-11-23 pay-1 cheque 100"
    assert mapping.payment_key_date(key) == DAY
    assert key != mapping.payment_key("pay-2", receipt)
    assert mapping.payment_key_date("None") is None
    assert len(mapping.payment_key("p" * 300, receipt)) == 100


def test_a_customer_body_holds_the_key_and_a_name_quickbooks_takes() -> None:
    contact = Contact(name="Smith: Plumbing", number="C-1", email="a@b.example", phone="123")
    created = mapping.customer_body(contact, "C-1", Link())
    assert created["DisplayName"] == "Smith- Plumbing"
    assert created["AcctNum"] == "C-1"
    assert "Id" not in created
    updated = mapping.customer_body(contact, "C-1", Link("58", "3", "C-1"))
    assert (updated["Id"], updated["SyncToken"], updated["sparse"]) == ("58", "3", True)
    assert mapping.unique_name("Harbour Cafe", "C-1") == "Harbour Cafe (C-1)"


def test_the_same_customer_is_ours_by_key_or_by_email_without_one() -> None:
    body = {"AcctNum": "C-1", "PrimaryEmailAddr": {"Address": "a@b.example"}}
    assert mapping.same_customer({"AcctNum": "C-1"}, body)
    assert not mapping.same_customer({"AcctNum": "C-2"}, body)
    assert mapping.same_customer({"PrimaryEmailAddr": {"Address": "A@B.example"}}, body)
    assert not mapping.same_customer({"DisplayName": "x"}, body)


def test_a_sales_body_names_an_item_per_line_and_taxes_each_line() -> None:
    body = mapping.sales_body(_invoice(), Link(key="INV-1"), CONTEXT)
    [line] = body["Line"]
    assert line["Amount"] == Decimal("99.99")
    assert line["SalesItemLineDetail"]["ItemRef"] == {"value": "10"}
    assert line["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "1"}
    assert body["GlobalTaxCalculation"] == "TaxExcluded"
    assert body["DocNumber"] == "INV-1"
    no_tax = mapping.sales_body(_invoice(tax_mode="no_tax"), Link(key="INV-1"), CONTEXT)
    assert no_tax["GlobalTaxCalculation"] == "NotApplicable"
    assert "TaxCodeRef" not in no_tax["Line"][0]["SalesItemLineDetail"]


def test_a_discount_is_folded_into_the_unit_price_so_amount_is_qty_times_price() -> None:
    line = Line("Labour", Decimal(2), Decimal("100.00"), "5", "1", discount_rate=Decimal(15))
    unit, amount = mapping.line_amount(line)
    assert unit == Decimal("85.0000000")
    assert amount == Decimal("170.00")


def test_an_account_without_an_item_or_a_line_without_a_tax_code_is_misconfigured() -> None:
    with pytest.raises(Misconfigured, match="account 9"):
        mapping.sales_body(
            _invoice(lines=(Line("x", Decimal(1), Decimal(1), "9", "1"),)), Link(), CONTEXT
        )
    refused = mapping.SalesContext({}, CONTEXT.rates, {}, "2", {"5": "Duplicate Name (6240)"})
    with pytest.raises(Misconfigured, match="refused the item for income account 5"):
        mapping.sales_body(_invoice(), Link(), refused)
    with pytest.raises(Misconfigured, match="no tax code"):
        mapping.sales_body(
            _invoice(lines=(Line("x", Decimal(1), Decimal(1), "5", None),)), Link(), CONTEXT
        )


def test_rounding_meets_the_hosts_total_with_a_zero_rated_line() -> None:
    # 99.99 + 10.00 GST = 109.99 in QuickBooks; the host says 110.00.
    document = _invoice(host_total=Decimal("110.00"), rounding_account="8")
    body = mapping.sales_body(document, Link(key="INV-1"), CONTEXT)
    rounding = body["Line"][-1]
    assert rounding["Amount"] == Decimal("0.01")
    assert rounding["SalesItemLineDetail"]["ItemRef"] == {"value": "11"}
    assert rounding["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "2"}
    assert mapping.quickbooks_total(body["Line"], "TaxExcluded", CONTEXT.rates) == Decimal("110.00")
    with pytest.raises(Rejected, match="more than rounding"):
        mapping.sales_body(
            _invoice(host_total=Decimal("120.00"), rounding_account="8"), Link(), CONTEXT
        )
    with pytest.raises(Misconfigured, match="rounding_account"):
        mapping.sales_body(_invoice(host_total=Decimal("110.00")), Link(), CONTEXT)


def test_a_lead_source_goes_to_the_named_custom_field_cut_to_31_characters() -> None:
    context = mapping.SalesContext(**{**CONTEXT.__dict__, "lead_source_field": ("1", "Lead")})
    source = "Word of mouth from a neighbour down the road"
    body = mapping.sales_body(_invoice(lead_source=source), Link(), context)
    assert body["CustomField"] == [
        {"DefinitionId": "1", "Name": "Lead", "Type": "StringType", "StringValue": source[:31]}
    ]
    assert len(body["CustomField"][0]["StringValue"]) == 31
    # No lead source, or a credit memo: no custom field.
    assert "CustomField" not in mapping.sales_body(_invoice(), Link(), context)
    memo = _invoice(kind="credit_note", lead_source="Google")
    assert "CustomField" not in mapping.sales_body(memo, Link(), context)
    # The field the settings name is gone from QuickBooks: the invoice says so.
    gone = mapping.SalesContext(**{**CONTEXT.__dict__, "lead_source_problem": "no field Lead"})
    with pytest.raises(Misconfigured, match="invoice INV-1: no field Lead"):
        mapping.sales_body(_invoice(lead_source="Google"), Link(), gone)


def test_card_payments_land_in_the_card_account_when_switched_on() -> None:
    card = Receipt("7", Decimal(10), DAY, "1", card=True)
    cash = Receipt("7", Decimal(10), DAY, "1")
    on = {"card_payments": True, "card_payments_account": "3"}
    assert mapping.deposit_account(card, on) == "3"
    assert mapping.deposit_account(cash, on) == "1"
    assert mapping.deposit_account(card, {**on, "card_payments": False}) == "1"
    assert mapping.deposit_account(card, {}) == "1"
    body = mapping.receipt_body(card, "k", "58", Link(), None, mapping.deposit_account(card, on))
    assert body["DepositToAccountRef"] == {"value": "3"}


def test_the_hosts_payment_method_wins_then_the_default() -> None:
    methods = {"1", "4"}
    assert mapping.payment_method(Receipt("7", Decimal(1), DAY, "1", method="4"), methods) == "4"
    fallback = Receipt("7", Decimal(1), DAY, "1", method="card", default_method="1")
    assert mapping.payment_method(fallback, methods) == "1"
    assert mapping.payment_method(Receipt("7", Decimal(1), DAY, "1"), methods) is None
    unknown = Receipt("7", Decimal(1), DAY, "1", default_method="9")
    assert mapping.payment_method(unknown, methods) is None
    body = mapping.receipt_body(fallback, "k", "58", Link(), "1")
    assert body["PaymentMethodRef"] == {"value": "1"}


def test_sales_form_custom_fields_are_read_from_preferences() -> None:
    preferences = {
        "SalesFormsPrefs": {
            "CustomField": [
                {
                    "CustomField": [
                        {"Name": "SalesFormsPrefs.UseSalesCustom3", "BooleanValue": False},
                        {"Name": "SalesFormsPrefs.UseSalesCustom1", "BooleanValue": True},
                        {"Name": "SalesFormsPrefs.UseSalesCustom2", "BooleanValue": False},
                    ]
                },
                {
                    "CustomField": [
                        {"Name": "SalesFormsPrefs.SalesCustomName2", "StringValue": "Crew #"},
                        {"Name": "SalesFormsPrefs.SalesCustomName1", "StringValue": "Lead"},
                    ]
                },
            ]
        }
    }
    fields = custom_field_items(preferences)
    assert [(f.code, f.name, f.active) for f in fields] == [
        ("1", "Lead", True),
        ("2", "Crew #", False),
    ]
    assert custom_field_items({}) == []


def test_credits_already_applied_are_not_applied_again() -> None:
    wanted = (Credit("7", Decimal("30.00"), DAY), Credit("8", Decimal("5.00"), DAY))
    held = (Credit("7", Decimal("20.00"), DAY),)
    missing = mapping.credits_missing(wanted, held)
    assert [(c.invoice, amount) for c, amount in missing] == [
        ("7", Decimal("10.00")),
        ("8", Decimal("5.00")),
    ]
    assert mapping.credits_missing(wanted, wanted) == []


def _payment(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "Id": "20",
        "SyncToken": "0",
        "TotalAmt": Decimal("50.00"),
        "TxnDate": "2026-11-23",
        "DepositToAccountRef": {"value": "1"},
        "PrivateNote": "syncsvc:2026-11-23 pay-1",
        "Line": [{"Amount": Decimal("50.00"), "LinkedTxn": [{"TxnId": "7", "TxnType": "Invoice"}]}],
        "MetaData": {"LastUpdatedTime": "2026-11-23T09:00:00.000+00:00"},
    }
    body.update(changes)
    return body


def test_an_invoice_reads_back_with_its_state_and_receipts() -> None:
    invoice = {
        "Id": "7",
        "SyncToken": "2",
        "DocNumber": "INV-1",
        "CustomerRef": {"value": "58"},
        "TxnDate": "2026-11-23",
        "TotalAmt": Decimal("110.00"),
        "Balance": Decimal("60.00"),
        "GlobalTaxCalculation": "TaxExcluded",
        "Line": [
            {
                "Amount": Decimal("100.00"),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": "10"},
                    "Qty": Decimal(1),
                    "UnitPrice": Decimal(100),
                    "TaxCodeRef": {"value": "1"},
                    "ItemAccountRef": {"value": "5"},
                },
            },
            {"Amount": Decimal("100.00"), "DetailType": "SubTotalLineDetail"},
        ],
        "LinkedTxn": [{"TxnId": "20", "TxnType": "Payment"}],
    }
    remote = mapping.remote_sales(invoice, [_payment()])
    assert remote.state is State.OPEN
    assert remote.link == Link("7", "2", "INV-1")
    assert remote.amount_paid == Decimal("50.00")
    assert [line.account for line in remote.document.lines] == ["5"]
    [receipt] = remote.receipts
    assert receipt.document.amount == Decimal("50.00")
    assert receipt.link.key == "2026-11-23 pay-1"
    paid = mapping.remote_sales({**invoice, "Balance": 0}, [_payment()])
    assert paid.state is State.PAID
    assert paid.paid_on == DAY
    voided = {**invoice, "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided"}
    assert mapping.remote_sales(voided).state is State.VOID
    assert mapping.remote_sales(mapping.gone("7")).state is State.GONE


def test_payments_read_as_receipts_and_credit_applications_are_told_apart() -> None:
    remote = mapping.remote_receipt(_payment(PaymentRefNum="cheque 1"))
    assert remote.document == Receipt("7", Decimal("50.00"), DAY, "1", "cheque 1", None)
    assert remote.state is State.OPEN
    assert remote.updated_at is not None
    application = mapping.credit_application_body(
        "58", "9", Credit("7", Decimal(5), DAY), Decimal(5), "CN-1"
    )
    assert mapping.is_credit_application(application)
    assert mapping.credits_of(application, "9") == [Credit("7", Decimal("5.00"), DAY)]
    assert not mapping.is_credit_application(_payment())
    assert mapping.remote_receipt({"Id": "20", "status": "Deleted"}).state is State.GONE


def test_lookups_are_canonical() -> None:
    income = account_item({"Id": "5", "Name": "Sales", "AccountType": "Income", "Active": True})
    assert (income.account_type, income.takes_payments) == ("income", False)
    funds = account_item({"Id": "3", "Name": "Undeposited", "AccountType": "Other Current Asset"})
    assert (funds.account_type, funds.takes_payments) == ("other", True)
    code = tax_code_item(
        {
            "Id": "1",
            "Name": "GST",
            "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "1"}}]},
        },
        {"1": Decimal(10)},
    )
    assert (code.rate, code.purchase_rate) == (Decimal(10), None)  # sales only
    bought = tax_code_item(
        {
            "Id": "3",
            "Name": "GST on purchases",
            "PurchaseTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "3"}}]},
        },
        {"3": Decimal(10)},
    )
    assert (bought.rate, bought.purchase_rate) == (None, Decimal(10))


def test_fault_codes_map_to_the_error_tree() -> None:
    def fault(code: str, message: str = "m") -> dict[str, object]:
        return {"Error": [{"code": code, "Message": message, "Detail": "d"}]}

    assert isinstance(record_error(fault("5010")), Conflict)
    assert record_error(fault("6240")).reason is Reason.NAME_TAKEN
    assert record_error(fault("6140")).reason is Reason.DUPLICATE
    closed = record_error(fault("6200"))
    assert isinstance(closed, Locked)
    assert closed.reason is Reason.LOCKED_PERIOD
    assert record_error(fault("6540")).reason is Reason.RECONCILED
    worded = record_error(fault("5010", "Account Period Closed, Cannot update"))
    assert worded.reason is Reason.LOCKED_PERIOD
    assert "(6000)" in record_error(fault("6000")).message


def _answer(status: int, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers)


def test_call_failures_map_to_what_to_do_next() -> None:
    xml = b'<IntuitResponse><Fault type="SERVICE"><Error code="3001"/></Fault></IntuitResponse>'
    limited = error_for(_answer(429, xml), uncertain_write=False)
    assert isinstance(limited, RateLimited)
    assert limited.retry_after == 60
    told = error_for(_answer(429, b"", {"retry-after": "7"}), uncertain_write=False)
    assert isinstance(told, RateLimited)
    assert told.retry_after == 7
    auth = json.dumps({"Fault": {"type": "AuthenticationFault", "Error": []}}).encode()
    assert isinstance(error_for(_answer(401, auth), uncertain_write=False), NeedsReauth)
    failed = error_for(_answer(503, b""), uncertain_write=True)
    assert isinstance(failed, Transient)
    assert failed.uncertain


def test_request_ids_are_the_same_for_the_same_writes_only() -> None:
    first = [Write("Invoice", "create", {"DocNumber": "1"}, "inv-1:abc")]
    assert request_id(first) == request_id(list(first))
    assert len(request_id(first)) <= 36
    other = [Write("Invoice", "create", {"DocNumber": "2"}, "inv-1:abc")]
    assert request_id(first) != request_id(other)


def test_webhooks_are_read_only_when_signed() -> None:
    events = [
        {
            "id": "e-1",
            "type": "qbo.payment.created.v1",
            "intuitaccountid": "9341",
            "intuitentityid": "20",
        },
        {"id": "e-2", "type": "qbo.customer.updated.v1", "intuitaccountid": "9342"},
    ]
    body = json.dumps(events).encode()
    headers = {"intuit-signature": hmac_sha256_base64(b"token", body)}
    found = notifications(headers, body, "token")
    assert found is not None
    assert [(n.organisation_id, n.event_key) for n in found] == [("9341", "e-1"), ("9342", "e-2")]
    assert found[0].kinds == {RecordKind.PAYMENT, RecordKind.INVOICE}
    assert found[1].kinds == {RecordKind.CUSTOMER}
    assert notifications(headers, body, "other") is None
    assert notifications({}, body, "token") is None
    legacy = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": "9341",
                    "dataChangeEvent": {
                        "entities": [{"name": "Invoice", "id": "7", "operation": "Update"}]
                    },
                }
            ]
        }
    ).encode()
    signed = {"intuit-signature": hmac_sha256_base64(b"token", legacy)}
    [notice] = notifications(signed, legacy, "token") or []
    assert notice.kinds == {RecordKind.INVOICE}
    assert notice.event_key
