"""The service's Xero writes against the sandbox: per-element outcomes, typed errors, lost
answers found again by key, idempotency within Xero's window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from syncsvc.providers.base import TokenSet
from syncsvc.providers.errors import Locked, RateLimited, Rejected, Transient
from syncsvc.providers.xero.client import XeroClient
from syncsvc.providers.xero.spec import XERO
from syncsvc.providers.xero.writes import WriteItem, find, write
from tests.sandbox.conftest import XeroSession


def client_for(xero: XeroSession) -> XeroClient:
    token = TokenSet(
        xero.token["access_token"],
        xero.token["refresh_token"],
        datetime.now(UTC) + timedelta(minutes=30),
    )
    return XeroClient(xero.http, XERO.urls_for("http://sandbox.test"), token, xero.tenant_id)


def contact_item(number: str, name: str) -> WriteItem:
    return WriteItem(number, {"Name": name, "ContactNumber": number})


def invoice_item(number: str, contact_id: str, account: str = "200") -> WriteItem:
    return WriteItem(
        number,
        {
            "Type": "ACCREC",
            "InvoiceNumber": number,
            "Contact": {"ContactID": contact_id},
            "Date": "2026-11-20",
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [
                {
                    "Description": "Labour",
                    "Quantity": Decimal(2),
                    "UnitAmount": Decimal("95.00"),
                    "AccountCode": account,
                    "TaxType": "OUTPUT2",
                }
            ],
        },
    )


async def test_each_element_answers_for_itself(xero: XeroSession) -> None:
    client = client_for(xero)
    outcomes = await write(
        client,
        "Contacts",
        [
            contact_item("C-1", "Harbour Cafe"),
            contact_item("C-2", "Harbour Cafe"),
            contact_item("C-3", "Quay Books"),
        ],
    )
    assert [o.key for o in outcomes] == ["C-1", "C-2", "C-3"]
    assert outcomes[0].error is None
    assert outcomes[0].provider_id
    assert isinstance(outcomes[1].error, Rejected)
    assert "already assigned to another contact" in outcomes[1].error.message
    assert outcomes[2].error is None

    contact_id = outcomes[0].provider_id or ""
    invoices = await write(
        client,
        "Invoices",
        [
            invoice_item("INV-1", contact_id),
            invoice_item("INV-2", contact_id, account="999"),
        ],
    )
    assert invoices[0].error is None
    assert invoices[0].document is not None
    assert invoices[0].document["Total"] == 218.5
    assert isinstance(invoices[1].error, Rejected)
    assert invoices[1].error.message == "Account must be valid."


async def test_a_lost_answer_is_found_again_and_not_written_twice(xero: XeroSession) -> None:
    client = client_for(xero)
    contact = (await write(client, "Contacts", [contact_item("C-1", "Harbour Cafe")]))[0]
    items = [invoice_item(f"INV-{n}", contact.provider_id or "") for n in range(3)]
    await xero.http.put(xero.control("faults"), json={"lost_rate": 1.0})
    with pytest.raises(Transient) as lost:
        await write(client, "Invoices", items)
    assert lost.value.uncertain
    await xero.http.put(xero.control("faults"), json={"lost_rate": 0.0})
    found = await find(client, "Invoices", ["INV-0", "INV-1", "INV-2", "INV-9"])
    assert sorted(found) == ["INV-0", "INV-1", "INV-2"]
    # Within Xero's window the same request is answered from its memory, not applied again.
    again = await write(client, "Invoices", items)
    assert {o.provider_id for o in again} == {d["InvoiceID"] for d in found.values()}
    listed = (await xero.get("Invoices")).json()["Invoices"]
    assert len(listed) == 3
    contacts = await find(client, "Contacts", ["C-1", "C-2"])
    assert list(contacts) == ["C-1"]


async def test_rate_limits_and_locked_periods_are_typed(xero: XeroSession) -> None:
    client = client_for(xero)
    await xero.http.put(xero.control("faults"), json={"burst_429": 1})
    with pytest.raises(RateLimited) as limited:
        await write(client, "Contacts", [contact_item("C-1", "Harbour Cafe")])
    assert limited.value.scope == "minute"
    assert limited.value.retry_after >= 1
    contact = (await write(client, "Contacts", [contact_item("C-1", "Harbour Cafe")]))[0]
    await xero.http.put(xero.control("lock-date"), json={"date": "2026-11-30"})
    locked = await write(client, "Invoices", [invoice_item("INV-1", contact.provider_id or "")])
    assert isinstance(locked[0].error, Locked)
    assert "period lock date" in locked[0].error.message
