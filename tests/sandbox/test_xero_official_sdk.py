"""Xero's official Python SDK (xero-python), its base URL pointed at the sandbox, creates and
reads contacts, invoices and payments there: the sandbox speaks Xero's wire format."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import authorize

sdk = pytest.importorskip("xero_python", reason="xero-python is in the test extra")


def test_official_sdk_creates_and_reads_documents(served_sandbox: tuple[str, Any]) -> None:
    from xero_python.accounting import (
        Account,
        AccountingApi,
        Contact,
        Contacts,
        Invoice,
        Invoices,
        LineAmountTypes,
        LineItem,
        Payment,
    )
    from xero_python.api_client import ApiClient, Configuration
    from xero_python.api_client.oauth2 import OAuth2Token

    base, app = served_sandbox

    async def consent() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=base) as http:
            return await authorize(http)

    token = asyncio.run(consent())
    tenant_id = next(iter(app.state.sandbox.xero.store.organisations))
    stored = {**token, "expires_in": 1800, "expires_at": time.time() + 1800}
    client = ApiClient(
        Configuration(
            oauth2_token=OAuth2Token(client_id="sandbox-client", client_secret="sandbox-secret")
        ),
        pool_threads=1,
        oauth2_token_getter=lambda: stored,
        oauth2_token_saver=lambda new: stored.update(new),
    )
    client.set_oauth2_token(stored)
    api = AccountingApi(client, base_url=f"{base}/xero/api/api.xro/2.0")

    created = api.create_contacts(
        tenant_id, Contacts(contacts=[Contact(name="Harbour Cafe", contact_number="C-1")])
    )
    contact_id = created.contacts[0].contact_id
    assert api.get_contacts(tenant_id).contacts[0].name == "Harbour Cafe"

    line = LineItem(
        description="Labour", quantity=2.0, unit_amount=95.0, account_code="200", tax_type="OUTPUT2"
    )
    invoices = api.create_invoices(
        tenant_id,
        Invoices(
            invoices=[
                Invoice(
                    type="ACCREC",
                    contact=Contact(contact_id=contact_id),
                    invoice_number="INV-1",
                    date=date(2026, 11, 20),
                    due_date=date(2026, 12, 20),
                    status="AUTHORISED",
                    line_amount_types=LineAmountTypes.EXCLUSIVE,
                    line_items=[line],
                )
            ]
        ),
    )
    invoice = invoices.invoices[0]
    assert invoice.total == pytest.approx(218.5)
    payment = api.create_payment(
        tenant_id,
        Payment(
            invoice=Invoice(invoice_id=invoice.invoice_id),
            account=Account(code="090"),
            date=date(2026, 11, 21),
            amount=218.5,
        ),
    )
    assert payment.payments[0].amount == pytest.approx(218.5)
    read = api.get_invoices(tenant_id).invoices[0]
    assert read.status == "PAID"
    assert read.amount_due == pytest.approx(0)
