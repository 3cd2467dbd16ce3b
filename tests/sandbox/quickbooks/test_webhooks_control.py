"""Signed CloudEvents webhooks for changes in connected companies, and the control surface:
the clock, acting as the QuickBooks user, companies, apps, documents, stats and reset."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from syncsvc.sandbox.app import Sandbox, SandboxConfig, create_sandbox_app
from syncsvc.sandbox.quickbooks.books import Books
from tests.sandbox.quickbooks.conftest import START, QuickBooksSession, authorize

HOOK = "http://receiver.test/webhooks/quickbooks"


class Receiver:
    """Takes deliveries; answers `status`."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.status = 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status)

    def events(self, index: int = -1) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = json.loads(self.requests[index].content)
        return events


@pytest.fixture
async def hooked() -> AsyncIterator[tuple[QuickBooksSession, Receiver]]:
    receiver = Receiver()
    app = create_sandbox_app(
        SandboxConfig(
            auto_consent=True,
            clock_scale=0,
            start=START,
            webhook_transport=httpx.MockTransport(receiver),
        )
    )
    sandbox: Sandbox = app.state.sandbox
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        token = await authorize(http)
        yield QuickBooksSession(http, sandbox, token["realmId"], token), receiver


async def test_changes_arrive_as_signed_cloudevents(
    hooked: tuple[QuickBooksSession, Receiver],
) -> None:
    qbo, receiver = hooked
    settings = await qbo.http.put(qbo.control("webhooks"), json={"url": HOOK})
    verifier = settings.json()["verifier_token"]
    customer = await qbo.customer()
    invoice = await qbo.invoice(customer["Id"])
    await qbo.http.post(
        qbo.control(f"invoices/{invoice['DocNumber']}/payments"), json={"amount": "209.00"}
    )
    await qbo.create("Item", {"Name": "Not notified", "IncomeAccountRef": {"value": "6"}})
    flushed = await qbo.http.post(qbo.control("webhooks/flush"))
    assert flushed.json()["deliveries"] == [{"status": 200, "events": 4, "error": None}]
    request = receiver.requests[0]
    expected = base64.b64encode(
        hmac.new(verifier.encode(), request.content, hashlib.sha256).digest()
    ).decode()
    assert hmac.compare_digest(request.headers["intuit-signature"], expected)
    events = receiver.events()
    assert [e["type"] for e in events] == [
        "qbo.customer.created.v1",
        "qbo.invoice.created.v1",
        "qbo.payment.created.v1",
        "qbo.invoice.updated.v1",
    ]
    first = events[0]
    assert first["specversion"] == "1.0"
    assert (first["intuitaccountid"], first["intuitentityid"]) == (qbo.realm_id, customer["Id"])
    assert first["time"].endswith("Z")
    assert len({e["id"] for e in events}) == 4
    assert (await qbo.http.post(qbo.control("webhooks/flush"))).json() == {"deliveries": []}


async def test_a_refused_delivery_is_sent_again(hooked: tuple[QuickBooksSession, Receiver]) -> None:
    qbo, receiver = hooked
    await qbo.http.put(
        qbo.control("webhooks"), json={"url": HOOK, "content_type": "application/cloudevents+json"}
    )
    await qbo.customer()
    receiver.status = 500
    await qbo.http.post(qbo.control("webhooks/flush"))
    receiver.status = 200
    await qbo.http.post(qbo.control("webhooks/flush"))
    assert len(receiver.requests) == 2
    assert receiver.requests[0].content == receiver.requests[1].content
    assert receiver.requests[1].headers["content-type"] == "application/cloudevents+json"
    state = (await qbo.http.get(qbo.control("webhooks"))).json()
    assert [d["status"] for d in state["deliveries"]] == [500, 200]
    assert state["pending"] == 0


async def test_only_connected_companies_notify(hooked: tuple[QuickBooksSession, Receiver]) -> None:
    qbo, receiver = hooked
    await qbo.http.put(qbo.control("webhooks"), json={"url": HOOK})
    other = qbo.sandbox.quickbooks.store.add_company("Elsewhere")
    Books(other).create("Customer", {"DisplayName": "Unseen"})
    await qbo.http.post(qbo.control("webhooks/flush"))
    assert receiver.requests == []


async def test_user_actions(qbo: QuickBooksSession) -> None:
    customer = await qbo.customer()
    invoice = await qbo.invoice(customer["Id"], "INV-9")
    paid = await qbo.http.post(
        qbo.control("invoices/INV-9/payments"),
        json={
            "amount": "9.00",
            "date": "2026-11-22",
            "deposit_account_id": "1",
            "payment_method_id": "3",
            "reference": "EFT-1",
        },
    )
    assert paid.status_code == 200, paid.text
    assert qbo.stored("Invoice", invoice["Id"])["Balance"] == 200
    edited = await qbo.http.put(qbo.control("invoices/INV-9"), json={"line_amount": "300.00"})
    assert edited.json()["TotalAmt"] == 330
    assert edited.json()["Balance"] == 321
    renamed = await qbo.http.put(
        qbo.control(f"customers/{customer['Id']}"), json={"display_name": "Harbour Cafe Pty"}
    )
    assert renamed.json()["DisplayName"] == "Harbour Cafe Pty"
    deleted = await qbo.http.delete(qbo.control(f"payments/{paid.json()['Id']}"))
    assert deleted.json()["status"] == "Deleted"
    assert qbo.stored("Invoice", invoice["Id"])["Balance"] == 330
    voided = await qbo.http.post(qbo.control("invoices/INV-9/void"))
    assert voided.json()["TotalAmt"] == 0
    closed = await qbo.http.put(qbo.control("book-close-date"), json={"date": "2026-11-30"})
    assert closed.status_code == 200
    refused = await qbo.http.post(qbo.control("invoices/INV-9/payments"), json={"amount": "1"})
    assert refused.status_code == 422
    assert refused.json()["Fault"]["Error"][0]["code"] == "6200"
    missing = await qbo.http.post(qbo.control("invoices/nope/void"))
    assert missing.status_code == 404
    bad = await qbo.http.post(qbo.control("invoices/INV-9/payments"), json={"amount": "-1"})
    assert bad.status_code == 422
    documents = (await qbo.http.get(qbo.control("documents"))).json()
    assert [i["DocNumber"] for i in documents["Invoice"]] == ["INV-9"]
    assert documents["Payment"] == []


async def test_clock_companies_apps_stats_reset(qbo: QuickBooksSession) -> None:
    clock = await qbo.http.put(qbo.control("clock"), json={"advance_seconds": 90})
    assert clock.json()["now"] == "2026-11-23T09:01:30+00:00"
    assert clock.json()["scale"] == 0
    companies = (await qbo.http.get(qbo.control("companies"))).json()
    assert companies == [{"realm_id": qbo.realm_id, "name": "Sandbox Company AU", "default": True}]
    app = await qbo.http.post(
        qbo.control("apps"),
        json={
            "client_id": "other-app",
            "client_secret": "s3cret",
            "redirect_uris": ["http://x"],
            "verifier_token": "vt",
        },
    )
    assert app.json() == {"client_id": "other-app", "verifier_token": "vt"}
    token = await qbo.http.post(
        "/quickbooks/oauth/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": qbo.token["refresh_token"]},
        auth=("other-app", "s3cret"),
    )
    assert token.json()["error"] == "invalid_grant"  # another app's token
    await qbo.get("preferences")
    stats = (await qbo.http.get(qbo.control("stats"))).json()
    assert stats["by_route"] == {"GET /preferences": 1}
    assert stats["requests"] == 1
    bad = await qbo.http.put(qbo.control("limits"), json={"per_minute": 0})
    assert bad.status_code == 422
    await qbo.http.post(qbo.control("reset"))
    assert (await qbo.get("preferences")).status_code == 401
    assert (await qbo.http.get(qbo.control("stats"))).json()["requests"] == 0
