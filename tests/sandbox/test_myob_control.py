"""The MYOB control surface: clock, faults (errors, lost and held answers), stats, the books
as the user sees them, company files and apps; and acting as the MYOB user (receive and
delete payments, delete and edit invoices, rename customers, set the lock date)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.sandbox.conftest import START
from tests.sandbox.myob_session import TOKEN_URL, MyobSession, authorize

CONTROL = "/myob/_control"


@pytest.fixture(autouse=True)
def no_limits(myob: MyobSession) -> None:
    myob.sandbox.myob.traffic.key_limits.enabled = False


async def invoice_for(myob: MyobSession, total: str = "100.00") -> dict[str, Any]:
    customer = await myob.customer()
    answer = await myob.invoice(customer["UID"], total, number="JOB-7")
    return dict(answer.json())


async def test_clock_is_set_and_advanced(myob: MyobSession) -> None:
    clock = (await myob.http.get(f"{CONTROL}/clock")).json()
    assert clock == {"now": START.isoformat(), "scale": 0}
    moved = (await myob.http.put(f"{CONTROL}/clock", json={"advance_seconds": 90})).json()
    assert moved["now"] == "2026-11-23T09:01:30+00:00"
    customer = await myob.customer()
    assert customer["LastModified"] == "2026-11-23T09:01:30.000"
    bad = await myob.http.put(f"{CONTROL}/clock", json={"scale": -1})
    assert bad.status_code == 422


async def test_lost_answer_was_applied(myob: MyobSession) -> None:
    route = "POST /Contact/Customer"
    await myob.http.put(f"{CONTROL}/faults", json={"lose_next": [route]})
    gst = myob.uid("tax_codes", "Code", "GST")
    lost = await myob.post(
        "Contact/Customer",
        {
            "CompanyName": "Lost Ltd",
            "IsIndividual": False,
            "SellingDetails": {"TaxCode": {"UID": gst}, "FreightTaxCode": {"UID": gst}},
        },
    )
    assert lost.status_code == 504
    assert lost.json()["Errors"][0]["Name"] == "GatewayTimeout"
    found = await myob.get("Contact/Customer", {"$filter": "CompanyName eq 'Lost Ltd'"})
    assert found.json()["Count"] == 1
    stats = (await myob.http.get(f"{CONTROL}/stats")).json()
    assert stats["lost_by_route"] == {route: 1}


async def test_error_rate_fails_before_applying(myob: MyobSession) -> None:
    await myob.http.put(f"{CONTROL}/faults", json={"error_rate": 1.0, "seed": 3})
    failed = await myob.get("Contact/Customer")
    assert failed.status_code == 500
    await myob.http.put(f"{CONTROL}/faults", json={"error_rate": 0.0})
    assert (await myob.get("Contact/Customer")).status_code == 200
    assert (await myob.http.get(f"{CONTROL}/stats")).json()["failed"] == 1


async def test_held_answer_waits_for_release(myob: MyobSession) -> None:
    await myob.http.put(f"{CONTROL}/faults", json={"hold_next": ["GET /Contact/Customer"]})
    pending = asyncio.create_task(myob.get("Contact/Customer"))
    for _ in range(100):
        if myob.sandbox.myob.traffic.held:
            break
        await asyncio.sleep(0)
    assert myob.sandbox.myob.traffic.held == 1
    assert not pending.done()
    released = (await myob.http.post(f"{CONTROL}/release")).json()
    assert released == {"released": 1}
    assert (await pending).status_code == 200


async def test_companies_apps_documents_and_reset(myob: MyobSession) -> None:
    added = await myob.http.post(
        f"{CONTROL}/companies",
        json={"name": "Third Pty Ltd", "product": "Essentials", "shard": "arl2"},
    )
    assert added.status_code == 201
    assert added.json()["Uri"].startswith("http://sandbox.test/myob/arl2/accountright/")
    assert added.json()["UIAccessFlags"] == 2
    assert len((await myob.http.get(f"{CONTROL}/companies")).json()) == 3
    bad = await myob.http.post(f"{CONTROL}/companies", json={"name": "X", "product": "Xero"})
    assert bad.status_code == 422
    apps = (await myob.http.get(f"{CONTROL}/apps")).json()
    assert [a["client_id"] for a in apps] == ["sandbox-client"]
    invoice = await invoice_for(myob)
    books = (
        await myob.http.get(f"{CONTROL}/documents", params={"business_id": myob.business_id})
    ).json()
    assert [i["UID"] for i in books["Invoices"]] == [invoice["UID"]]
    assert books["Preferences"]["System"]["LockPeriodPriorTo"] is None
    missing = await myob.http.get(f"{CONTROL}/documents", params={"business_id": "nope"})
    assert missing.status_code == 404
    expired = (await myob.http.post(f"{CONTROL}/tokens/expire")).json()
    assert expired["expired"] >= 1
    assert (await myob.get("Contact/Customer")).status_code == 401
    await myob.http.post(f"{CONTROL}/reset")
    assert len(myob.sandbox.myob.store.company_files) == 2
    token, query = await authorize(myob.http)
    fresh = MyobSession(myob.http, myob.sandbox, query["businessId"][0], token)
    assert (await fresh.get("Sale/Invoice")).json()["Count"] == 0


async def test_user_receives_and_deletes_a_payment(myob: MyobSession) -> None:
    invoice = await invoice_for(myob)
    received = await myob.http.post(
        f"{CONTROL}/invoices/JOB-7/payments", json={"amount": "110.00", "date": "2026-11-22"}
    )
    assert received.status_code == 201, received.text
    payment = received.json()
    assert payment["Account"]["DisplayID"] == "1-1110"
    pulled = await myob.get(
        "Sale/CustomerPayment", {"$filter": f"Invoices/any(x: x/UID eq guid'{invoice['UID']}')"}
    )
    assert [p["UID"] for p in pulled.json()["Items"]] == [payment["UID"]]
    assert (await myob.get(f"Sale/Invoice/{invoice['UID']}")).json()["Status"] == "Closed"
    over = await myob.http.post(
        f"{CONTROL}/invoices/JOB-7/payments", json={"amount": "1.00", "date": "2026-11-22"}
    )
    assert over.status_code == 422
    assert over.json()["Errors"][0]["Name"] == "AmountAppliedExceedsBalance"
    gone = await myob.http.delete(f"{CONTROL}/payments/{payment['UID']}")
    assert gone.json() == {"status": "deleted"}
    assert (await myob.get(f"Sale/Invoice/{invoice['UID']}")).json()["Status"] == "Open"
    assert (await myob.http.delete(f"{CONTROL}/payments/{payment['UID']}")).status_code == 404


async def test_user_edits_and_deletes_an_invoice(myob: MyobSession) -> None:
    invoice = await invoice_for(myob)
    edited = await myob.http.put(f"{CONTROL}/invoices/{invoice['UID']}", json={"total": "132.00"})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["TotalAmount"] == 132
    assert body["RowVersion"] != invoice["RowVersion"]
    assert body["Lines"][-1]["Description"] == "Adjustment"
    # The service's copy is stale now: its PUT meets a 409.
    stale = await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", invoice)
    assert stale.status_code == 409
    deleted = await myob.http.delete(f"{CONTROL}/invoices/JOB-7")
    assert deleted.json() == {"status": "deleted"}
    assert (await myob.get(f"Sale/Invoice/{invoice['UID']}")).status_code == 404
    assert (await myob.http.delete(f"{CONTROL}/invoices/JOB-7")).status_code == 404


async def test_user_renames_a_customer_and_sets_the_lock_date(myob: MyobSession) -> None:
    invoice = await invoice_for(myob)
    uid = invoice["Customer"]["UID"]
    await myob.http.put(f"{CONTROL}/clock", json={"advance_seconds": 5})
    renamed = await myob.http.put(
        f"{CONTROL}/customers/{uid}", json={"name": "Harbour Café Ltd", "active": False}
    )
    assert renamed.json()["CompanyName"] == "Harbour Café Ltd"
    assert renamed.json()["IsActive"] is False
    changed = await myob.get(
        "Contact/Customer", {"$filter": "LastModified gt datetime'2026-11-23T09:00:00'"}
    )
    assert [c["UID"] for c in changed.json()["Items"]] == [uid]
    read = (await myob.get(f"Sale/Invoice/{invoice['UID']}")).json()
    assert read["Customer"]["Name"] == "Harbour Café Ltd"
    locked = await myob.http.put(f"{CONTROL}/preferences", json={"lock_date": "2026-12-01"})
    assert locked.status_code == 200
    refused = await myob.http.delete(f"{CONTROL}/invoices/{invoice['UID']}")
    assert refused.status_code == 422
    assert refused.json()["Errors"][0]["Name"] == "BusinessEvent_DateOccured_InLockPeriod"
    unknown = await myob.http.put(f"{CONTROL}/customers/nobody", json={"name": "X"})
    assert unknown.status_code == 404


async def test_revoked_access_refuses_the_token_and_its_refresh(myob: MyobSession) -> None:
    """The MYOB user removes the app's access: the bearer is refused and so is a refresh."""
    assert (await myob.get("Contact/Customer")).status_code == 200
    revoked = (await myob.http.post(f"{CONTROL}/tokens/revoke")).json()
    assert revoked["revoked"] >= 1
    assert (await myob.get("Contact/Customer")).status_code == 401
    refresh = await myob.http.post(
        TOKEN_URL,
        data={
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "grant_type": "refresh_token",
            "refresh_token": myob.token["refresh_token"],
        },
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"
