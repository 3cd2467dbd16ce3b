"""python-quickbooks with Intuit's own OAuth client (intuit-oauth), both unmodified, against
the sandbox served on a loopback port: the OAuth client finds the sandbox through its
discovery document, the SDK's API base URL is pointed at the sandbox, and customers, items,
invoices, payments, queries, batch and CDC work as they do against QuickBooks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.sandbox.quickbooks.conftest import REDIRECT, START, code_from

pytest.importorskip("quickbooks", reason="python-quickbooks is in the test extra")
pytest.importorskip("intuitlib", reason="intuit-oauth is in the test extra")


def test_python_quickbooks_works_against_the_sandbox(
    served_sandbox: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from intuitlib.client import AuthClient
    from intuitlib.enums import Scopes
    from quickbooks import QuickBooks
    from quickbooks.batch import batch_create
    from quickbooks.cdc import change_data_capture
    from quickbooks.objects.creditmemo import CreditMemo
    from quickbooks.objects.customer import Customer
    from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
    from quickbooks.objects.invoice import Invoice
    from quickbooks.objects.item import Item
    from quickbooks.objects.payment import Payment, PaymentLine

    base, app = served_sandbox
    # The loopback sandbox speaks plain HTTP; oauthlib refuses that unless told.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    auth = AuthClient(
        "sandbox-client",
        "sandbox-secret",
        REDIRECT,
        f"{base}/quickbooks/developer/.well-known/openid_configuration",
    )
    consent = requests.get(
        auth.get_authorization_url([Scopes.ACCOUNTING], state_token="st-1"),
        allow_redirects=False,
        timeout=10,
    )
    callback = code_from(consent.headers["location"])
    assert callback["state"] == "st-1"
    auth.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert auth.expires_in == 3600
    first_refresh = auth.refresh_token

    client = QuickBooks(
        auth_client=auth,
        refresh_token=first_refresh,
        company_id=callback["realmId"],
        minorversion=75,
    )
    client.api_url_v3 = f"{base}/quickbooks/quickbooks/v3"

    customer = Customer()
    customer.DisplayName = "Harbour Cafe"
    customer = customer.save(qb=client)
    assert customer.Id
    assert customer.SyncToken == "0"

    item = Item()
    item.Name = "Call-out"
    item.Type = "Service"
    item.IncomeAccountRef = {"value": "6"}
    item.UnitPrice = 95
    item = item.save(qb=client)

    line = SalesItemLine()
    line.Amount = 190
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 2
    line.SalesItemLineDetail.UnitPrice = 95
    line.SalesItemLineDetail.TaxCodeRef = {"value": "1"}
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.DocNumber = "INV-1001"
    invoice.Line.append(line)
    invoice = invoice.save(qb=client, request_id="inv-1001")
    assert invoice.TotalAmt == 209
    assert invoice.TxnTaxDetail.TotalTax == 19

    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = 100
    applied = PaymentLine()
    applied.Amount = 100
    applied.LinkedTxn.append(invoice.to_linked_txn())
    payment.Line.append(applied)
    payment = payment.save(qb=client)
    assert payment.UnappliedAmt == 0

    found = Invoice.filter(DocNumber="INV-1001", qb=client)
    assert [i.Balance for i in found] == [109]
    assert Invoice.count("Balance > '0'", qb=client) == 1
    assert {c.DisplayName for c in Customer.all(qb=client)} == {"Harbour Cafe"}
    assert Item.get(item.Id, qb=client).IncomeAccountRef.value == "6"

    renamed = Customer.get(customer.Id, qb=client)
    renamed.DisplayName = "Harbour Cafe Pty Ltd"
    assert renamed.save(qb=client).SyncToken == "1"

    second, duplicate = Customer(), Customer()
    second.DisplayName = "Bayside Bakery"
    duplicate.DisplayName = "Harbour Cafe Pty Ltd"
    outcome = batch_create([second, duplicate], qb=client)
    assert [c.DisplayName for c in outcome.successes] == ["Bayside Bakery"]
    assert [f.Error[0].code for f in outcome.faults] == ["6240"]

    memo_line = SalesItemLine()
    memo_line.Amount = 10
    memo_line.SalesItemLineDetail = SalesItemLineDetail()
    memo_line.SalesItemLineDetail.ItemRef = item.to_ref()
    memo_line.SalesItemLineDetail.TaxCodeRef = {"value": "2"}
    memo = CreditMemo()
    memo.CustomerRef = customer.to_ref()
    memo.Line.append(memo_line)
    memo = memo.save(qb=client)
    assert memo.TotalAmt == 10

    payment.void(qb=client)
    assert Invoice.get(invoice.Id, qb=client).Balance == 209

    store = app.state.sandbox.quickbooks.store
    since = START - timedelta(hours=1)
    changes = change_data_capture([Customer, Invoice, Payment], since, qb=client)
    assert {c.DisplayName for c in changes.Customer} == {"Harbour Cafe Pty Ltd", "Bayside Bakery"}
    assert [i.DocNumber for i in changes.Invoice] == ["INV-1001"]
    assert [Decimal(str(p.TotalAmt)) for p in changes.Payment] == [Decimal("0")]
    assert store.companies[callback["realmId"]].get("Invoice", invoice.Id)["Balance"] == 209

    store.clock.advance(timedelta(days=1).total_seconds())
    auth.refresh()
    assert auth.refresh_token != first_refresh
    auth.revoke()
    assert store.grant_for_access(auth.access_token)[0] is None
