"""The control surface: acting as the Xero user, and signed webhook deliveries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from syncsvc.kit.signatures import constant_time_equals, hmac_sha256_base64
from syncsvc.sandbox.app import SandboxConfig, create_sandbox_app
from tests.sandbox.conftest import START, XeroSession, authorize
from tests.sandbox.test_xero_documents import invoice, make_contact

KEY = "webhook-key-for-tests"


class Receiver:
    """A webhook receiver that checks Xero's signature, as a service must."""

    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []
        self.failing = False
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            expected = hmac_sha256_base64(KEY.encode(), body)
            if not constant_time_equals(request.headers.get("x-xero-signature", ""), expected):
                return Response(status_code=401)
            if self.failing:
                return Response(status_code=500)
            self.events.extend(json.loads(body)["events"])
            return Response(status_code=200)


@pytest.fixture
async def hooked() -> AsyncIterator[tuple[XeroSession, Receiver]]:
    receiver = Receiver()
    config = SandboxConfig(
        auto_consent=True,
        clock_scale=0,
        start=START,
        webhook_transport=httpx.ASGITransport(app=receiver.app),
    )
    app = create_sandbox_app(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        token = await authorize(http)
        tenant_id = next(iter(app.state.sandbox.xero.store.organisations))
        session = XeroSession(http, app.state.sandbox, tenant_id, token)
        await http.put("/xero/_control/webhooks", json={"url": "http://receiver/hook", "key": KEY})
        yield session, receiver


async def test_bank_feed_payment_reconcile_and_delete(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    await xero.put("Invoices", {"Invoices": [invoice(contact_id)]})
    paid = await xero.http.post(
        xero.control("invoices/INV-1/payments"),
        json={"amount": "114.99", "date": "2026-11-22", "reference": "bank feed"},
    )
    assert paid.status_code == 200, paid.text
    payment_id = paid.json()["PaymentID"]
    read = (await xero.get("Invoices/INV-1")).json()["Invoices"][0]
    assert read["Status"] == "PAID"
    await xero.http.post(xero.control(f"payments/{payment_id}/reconcile"))
    refused = await xero.http.delete(xero.control(f"payments/{payment_id}"))
    assert refused.status_code == 422
    assert "reconciled" in refused.text
    payments = (await xero.get("Payments")).json()["Payments"]
    assert payments[0]["IsReconciled"] is True


async def test_rename_archive_void_edit_and_lock(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    await xero.put("Invoices", {"Invoices": [invoice(contact_id)]})
    await xero.http.put(xero.control(f"contacts/{contact_id}"), json={"name": "Harbour Ltd"})
    assert (await xero.get(f"Contacts/{contact_id}")).json()["Contacts"][0]["Name"] == "Harbour Ltd"
    edited = await xero.http.put(xero.control("invoices/INV-1"), json={"total": "120.00"})
    assert edited.json()["Total"] == 120
    voided = await xero.http.post(xero.control("invoices/INV-1/void"))
    assert voided.json()["Status"] == "VOIDED"
    await xero.http.put(xero.control(f"contacts/{contact_id}"), json={"archived": True})
    refused = await xero.put("Invoices", {"Invoices": [invoice(contact_id, "INV-2")]})
    assert "has been archived" in refused.text
    await xero.http.put(xero.control("lock-date"), json={"date": "2026-12-31"})
    foreign = await xero.http.post(
        xero.control("invoices"), json=invoice(contact_id, "F-1", Date="2026-11-01")
    )
    assert foreign.status_code == 422


async def test_webhooks_are_signed_and_redelivered_until_accepted(
    hooked: tuple[XeroSession, Receiver],
) -> None:
    xero, receiver = hooked
    intent = (await xero.http.post("/xero/_control/webhooks/intent")).json()
    assert intent == {"good_signature_status": 200, "bad_signature_status": 401, "passed": True}

    contact_id = await make_contact(xero)
    await xero.put("Invoices", {"Invoices": [invoice(contact_id)]})
    receiver.failing = True
    failed = (await xero.http.post("/xero/_control/webhooks/flush")).json()
    assert failed["deliveries"][0]["status"] == 500
    assert failed["pending"] == 2
    receiver.failing = False
    await xero.http.post("/xero/_control/webhooks/flush")
    categories = [(e["eventCategory"], e["eventType"]) for e in receiver.events]
    assert categories == [("CONTACT", "CREATE"), ("INVOICE", "CREATE")]
    assert receiver.events[1]["tenantId"] == xero.tenant_id

    # A payment is not an event of its own: it shows as an update of the invoice.
    await xero.http.post(
        "/xero/_control/invoices/INV-1/payments", json={"amount": "10", "date": "2026-11-22"}
    )
    await xero.http.post("/xero/_control/webhooks/flush")
    assert (receiver.events[-1]["eventCategory"], receiver.events[-1]["eventType"]) == (
        "INVOICE",
        "UPDATE",
    )
