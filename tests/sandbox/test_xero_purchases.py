"""The Xero sandbox's purchase side: bills (ACCPAY, numbers that may repeat), spend money
(SPEND bank transactions from a bank account), and a bill paid by the Xero user."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import XeroSession
from tests.sandbox.test_xero_documents import make_contact


def bill(contact_id: str, number: str = "PS-1") -> dict[str, Any]:
    return {
        "Type": "ACCPAY",
        "Contact": {"ContactID": contact_id},
        "InvoiceNumber": number,
        "Date": "2026-11-18",
        "DueDate": "2026-12-18",
        "Status": "AUTHORISED",
        "LineItems": [
            {"Description": "Pipe", "Quantity": 10, "UnitAmount": 12.4, "AccountCode": "310"}
        ],
    }


def spend(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Type": "SPEND",
        "Contact": {"Name": "Harbour Fuel"},
        "BankAccount": {"Code": "090"},
        "Date": "2026-11-19",
        "Reference": "EXP-7",
        "LineAmountTypes": "Inclusive",
        "LineItems": [
            {"Description": "Fuel", "UnitAmount": 86.25, "AccountCode": "429", "TaxType": "INPUT2"}
        ],
    }
    body.update(changes)
    return body


async def test_bill_numbers_may_repeat_and_mark_the_contact_a_supplier(xero: XeroSession) -> None:
    supplier = await make_contact(xero, "Plumbing Supplies", "S-1")
    first = await xero.put("Invoices", {"Invoices": [bill(supplier)]})
    again = await xero.put("Invoices", {"Invoices": [bill(supplier)]})
    assert first.status_code == again.status_code == 200, again.text
    bills = (await xero.get("Invoices", params={"where": 'Type=="ACCPAY"'})).json()["Invoices"]
    assert [b["InvoiceNumber"] for b in bills] == ["PS-1", "PS-1"]
    contact = (await xero.get(f"Contacts/{supplier}")).json()["Contacts"][0]
    assert (contact["IsSupplier"], contact["IsCustomer"]) == (True, False)


async def test_spend_money_takes_a_new_payee_by_name_and_is_found_by_reference(
    xero: XeroSession,
) -> None:
    answer = await xero.put("BankTransactions", {"BankTransactions": [spend()]})
    assert answer.status_code == 200, answer.text
    [saved] = answer.json()["BankTransactions"]
    assert (saved["Total"], saved["TotalTax"], saved["SubTotal"]) == (86.25, 11.25, 75)
    assert saved["BankAccount"]["Code"] == "090"
    assert saved["Status"] == "AUTHORISED"
    [payee] = (await xero.get("Contacts")).json()["Contacts"]
    assert payee["Name"] == "Harbour Fuel"
    assert saved["Contact"]["ContactID"] == payee["ContactID"]
    found = await xero.get("BankTransactions", params={"where": 'Reference=="EXP-7"'})
    assert [t["BankTransactionID"] for t in found.json()["BankTransactions"]] == [
        saved["BankTransactionID"]
    ]
    # The same name again is the same contact.
    assert (await xero.put("BankTransactions", {"BankTransactions": [spend()]})).is_success
    assert len((await xero.get("Contacts")).json()["Contacts"]) == 1


async def test_spend_money_is_refused_from_anything_but_a_bank_account(xero: XeroSession) -> None:
    answer = await xero.put(
        "BankTransactions", {"BankTransactions": [spend(BankAccount={"Code": "429"}, Contact={})]}
    )
    assert answer.status_code == 400
    messages = [m["Message"] for m in answer.json()["Elements"][0]["ValidationErrors"]]
    assert messages == [
        "A Contact must be specified for this type of transaction",
        "BankAccount must be a bank account.",
    ]
    assert (await xero.get("BankTransactions")).json()["BankTransactions"] == []


async def test_spend_money_is_deleted_by_status(xero: XeroSession) -> None:
    [saved] = (await xero.put("BankTransactions", {"BankTransactions": [spend()]})).json()[
        "BankTransactions"
    ]
    ref = saved["BankTransactionID"]
    deleted = await xero.post(f"BankTransactions/{ref}", {"Status": "DELETED"})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["BankTransactions"][0]["Status"] == "DELETED"
    again = await xero.post(f"BankTransactions/{ref}", {"Status": "DELETED"})
    assert again.status_code == 400


async def test_the_xero_user_pays_a_bill(xero: XeroSession) -> None:
    supplier = await make_contact(xero, "Plumbing Supplies", "S-1")
    [saved] = (await xero.put("Invoices", {"Invoices": [bill(supplier)]})).json()["Invoices"]
    bill_id = saved["InvoiceID"]
    payment = {"amount": str(saved["Total"]), "date": "2026-11-25", "reference": "EFT"}
    answer = await xero.http.post(xero.control(f"invoices/{bill_id}/payments"), json=payment)
    assert answer.status_code == 200, answer.text
    assert answer.json()["PaymentType"] == "ACCPAYPAYMENT"
    paid = (await xero.get(f"Invoices/{bill_id}")).json()["Invoices"][0]
    assert paid["Status"] == "PAID"
    assert [p["Reference"] for p in paid["Payments"]] == ["EFT"]
