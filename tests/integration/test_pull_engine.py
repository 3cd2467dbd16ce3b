"""The pull engine end to end: what happens in Xero to the service's documents comes back as
events, once each; the service's own writes are not echoed; the rest of Xero is left alone."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from syncsvc.kit.signatures import hmac_sha256_base64
from syncsvc.pull.poller import Poller
from syncsvc.push.worker import PushWorker
from tests.conftest import TenantHandle
from tests.factories import customer, invoice, payment
from tests.integration.sandbox_helpers import WEBHOOK_KEY, Linked, connected_tenant

SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "rounding_account": "860",
}


class Scene:
    def __init__(self, link: Linked, tenant: TenantHandle) -> None:
        state = link.app.state.syncsvc
        self.link = link
        self.tenant = tenant
        self.worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
        self.poller = Poller(
            state.sessions,
            state.providers,
            link.clock,
            interval=timedelta(minutes=5),
            rng=random.Random(2),
        )
        self.seen = 0

    async def poll(self) -> list[dict[str, Any]]:
        """Poll once, past the interval and its jitter; the events that came of it."""
        self.link.advance(331)
        await self.poller.run_once()
        return await self.new_events()

    async def new_events(self) -> list[dict[str, Any]]:
        answer = await self.link.service.get(
            "/v1/events", params={"after": self.seen}, headers=self.tenant.headers
        )
        events: list[dict[str, Any]] = answer.json()["events"]
        if events:
            self.seen = events[-1]["id"]
        return events

    async def calls(self) -> int:
        return int((await self.link.browser.get("/xero/_control/stats")).json()["requests"])


async def scene(link: Linked, *, paid_by_host: bool = False) -> Scene:
    tenant = await connected_tenant(link)
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await link.service.put("/v1/invoices/inv-1", json=invoice(total="267.38"), headers=h)
    if paid_by_host:
        paid = payment(amount="267.38", surcharge="0")
        await link.service.put("/v1/payments/pay-1", json=paid, headers=h)
    made = Scene(link, tenant)
    await made.worker.run_once()
    await made.new_events()
    return made


async def test_a_bank_feed_payment_in_xero_becomes_events_within_one_poll(link: Linked) -> None:
    made = await scene(link)
    assert await made.poll() == []  # nothing happened in Xero yet
    link.advance(60)
    answer = await link.browser.post(
        "/xero/_control/invoices/INV-1001/payments",
        json={"amount": "100.00", "date": "2026-11-24", "reference": "DD 77"},
    )
    assert answer.status_code == 200, answer.text
    events = await made.poll()
    assert [e["type"] for e in events] == ["payment.received"]
    data = events[0]["data"]
    assert data["invoice_id"] == "inv-1"
    assert (data["amount"], data["date"], data["account_code"]) == ("100.00", "2026-11-24", "090")
    assert data["reference"] == "DD 77"
    assert data["provider"]["payment_id"]

    link.advance(60)
    await link.browser.post(
        "/xero/_control/invoices/INV-1001/payments",
        json={"amount": "167.38", "date": "2026-11-25"},
    )
    events = await made.poll()
    assert [e["type"] for e in events] == ["payment.received", "invoice.paid"]
    assert events[1]["data"]["invoice_id"] == "inv-1"
    assert await made.poll() == []  # seen is not news again


async def test_an_unchanged_organisation_costs_one_call_per_resource(link: Linked) -> None:
    made = await scene(link)
    await made.poll()
    before = await made.calls()
    assert await made.poll() == []
    assert await made.calls() - before == 3  # payments, invoices, contacts


async def test_the_services_own_writes_are_not_echoed(link: Linked) -> None:
    made = await scene(link, paid_by_host=True)
    h = made.tenant.headers
    link.advance(60)
    changed = customer(version=2, phone="+64 9 555 0199")
    await link.service.put("/v1/customers/cust-1", json=changed, headers=h)
    await made.worker.run_once()
    assert await made.poll() == []  # the host's payment, paid invoice, contact update


async def test_voids_deletions_and_contact_changes_in_xero(link: Linked) -> None:
    made = await scene(link)
    ledger = next(iter(link.sandbox.xero.store.organisations.values())).documents
    link.advance(60)
    received = await link.browser.post(
        "/xero/_control/invoices/INV-1001/payments", json={"amount": "10.00", "date": "2026-11-24"}
    )
    await made.poll()
    link.advance(60)
    assert ledger.delete_payment(received.json()["PaymentID"]) == []
    [contact] = ledger.contacts.values()
    answer = await link.browser.put(
        f"/xero/_control/contacts/{contact['ContactID']}", json={"name": "Harbour Cafe Ltd"}
    )
    assert answer.status_code == 200
    events = await made.poll()
    assert sorted(e["type"] for e in events) == ["customer.updated", "payment.deleted"]
    updated = next(e["data"] for e in events if e["type"] == "customer.updated")
    assert (updated["customer_id"], updated["name"]) == ("cust-1", "Harbour Cafe Ltd")

    link.advance(60)
    assert (await link.browser.post("/xero/_control/invoices/INV-1001/void")).status_code == 200
    events = await made.poll()
    assert [(e["type"], e["data"]["invoice_id"]) for e in events] == [("invoice.voided", "inv-1")]


async def test_documents_the_service_did_not_create_are_left_alone(link: Linked) -> None:
    made = await scene(link)
    link.advance(60)
    [contact] = next(
        iter(link.sandbox.xero.store.organisations.values())
    ).documents.contacts.values()
    foreign = {
        "Type": "ACCREC",
        "InvoiceNumber": "XERO-9",
        "Contact": {"ContactID": contact["ContactID"]},
        "Date": "2026-11-24",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "Description": "Made in Xero",
                "Quantity": 1,
                "UnitAmount": 50,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
            }
        ],
        "Status": "AUTHORISED",
    }
    made_in_xero = await link.browser.post("/xero/_control/invoices", json=foreign)
    assert made_in_xero.status_code == 201, made_in_xero.text
    await link.browser.post(
        "/xero/_control/invoices/XERO-9/payments", json={"amount": "57.50", "date": "2026-11-24"}
    )
    assert await made.poll() == []


async def test_a_webhook_triggers_the_poll_at_once(link: Linked) -> None:
    made = await scene(link)
    await made.poll()
    link.advance(60)
    await link.browser.post(
        "/xero/_control/invoices/INV-1001/payments", json={"amount": "267.38", "date": "2026-11-24"}
    )
    # No time passes and no poll is due: only the webhook can bring the news.
    flushed = (await link.browser.post("/xero/_control/webhooks/flush")).json()
    assert [d["status"] for d in flushed["deliveries"]] == [200]
    events = await made.new_events()
    assert [e["type"] for e in events] == ["payment.received", "invoice.paid"]


async def test_webhook_signatures_and_repeats(link: Linked) -> None:
    made = await scene(link)
    check = (await link.browser.post("/xero/_control/webhooks/intent")).json()
    assert check["passed"], check  # 200 for the right signature, 401 for a wrong one

    organisation_id = next(iter(link.sandbox.xero.store.organisations))
    event = {
        "resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/x",
        "resourceId": "x",
        "eventDateUtc": "2026-11-23T09:00:00.000",
        "eventType": "UPDATE",
        "eventCategory": "INVOICE",
        "tenantId": organisation_id,
        "tenantType": "ORGANISATION",
    }
    body = json.dumps({"events": [event], "firstEventSequence": 1, "lastEventSequence": 1})
    good = hmac_sha256_base64(WEBHOOK_KEY.encode(), body.encode())
    before = await made.calls()
    forged = await link.service.post(
        "/webhooks/xero", content=body, headers={"x-xero-signature": good[:-4] + "AAA="}
    )
    assert forged.status_code == 401
    assert await made.calls() == before  # nothing polled
    for _ in range(2):
        answer = await link.service.post(
            "/webhooks/xero", content=body, headers={"x-xero-signature": good}
        )
        assert answer.status_code == 200
    assert await made.calls() == before + 2  # one targeted poll: payments and invoices
