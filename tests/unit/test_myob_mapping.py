"""The MYOB package's pure parts: keys within MYOB's lengths, sales as MYOB adds them up
(rounding line, credit notes negative, untaxed lines), reading them back, MYOB's answers
mapped to the error tree, and which company-file addresses a token may go to."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from syncsvc.providers.base import TokenSet
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
from syncsvc.providers.myob import mapping
from syncsvc.providers.myob.client import MyobClient, NotFound, error_for
from syncsvc.providers.myob.package import trusted_uri
from syncsvc.providers.myob.spec import MYOB

CONTEXT = mapping.SalesContext(
    accounts={"4-1000": "acc-sales", "4-2000": "acc-round"},
    tax_codes={
        "GST": mapping.TaxCode("tax-gst", Decimal(10)),
        "N-T": mapping.TaxCode("tax-nt", Decimal(0)),
    },
    untaxed_code="N-T",
)


def _sale(**changes: Any) -> SalesDocument:
    fields: dict[str, Any] = {
        "kind": "invoice",
        "number": "INV-1",
        "contact": "cust-uid",
        "issue_date": date(2026, 11, 20),
        "due_date": date(2026, 12, 20),
        "lines": (Line("Labour", Decimal(3), Decimal("33.33"), "4-1000", "GST"),),
        "tax_mode": "exclusive",
        "status": "approved",
    }
    fields.update(changes)
    return SalesDocument(**fields)


def test_keys_fit_thirteen_characters_and_keep_short_numbers() -> None:
    assert mapping.sales_key("INV-1001") == "INV-1001"
    long_a, long_b = mapping.sales_key("INV-1001-SC-pay-1"), mapping.sales_key("INV-1001-SC-pay-2")
    assert len(long_a) == len(long_b) == 13
    assert long_a != long_b
    assert long_a == mapping.sales_key("INV-1001-SC-pay-1")  # deterministic
    assert mapping.customer_key("cust-1", Contact(name="A", number="C-1001")) == "C-1001"
    assert len(mapping.customer_key("x" * 40, Contact(name="A"))) == 15
    receipt = Receipt("inv", Decimal(1), date(2026, 11, 21), "1-1110", reference="card")
    surcharge = Receipt("inv", Decimal(1), date(2026, 11, 21), "1-1110", reference="card surcharge")
    keys = {
        mapping.payment_key("pay-1", receipt),
        mapping.payment_key("pay-2", receipt),
        mapping.payment_key("pay-1", surcharge),
    }
    assert len(keys) == 3
    assert all(len(k) == 13 for k in keys)


def test_a_sale_meets_the_hosts_total_with_an_untaxed_rounding_line() -> None:
    # 3 x 33.33 = 99.99; GST 10.00 (from the line's 2-dp Total): MYOB's 109.99, host 110.00.
    document = _sale(host_total=Decimal("110.00"), rounding_account="4-2000")
    body = mapping.sales_body(document, "INV-1", Link(), CONTEXT)
    assert [(line["Total"], line["TaxCode"]["UID"]) for line in body["Lines"]] == [
        (Decimal("99.99"), "tax-gst"),
        (Decimal("0.01"), "tax-nt"),
    ]
    assert body["Terms"] == {"PaymentIsDue": "InAGivenNumberOfDays", "BalanceDueDate": 30}
    assert body["FreightTaxCode"] == {"UID": "tax-nt"}
    assert "UID" not in body
    with pytest.raises(Rejected):
        mapping.sales_body(_sale(host_total=Decimal("120.00")), "INV-1", Link(), CONTEXT)
    with pytest.raises(Misconfigured):
        mapping.sales_body(_sale(host_total=Decimal("110.00")), "INV-1", Link(), CONTEXT)


def test_an_update_carries_the_uid_and_rowversion() -> None:
    body = mapping.sales_body(_sale(), "INV-1", Link("sale-uid", "7001", "INV-1"), CONTEXT)
    assert (body["UID"], body["RowVersion"]) == ("sale-uid", "7001")


def test_a_credit_note_is_a_negative_sale_read_back_positive() -> None:
    document = _sale(kind="credit_note", number="CN-1", due_date=None)
    body = mapping.sales_body(document, "CN-1", Link(), CONTEXT)
    [line] = body["Lines"]
    assert (line["Total"], line["UnitCount"], line["UnitPrice"]) == (
        Decimal("-99.99"),
        Decimal(-3),
        Decimal("33.33"),
    )
    held = {
        "UID": "CN-UID",
        "Number": "CN-1",
        "Date": "2026-11-20T00:00:00",
        "Customer": {"UID": "cust-uid"},
        "TotalAmount": Decimal("-109.99"),
        "BalanceDueAmount": Decimal("-9.99"),
        "Status": "Credit",
        "IsTaxInclusive": False,
        "Lines": [{**line, "Account": {"UID": "acc-sales"}, "TaxCode": {"UID": "tax-gst"}}],
        "RowVersion": "1",
        "LastModified": "2026-11-20T09:00:00.000",
    }
    credits = (Credit("inv-uid", Decimal("100.00"), date(2026, 11, 20)),)
    remote = mapping.remote_sales(held, {"acc-sales": "4-1000"}, {"tax-gst": "GST"}, (), credits)
    assert remote.document.kind == "credit_note"
    assert remote.document.lines == (Line("Labour", Decimal(3), Decimal("33.33"), "4-1000", "GST"),)
    assert (remote.total, remote.amount_paid, remote.state) == (
        Decimal("109.99"),
        Decimal("100.00"),
        State.OPEN,
    )
    assert remote.link == Link("cn-uid", "1", "CN-1")
    assert remote.updated_at is not None
    assert remote.updated_at.tzinfo is not None


def test_untaxed_lines_take_the_untaxed_code_and_taxed_ones_need_a_code() -> None:
    free = Line("Surcharge", Decimal(1), Decimal("3.49"), "4-1000", None)
    body = mapping.sales_body(_sale(lines=(free,), tax_mode="no_tax"), "S", Link(), CONTEXT)
    assert body["Lines"][0]["TaxCode"] == {"UID": "tax-nt"}
    with pytest.raises(Misconfigured, match="no tax code"):
        mapping.sales_body(_sale(lines=(free,)), "S", Link(), CONTEXT)
    bad = Line("X", Decimal(1), Decimal(1), "9-9999", "GST")
    with pytest.raises(Misconfigured, match="no account 9-9999"):
        mapping.sales_body(_sale(lines=(bad,)), "S", Link(), CONTEXT)


def test_only_the_credit_still_missing_is_applied() -> None:
    day = date(2026, 11, 22)
    wanted = (Credit("A", Decimal("30.00"), day), Credit("B", Decimal("10.00"), day))
    held = mapping.settled(
        [{"Date": "2026-11-22T00:00:00", "Lines": [{"Sale": {"UID": "a"}, "AmountApplied": 20}]}]
    )
    assert mapping.credits_missing(wanted, held) == [
        Credit("A", Decimal("10.00"), day),
        Credit("B", Decimal("10.00"), day),
    ]


def _answer(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def _errors(name: str, message: str = "", code: int | None = None) -> dict[str, Any]:
    return {"Errors": [{"Name": name, "Message": message, "ErrorCode": code}]}


def test_myobs_answers_become_the_error_tree() -> None:
    second = error_for(_answer(403, _errors("RateLimitError", "per second")), uncertain_write=True)
    assert isinstance(second, RateLimited)
    assert (second.scope, second.retry_after) == ("second", 1.0)
    daily = error_for(
        _answer(403, _errors("RateLimitError", "API key has exceeded the daily rate limit")),
        uncertain_write=False,
    )
    assert isinstance(daily, RateLimited)
    assert daily.is_daily
    denied = error_for(_answer(403, [{"Message": "Access denied"}]), uncertain_write=False)
    assert isinstance(denied, NeedsReauth)
    assert "Access denied" in denied.message
    assert isinstance(
        error_for(_answer(401, _errors("OAuthTokenIsInvalid")), uncertain_write=False), NeedsReauth
    )
    lost = error_for(_answer(504, _errors("GatewayTimeout")), uncertain_write=True)
    assert isinstance(lost, Transient)
    assert lost.uncertain
    stale = error_for(_answer(409, _errors("IncorrectRowVersionSupplied")), uncertain_write=True)
    assert isinstance(stale, Conflict)
    locked = error_for(
        _answer(400, _errors("BusinessEvent_DateOccured_InLockPeriod", "before the lock date")),
        uncertain_write=True,
    )
    assert isinstance(locked, Locked)
    assert locked.reason is Reason.LOCKED_PERIOD
    reversed_only = error_for(
        _answer(400, _errors("TransactionsCannotBeDeleted", "must be reversed", 25003)),
        uncertain_write=True,
    )
    assert isinstance(reversed_only, Locked)
    assert reversed_only.reason is Reason.RECONCILED
    assert isinstance(error_for(_answer(404, _errors("NotFound")), uncertain_write=True), NotFound)
    refused = error_for(_answer(400, _errors("Required", "Date is required")), uncertain_write=True)
    assert isinstance(refused, Rejected)
    assert refused.message == "Required: Date is required"


def test_the_token_goes_only_to_myobs_own_hosts() -> None:
    base, uid = "https://api.myob.com/accountright", "5d4b1ce0-0000-4000-8000-000000000001"
    assert trusted_uri(f"https://ar2.api.myob.com/accountright/{uid}", base, uid)
    assert trusted_uri(f"https://arl2.api.myob.com/accountright/{uid}/", base, uid)
    assert trusted_uri(f"https://api.myob.com/accountright/{uid}", base, uid)
    assert not trusted_uri(f"https://ar2.api.myob.com.evil.example/accountright/{uid}", base, uid)
    assert not trusted_uri(f"https://evil.example/accountright/{uid}", base, uid)
    assert not trusted_uri(f"http://ar2.api.myob.com/accountright/{uid}", base, uid)
    assert not trusted_uri("https://ar2.api.myob.com/accountright/another-file", base, uid)


def test_a_sale_carries_the_category_its_lines_name_where_the_file_keeps_them() -> None:
    tracked = Line(
        "Labour", Decimal(1), Decimal(10), "4-1000", "GST", tracking=(("Branch", "NORTH"),)
    )
    keeping = mapping.SalesContext(**{**vars(CONTEXT), "categories": {"NORTH": "cat-north"}})
    body = mapping.sales_body(_sale(lines=(tracked,)), "S", Link(), keeping)
    assert body["Category"] == {"UID": "cat-north"}
    assert "Category" not in mapping.sales_body(_sale(lines=(tracked,)), "S", Link(), CONTEXT)
    with pytest.raises(Misconfigured, match="no category NORTH"):
        mapping.sales_body(
            _sale(lines=(tracked,)),
            "S",
            Link(),
            mapping.SalesContext(**{**vars(CONTEXT), "categories": {}}),
        )


async def test_pages_are_followed_only_below_the_company_file() -> None:
    token = TokenSet("t", None, datetime(2026, 11, 23, tzinfo=UTC))
    base = "https://ar2.api.myob.com/accountright/cf"
    async with httpx.AsyncClient() as http:
        client = MyobClient(http, MYOB, token, "key", base)
        assert client.url("Sale/Invoice") == f"{base}/Sale/Invoice"
        assert client.url(f"{base}/Sale/Invoice?$skip=1000") == f"{base}/Sale/Invoice?$skip=1000"
        with pytest.raises(Transient):
            client.url("https://elsewhere.example/accountright/cf/Sale/Invoice")
        with pytest.raises(Transient):
            client.url(f"{base}-other/Sale/Invoice")
