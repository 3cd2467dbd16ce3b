"""Reconciliation against the sandbox: a scenario with every kind of disagreement, the report
that classifies it, the fix that repairs what it can, and a second run that shows the rest."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from syncsvc.push.worker import PushWorker
from syncsvc.reconciliation.retention import drop_expired_reports
from tests.conftest import TenantHandle
from tests.factories import customer, invoice, payment
from tests.integration.sandbox_helpers import Linked, connected_tenant

SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "rounding_account": "860",
}
RANGE = {"from": "2026-10-01", "to": "2026-11-30"}


async def reconcile(link: Linked, tenant: TenantHandle, *, fix: bool = False) -> dict[str, Any]:
    started = await link.service.post(
        "/v1/reconciliations", json={**RANGE, "fix": fix}, headers=tenant.headers
    )
    assert started.status_code == 202, started.text
    report: dict[str, Any] = (
        await link.service.get(started.headers["location"], headers=tenant.headers)
    ).json()
    assert report["status"] == "done", report
    return report


def by_number(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["number"]: row for row in report["rows"]}


async def scenario(link: Linked) -> tuple[TenantHandle, PushWorker]:
    tenant = await connected_tenant(link)
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).is_success
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    other = customer(name="Kauri Dental", customer_number="C-2", email="k@example.com")
    await link.service.put("/v1/customers/cust-2", json=other, headers=h)
    for n in (1, 3, 4, 5):
        body = invoice(number=f"INV-{n}", total="267.38")
        await link.service.put(f"/v1/invoices/inv-{n}", json=body, headers=h)
    locked = invoice(number="INV-6", total="267.38", issue_date="2026-10-15", due_date=None)
    await link.service.put("/v1/invoices/inv-6", json=locked, headers=h)
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    assert await worker.run_once() == 7

    # INV-2: pushed while Xero was down.
    await link.browser.put("/xero/_control/faults", json={"error_rate": 1.0})
    await link.service.put(
        "/v1/invoices/inv-2", json=invoice(number="INV-2", total="267.38"), headers=h
    )
    await worker.run_once()
    await link.browser.put("/xero/_control/faults", json={"error_rate": 0.0})
    # INV-3: edited in Xero (total and contact). INV-6 too, then its period locked.
    contacts = {c["ContactNumber"]: c["ContactID"] for c in books(link).contacts.values()}
    await link.browser.put(
        "/xero/_control/invoices/INV-3", json={"total": "300.00", "contact_id": contacts["C-2"]}
    )
    await link.browser.put("/xero/_control/invoices/INV-6", json={"total": "250.00"})
    await link.browser.put("/xero/_control/lock-date", json={"date": "2026-10-31"})
    # INV-4 paid in Xero only; INV-5 paid in the host only (Xero was down again).
    await link.browser.post(
        "/xero/_control/invoices/INV-4/payments", json={"amount": "100.00", "date": "2026-11-21"}
    )
    await link.browser.put("/xero/_control/faults", json={"error_rate": 1.0})
    paid = payment(invoice_id="inv-5", amount="50.00", surcharge="0")
    await link.service.put("/v1/payments/pay-5", json=paid, headers=h)
    await worker.run_once()
    await link.browser.put("/xero/_control/faults", json={"error_rate": 0.0})
    # A foreign invoice keyed in Xero: never reported.
    await link.browser.post(
        "/xero/_control/invoices",
        json={
            "Type": "ACCREC",
            "InvoiceNumber": "XERO-1",
            "Contact": {"ContactID": contacts["C-1001"]},
            "Date": "2026-11-10",
            "LineAmountTypes": "NoTax",
            "LineItems": [
                {"Description": "x", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"}
            ],
            "Status": "AUTHORISED",
        },
    )
    return tenant, worker


def books(link: Linked) -> Any:
    return next(iter(link.sandbox.xero.store.organisations.values())).documents


async def test_the_report_classifies_each_invoice(link: Linked) -> None:
    tenant, _ = await scenario(link)
    report = await reconcile(link, tenant)
    assert report["summary"] == {
        "invoices": 6,
        "ok": 1,
        "missing": 1,
        "different": 2,
        "payments_differ": 2,
        "unfixable": 0,
    }
    rows = by_number(report)
    assert "XERO-1" not in rows
    assert rows["INV-1"]["outcome"] == "ok"
    assert rows["INV-2"]["outcome"] == "missing"
    contacts = {c["ContactNumber"]: c["ContactID"] for c in books(link).contacts.values()}
    assert {d["field"]: (d["host"], d["xero"]) for d in rows["INV-3"]["differences"]} == {
        "total": ("267.38", "300.00"),
        "lines": ([], ["Adjustment (1 x 32.62)"]),  # the line Xero's user added
        "contact": (contacts["C-1001"], contacts["C-2"]),
    }
    # What a bookkeeper reads each row by, and what to do about it.
    three = rows["INV-3"]
    assert (three["customer"], three["date"], three["host_total"], three["provider_total"]) == (
        "Harbour Cafe",
        "2026-11-20",
        "267.38",
        "300.00",
    )
    assert rows["INV-1"]["what_to_do"] is None
    assert all(rows[n]["what_to_do"] for n in ("INV-2", "INV-3", "INV-4", "INV-5"))
    dates = [(row["date"], row["number"]) for row in report["rows"]]
    assert dates == sorted(dates)  # the same order every run
    assert rows["INV-4"]["payments_missing_in_host"][0]["amount"] == "100.00"
    assert rows["INV-5"]["payments_missing_in_provider"] == [
        {"payment_id": "pay-5", "amount": "50.00", "date": "2026-11-21"}
    ]
    assert report["calls"] == 1  # one page of invoices, payments included

    sheet = await link.service.get(
        f"/v1/reconciliations/{report['id']}", params={"format": "csv"}, headers=tenant.headers
    )
    assert sheet.headers["content-type"].startswith("text/csv")
    assert "INV-3,different" in sheet.text
    assert "total: host 267.38, Xero 300.00" in sheet.text


async def test_fix_repairs_what_it_can_and_says_why_not_for_the_rest(link: Linked) -> None:
    tenant, _ = await scenario(link)
    fixed = await reconcile(link, tenant, fix=True)
    rows = by_number(fixed)
    assert fixed["summary"]["unfixable"] == 1
    for number in ("INV-2", "INV-3", "INV-5"):
        assert rows[number]["fix"]["result"] == "fixed", rows[number]
    # Xero's payment on INV-4 was told to the host: not fixed until the host records it.
    assert rows["INV-4"]["fix"]["result"] == "sent to the host"
    assert rows["INV-4"]["fix"]["what_to_do"] == "record them in the host"
    assert rows["INV-6"]["fix"]["result"] == "not fixed"
    assert "lock date" in rows["INV-6"]["fix"]["reason"]
    assert "locked period" in rows["INV-6"]["fix"]["what_to_do"]
    events = (await link.service.get("/v1/events", headers=tenant.headers)).json()["events"]
    received = [e["data"] for e in events if e["type"] == "payment.received"]
    assert [(e["invoice_id"], e["amount"]) for e in received] == [("inv-4", "100.00")]

    again = await reconcile(link, tenant)
    assert again["summary"] == {
        "invoices": 6,
        "ok": 4,
        "missing": 0,
        "different": 1,
        "payments_differ": 1,
        "unfixable": 0,
    }
    rows = by_number(again)
    assert rows["INV-6"]["outcome"] == "different"
    # Xero's payment on INV-4 is now known to the host (the event), still not a host record.
    assert rows["INV-4"]["outcome"] == "payments_differ"


async def test_an_invoice_voided_in_the_package_is_left_alone_by_the_fix(link: Linked) -> None:
    tenant, _ = await scenario(link)
    await link.browser.post("/xero/_control/invoices/INV-1/void")
    [voided] = [d for d in books(link).invoices.values() if d["InvoiceNumber"] == "INV-1"]
    before = dict(voided)
    fixed = by_number(await reconcile(link, tenant, fix=True))["INV-1"]
    assert fixed["outcome"] == "different"
    assert fixed["differences"][0] == {
        "field": "status",
        "host": "approved",
        "provider": "void",
        "xero": "void",
    }
    assert fixed["fix"]["result"] == "left alone"
    assert "void it in the host" in fixed["fix"]["what_to_do"]
    assert voided == before  # nothing was written to it
    assert voided["Status"] == "VOIDED"


async def test_a_range_backwards_is_refused(link: Linked) -> None:
    tenant = await connected_tenant(link)
    answer = await link.service.post(
        "/v1/reconciliations",
        json={"from": "2026-11-30", "to": "2026-11-01"},
        headers=tenant.headers,
    )
    assert answer.status_code == 422


async def test_the_payments_report_matches_each_side_and_moves_the_missing_across(
    link: Linked,
) -> None:
    tenant, _ = await scenario(link)
    h = tenant.headers
    # Entered on both sides by hand: the host's pay-7 and a Xero bank-feed payment alike.
    await link.browser.post(
        "/xero/_control/invoices/INV-1/payments", json={"amount": "20.00", "date": "2026-11-21"}
    )
    twin = payment(invoice_id="inv-1", amount="20.00", surcharge="0")
    await link.service.put("/v1/payments/pay-7", json=twin, headers=h)

    async def report(fix: bool) -> dict[str, Any]:
        started = await link.service.post(
            "/v1/reconciliations", json={**RANGE, "kind": "payments", "fix": fix}, headers=h
        )
        done: dict[str, Any] = (
            await link.service.get(started.headers["location"], headers=h)
        ).json()
        assert done["status"] == "done", done
        return done

    first = await report(fix=False)
    assert first["summary"] == {
        "payments": 3,
        "matched": 1,
        "missing_in_provider": 1,
        "missing_in_xero": 1,  # the deprecated alias, kept in v1
        "missing_in_host": 1,
        "unfixable": 0,
    }
    outcomes = {(r["invoice_id"], r["outcome"]) for r in first["rows"]}
    assert outcomes == {
        ("inv-1", "matched"),
        ("inv-5", "missing_in_provider"),
        ("inv-4", "missing_in_host"),
    }
    sheet = await link.service.get(
        f"/v1/reconciliations/{first['id']}", params={"format": "csv"}, headers=h
    )
    assert "pay-5,inv-5,50.00,2026-11-21,,missing_in_provider" in sheet.text

    fixed = await report(fix=True)
    assert {r["outcome"]: r["fix"]["result"] for r in fixed["rows"] if r.get("fix")} == {
        "matched": "fixed",  # linked: the host's pay-7 is the payment keyed into Xero
        "missing_in_provider": "fixed",
        "missing_in_host": "sent to the host",  # told, not fixed: the host must record it
    }
    twin_read = (await link.service.get("/v1/payments/pay-7", headers=h)).json()
    assert twin_read["sync"]["state"] == "synced"
    again = await report(fix=False)
    assert again["summary"]["missing_in_provider"] == 0
    live = [p for p in books(link).payments.values() if p["Status"] != "DELETED"]
    assert sorted(str(p["Amount"]) for p in live) == ["100.00", "20.00", "50.00"]  # no twin


async def test_reports_are_dropped_after_the_retention(link: Linked) -> None:
    tenant = await connected_tenant(link)
    report = await reconcile(link, tenant)
    state = link.app.state.syncsvc
    link.advance(91 * 24 * 3600)
    assert await drop_expired_reports(state.sessions, link.clock, timedelta(days=90)) >= 1
    gone = await link.service.get(f"/v1/reconciliations/{report['id']}", headers=tenant.headers)
    assert gone.status_code == 404
