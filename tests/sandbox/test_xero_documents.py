"""The Xero sandbox's documents: Xero's rules, messages, totals and batch semantics."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import XeroSession


def contact(name: str = "Harbour Cafe", number: str = "C-1") -> dict[str, Any]:
    return {"Name": name, "ContactNumber": number, "EmailAddress": "a@harbour.example"}


async def make_contact(xero: XeroSession, name: str = "Harbour Cafe", number: str = "C-1") -> str:
    answer = await xero.put("Contacts", {"Contacts": [contact(name, number)]})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["Contacts"][0]["ContactID"])


def invoice(contact_id: str, number: str = "INV-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "InvoiceNumber": number,
        "Date": "2026-11-20",
        "DueDate": "2026-12-20",
        "LineAmountTypes": "Exclusive",
        "Status": "AUTHORISED",
        "LineItems": [
            {
                "Description": "Labour",
                "Quantity": 1,
                "UnitAmount": 33.3333,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
            }
            for _ in range(3)
        ],
    }
    body.update(changes)
    return body


async def test_contact_names_unique_among_active_contacts(xero: XeroSession) -> None:
    await make_contact(xero)
    again = await xero.put("Contacts", {"Contacts": [contact(number="C-2")]})
    assert again.status_code == 400
    message = again.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    assert message.startswith("The contact name Harbour Cafe is already assigned")
    by_number = await xero.get("Contacts/C-1")
    assert by_number.json()["Contacts"][0]["Name"] == "Harbour Cafe"


async def test_tax_is_rounded_per_line(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    answer = await xero.put("Invoices", {"Invoices": [invoice(contact_id)]})
    assert answer.status_code == 200, answer.text
    saved = answer.json()["Invoices"][0]
    # Each line: 33.33 (33.3333 to cents), tax 5.00 (4.9995 to cents); three of them.
    assert saved["SubTotal"] == 99.99
    assert saved["TotalTax"] == 15.0
    assert saved["Total"] == 114.99
    inclusive = invoice(contact_id, "INV-2", LineAmountTypes="Inclusive")
    saved = (await xero.put("Invoices", {"Invoices": [inclusive]})).json()["Invoices"][0]
    # Each line 33.33 inclusive: tax 33.33 * 0.15 / 1.15 = 4.347... -> 4.35.
    assert saved["Total"] == 99.99
    assert saved["TotalTax"] == 13.05


async def test_invoice_numbers_unique_and_batches_all_or_nothing(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    batch = {"Invoices": [invoice(contact_id, "INV-1"), invoice(contact_id, "INV-1")]}
    refused = await xero.put("Invoices", batch)
    assert refused.status_code == 400
    assert refused.json()["Type"] == "ValidationException"
    assert (await xero.get("Invoices")).json()["Invoices"] == []

    each = await xero.put("Invoices", batch, params={"summarizeErrors": "false"})
    assert each.status_code == 200
    first, second = each.json()["Invoices"]
    assert first["StatusAttributeString"] == "OK"
    assert second["StatusAttributeString"] == "ERROR"
    assert second["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]


async def test_idempotency_key_replays_and_refuses_another_body(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    headers = {"Idempotency-Key": "inv-1-v1"}
    first = await xero.put("Invoices", {"Invoices": [invoice(contact_id)]}, headers=headers)
    again = await xero.put("Invoices", {"Invoices": [invoice(contact_id)]}, headers=headers)
    assert again.status_code == 200
    assert again.json()["Invoices"][0]["InvoiceID"] == first.json()["Invoices"][0]["InvoiceID"]
    assert len((await xero.get("Invoices")).json()["Invoices"]) == 1
    other = await xero.put(
        "Invoices", {"Invoices": [invoice(contact_id, "INV-9")]}, headers=headers
    )
    assert other.status_code == 400
    xero.sandbox.config.clock.advance(7 * 60)
    later = await xero.put("Invoices", {"Invoices": [invoice(contact_id)]}, headers=headers)
    assert later.status_code == 400  # key forgotten: the number is taken now


async def test_payments_pay_invoices_and_block_edits(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    saved = (await xero.put("Invoices", {"Invoices": [invoice(contact_id)]})).json()
    invoice_id = saved["Invoices"][0]["InvoiceID"]
    payment = {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"Code": "090"},
        "Date": "2026-11-21",
        "Amount": 100.00,
    }
    paid = await xero.put("Payments", {"Payments": [payment]})
    assert paid.status_code == 200, paid.text
    edit = await xero.post(f"Invoices/{invoice_id}", {"Reference": "changed"})
    assert edit.status_code == 400
    assert "payment or credit note allocated" in edit.text
    too_much = await xero.put("Payments", {"Payments": [{**payment, "Amount": 20}]})
    assert too_much.status_code == 400
    rest = await xero.put("Payments", {"Payments": [{**payment, "Amount": 14.99}]})
    assert rest.status_code == 200
    read = (await xero.get(f"Invoices/{invoice_id}")).json()["Invoices"][0]
    assert read["Status"] == "PAID"
    assert read["AmountDue"] == 0
    wrong_account = await xero.put(
        "Payments", {"Payments": [{**payment, "Account": {"Code": "200"}}]}
    )
    assert wrong_account.status_code == 400

    payment_id = paid.json()["Payments"][0]["PaymentID"]
    deleted = await xero.post(f"Payments/{payment_id}", {"Status": "DELETED"})
    assert deleted.status_code == 200
    read = (await xero.get(f"Invoices/{invoice_id}")).json()["Invoices"][0]
    assert read["Status"] == "AUTHORISED"
    assert read["AmountDue"] == 100.0


async def test_status_transitions_and_lock_date(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    draft = (await xero.put("Invoices", {"Invoices": [invoice(contact_id, Status="DRAFT")]})).json()
    invoice_id = draft["Invoices"][0]["InvoiceID"]
    deleted = await xero.post(f"Invoices/{invoice_id}", {"Status": "DELETED"})
    assert deleted.status_code == 200
    back = await xero.post(f"Invoices/{invoice_id}", {"Status": "AUTHORISED"})
    assert back.json()["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Invoice not of valid status for modification"
    )
    xero.sandbox.xero.store.organisations[xero.tenant_id].period_lock_date = "2026-11-30"
    locked = await xero.put("Invoices", {"Invoices": [invoice(contact_id, "INV-L")]})
    assert locked.status_code == 400
    assert "period lock date, currently set at 30-Nov-2026" in locked.text


async def test_reads_filter_order_and_page(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    for n in range(5):
        await xero.put("Invoices", {"Invoices": [invoice(contact_id, f"INV-{n}")]})
        xero.sandbox.config.clock.advance(60)
    since = "2026-11-23T09:02:30"
    changed = (await xero.get("Invoices", headers={"If-Modified-Since": since})).json()
    assert [i["InvoiceNumber"] for i in changed["Invoices"]] == ["INV-3", "INV-4"]
    page = await xero.get(
        "Invoices", params={"order": "UpdatedDateUTC DESC", "page": 1, "pageSize": 2}
    )
    assert [i["InvoiceNumber"] for i in page.json()["Invoices"]] == ["INV-4", "INV-3"]
    where = await xero.get("Invoices", params={"where": 'InvoiceNumber=="INV-2"'})
    assert len(where.json()["Invoices"]) == 1
    by_numbers = await xero.get("Invoices", params={"InvoiceNumbers": "INV-1,INV-3"})
    assert {i["InvoiceNumber"] for i in by_numbers.json()["Invoices"]} == {"INV-1", "INV-3"}
    dated = await xero.get("Invoices", params={"where": "Date>=DateTime(2026,11,21)"})
    assert dated.json()["Invoices"] == []


async def test_credit_note_allocation_reduces_what_is_due(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    saved = (await xero.put("Invoices", {"Invoices": [invoice(contact_id)]})).json()
    invoice_id = saved["Invoices"][0]["InvoiceID"]
    note = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "CreditNoteNumber": "CN-1",
        "Date": "2026-11-21",
        "Status": "AUTHORISED",
        "LineItems": [
            {
                "Description": "Goodwill",
                "Quantity": 1,
                "UnitAmount": 20,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
            }
        ],
    }
    created = (await xero.put("CreditNotes", {"CreditNotes": [note]})).json()
    note_id = created["CreditNotes"][0]["CreditNoteID"]
    allocated = await xero.put(
        f"CreditNotes/{note_id}/Allocations",
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice_id}, "Amount": 23.0, "Date": "2026-11-21"}
            ]
        },
    )
    assert allocated.status_code == 200, allocated.text
    read = (await xero.get(f"Invoices/{invoice_id}")).json()["Invoices"][0]
    assert read["AmountCredited"] == 23.0
    assert read["AmountDue"] == 91.99


async def test_rate_limits_and_their_headers(xero: XeroSession) -> None:
    first = await xero.get("Accounts")
    assert first.headers["X-MinLimit-Remaining"] == "59"
    assert first.headers["X-DayLimit-Remaining"] == "4999"
    for _ in range(59):
        await xero.get("Accounts")
    refused = await xero.get("Accounts")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert int(refused.headers["Retry-After"]) == 60
    xero.sandbox.config.clock.advance(60)
    assert (await xero.get("Accounts")).status_code == 200
    stats = (await xero.http.get(xero.control("stats"))).json()
    assert stats["throttled"] == 1
    assert stats["by_route"]["GET /Accounts"] == 62


async def test_faults_lost_answers_are_applied(xero: XeroSession) -> None:
    await xero.http.put(xero.control("faults"), json={"lost_rate": 1.0})
    lost = await xero.put("Contacts", {"Contacts": [contact()]})
    assert lost.status_code == 502
    await xero.http.put(xero.control("faults"), json={"lost_rate": 0.0, "burst_429": 2})
    assert (await xero.get("Contacts")).status_code == 429
    assert (await xero.get("Contacts")).status_code == 429
    found = await xero.get("Contacts")
    assert [c["Name"] for c in found.json()["Contacts"]] == ["Harbour Cafe"]


async def test_wrong_tenant_and_expired_token(xero: XeroSession) -> None:
    answer = await xero.http.get(
        "/xero/api/api.xro/2.0/Accounts",
        headers={**xero.headers, "xero-tenant-id": "00000000-0000-0000-0000-000000000000"},
    )
    assert answer.status_code == 403
    xero.sandbox.config.clock.advance(31 * 60)
    expired = await xero.get("Accounts")
    assert expired.status_code == 401
    assert "TokenExpired" in expired.json()["Detail"]


async def test_richer_where_filters_and_xeros_400_for_the_unreadable(xero: XeroSession) -> None:
    contact_id = await make_contact(xero)
    for n, status in enumerate(("DRAFT", "AUTHORISED", "AUTHORISED")):
        await xero.put("Invoices", {"Invoices": [invoice(contact_id, f"INV-{n}", Status=status)]})
    found = await xero.get(
        "Invoices",
        params={
            "where": 'Status=="AUTHORISED" AND Date>=DateTime(2026,11,1) AND '
            '(InvoiceNumber.EndsWith("1") OR InvoiceNumber.StartsWith("X"))'
        },
    )
    assert [i["InvoiceNumber"] for i in found.json()["Invoices"]] == ["INV-1"]
    first = found.json()["Invoices"][0]["InvoiceID"]
    by_guid = await xero.get("Invoices", params={"where": f'InvoiceID=guid("{first.upper()}")'})
    assert [i["InvoiceID"] for i in by_guid.json()["Invoices"]] == [first]
    refused = await xero.get("Invoices", params={"where": 'Status=="AUTHORISED" AND'})
    assert refused.status_code == 400
    body = refused.json()
    assert body["Type"] == "ValidationException"
    assert "the end" in body["Elements"][0]["ValidationErrors"][0]["Message"]


async def test_paths_are_case_insensitive_as_xeros_are(xero: XeroSession) -> None:
    await make_contact(xero)
    upper = await xero.http.get(
        "/xero/api/Connections", headers={"Authorization": xero.headers["Authorization"]}
    )
    assert upper.status_code == 200, upper.text
    assert upper.json()[0]["tenantId"] == xero.tenant_id
    lower = await xero.http.get("/xero/api/api.xro/2.0/contacts", headers=xero.headers)
    assert lower.status_code == 200
    assert len(lower.json()["Contacts"]) == 1
