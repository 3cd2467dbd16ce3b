"""Customer import: Xero's customers matched to the host's, linked, or offered to the host —
once, however often it is applied; and the push that follows makes no duplicate."""

from __future__ import annotations

import random
from typing import Any

from syncsvc.imports.matching import normalise_name
from syncsvc.push.worker import PushWorker
from tests.conftest import TenantHandle
from tests.factories import customer
from tests.integration.sandbox_helpers import Linked, connected_tenant


def books(link: Linked) -> Any:
    return next(iter(link.sandbox.xero.store.organisations.values())).documents


async def run(link: Linked, tenant: TenantHandle, mode: str) -> dict[str, Any]:
    started = await link.service.post(
        "/v1/imports/customers", json={"mode": mode}, headers=tenant.headers
    )
    assert started.status_code == 202, started.text
    answer = await link.service.get(started.headers["location"], headers=tenant.headers)
    job: dict[str, Any] = answer.json()
    assert job["status"] == "done", job
    return job


async def test_preview_then_apply_twice(link: Linked) -> None:
    tenant = await connected_tenant(link)
    h = tenant.headers
    ledger = books(link)
    by_email = ledger.apply_contact(
        {"Name": "Harbour Cafe Ltd", "EmailAddress": "Accounts@HarbourCafe.example"}
    )
    by_number = ledger.apply_contact({"Name": "Kauri Dental Group", "ContactNumber": "C-2002"})
    by_name = ledger.apply_contact({"Name": "Dock Bar & Grill"})
    ledger.apply_contact({"Name": "Tui Street Motors", "EmailAddress": "office@tui.example"})
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    kauri = customer(name="Kauri Dental", customer_number="C-2002", email=None)
    await link.service.put("/v1/customers/cust-2", json=kauri, headers=h)
    dock = customer(name="Dock Bar and Grill Limited", customer_number=None, email=None)
    await link.service.put("/v1/customers/cust-3", json=dock, headers=h)

    preview = await run(link, tenant, "preview")
    assert preview["pages_read"] == 1
    assert preview["contacts_read"] == 4
    assert preview["result"]["counts"] == {"match": 3, "new": 1}
    matched = {
        row["provider_contact_id"]: (row["customer_id"], row["matched_by"])
        for row in preview["result"]["contacts"]
        if row["outcome"] == "match"
    }
    assert matched == {
        by_email["ContactID"]: ("cust-1", "email"),
        by_number["ContactID"]: ("cust-2", "customer_number"),
        by_name["ContactID"]: ("cust-3", "name"),
    }
    assert (await link.service.get("/v1/events", headers=h)).json()["events"] == []

    applied = await run(link, tenant, "apply")
    assert applied["result"]["counts"] == {"linked_now": 3, "offered": 1}
    events = (await link.service.get("/v1/events", headers=h)).json()["events"]
    assert [(e["type"], e["data"]["name"]) for e in events] == [
        ("customer.imported", "Tui Street Motors")
    ]
    read = (await link.service.get("/v1/customers/cust-1", headers=h)).json()
    assert read["sync"]["provider_id"] == by_email["ContactID"]

    again = await run(link, tenant, "apply")
    assert again["result"]["counts"] == {"linked": 3, "offered_before": 1}
    assert len((await link.service.get("/v1/events", headers=h)).json()["events"]) == 1

    # The push that follows updates the linked contacts instead of creating them again.
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    assert await worker.run_once() == 3
    assert len(ledger.contacts) == 4


async def test_an_import_without_a_connection_fails_and_says_why(link: Linked) -> None:
    from tests.conftest import create_tenant

    tenant = await create_tenant(link.service)
    started = await link.service.post(
        "/v1/imports/customers", json={"mode": "preview"}, headers=tenant.headers
    )
    job = (await link.service.get(started.headers["location"], headers=tenant.headers)).json()
    assert (job["status"], job["error"]) == ("failed", "not connected to an accounting package")
    other = await connected_tenant(link)
    hidden = await link.service.get(started.headers["location"], headers=other.headers)
    assert hidden.status_code == 404


def test_names_are_compared_without_case_punctuation_or_legal_form() -> None:
    assert normalise_name("Dock Bar & Grill Ltd.") == normalise_name("dock bar and grill LIMITED")
    assert normalise_name("Café Nero") == "cafe nero"
    assert normalise_name("Harbour Cafe") != normalise_name("Harbour Cafe North")
