"""Writes as MYOB takes them: POST 201 with Location, returnBody, PUT with RowVersion on the
record and its lines, DELETE; totals as MYOB computes them; Number rules; the lock date and
must-reverse refusals; payments and credits (a negative sale and its CreditSettlement)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.myob_session import MyobSession


def error_name(answer: Any) -> str:
    return str(answer.json()["Errors"][0]["Name"])


async def pay(
    myob: MyobSession, invoice: dict[str, Any], amount: float, date: str = "2026-11-21"
) -> Any:
    return await myob.post(
        "Sale/CustomerPayment",
        {
            "DepositTo": "Account",
            "Account": {"UID": myob.uid("accounts", "DisplayID", "1-1110")},
            "Customer": {"UID": invoice["Customer"]["UID"]},
            "Date": date,
            "Invoices": [{"UID": invoice["UID"], "AmountApplied": amount, "Type": "Invoice"}],
        },
    )


@pytest.fixture(autouse=True)
def no_limits(myob: MyobSession) -> None:
    myob.sandbox.myob.traffic.key_limits.enabled = False


async def test_post_answers_201_with_location_and_body_only_when_asked(myob: MyobSession) -> None:
    customer = await myob.customer()
    gst = myob.uid("tax_codes", "Code", "GST")
    quiet = await myob.post(
        "Contact/Customer",
        {
            "IsIndividual": True,
            "LastName": "Ngata",
            "FirstName": "Aroha",
            "SellingDetails": {"TaxCode": {"UID": gst}, "FreightTaxCode": {"UID": gst}},
        },
        return_body=False,
    )
    assert quiet.status_code == 201
    assert quiet.content == b""
    location = quiet.headers["location"]
    uid = location.rsplit("/", 1)[1]
    fetched = await myob.http.get(location, headers=myob.headers)
    assert fetched.json()["UID"] == uid
    assert fetched.json()["LastName"] == "Ngata"
    assert customer["URI"].endswith(f"/Contact/Customer/{customer['UID']}")
    assert customer["RowVersion"]


async def test_customer_needs_its_tax_codes(myob: MyobSession) -> None:
    missing = await myob.post("Contact/Customer", {"CompanyName": "No Tax", "IsIndividual": False})
    assert missing.status_code == 400
    assert error_name(missing) == "Required"
    assert missing.json()["Errors"][0]["AdditionalDetails"] == "TaxCode.UID"
    long_name = await myob.post(
        "Contact/Customer", {"CompanyName": "x" * 51, "IsIndividual": False}
    )
    assert long_name.status_code == 400


async def test_totals_exclusive_inclusive_and_line_rounding(myob: MyobSession) -> None:
    customer = await myob.customer()
    exclusive = (await myob.invoice(customer["UID"], "100.00")).json()
    assert (exclusive["Subtotal"], exclusive["TotalTax"], exclusive["TotalAmount"]) == (
        100,
        10,
        110,
    )
    assert exclusive["BalanceDueAmount"] == 110
    assert exclusive["Status"] == "Open"
    inclusive = (await myob.invoice(customer["UID"], "110.00", inclusive=True)).json()
    assert (inclusive["Subtotal"], inclusive["TotalTax"], inclusive["TotalAmount"]) == (
        110,
        10,
        110,
    )
    # Item layout: each line rounded to the cent before tax is worked out on it.
    gst = myob.uid("tax_codes", "Code", "GST")
    valve = myob.uid("items", "Number", "VALVE15")
    item = await myob.post(
        "Sale/Invoice/Item",
        {
            "Date": "2026-11-20",
            "Customer": {"UID": customer["UID"]},
            "IsTaxInclusive": False,
            "FreightTaxCode": {"UID": gst},
            "Lines": [
                {
                    "Item": {"UID": valve},
                    "ShipQuantity": 3,
                    "UnitPrice": 3.335,
                    "TaxCode": {"UID": gst},
                },
                {"Item": {"UID": valve}, "ShipQuantity": 1, "TaxCode": {"UID": gst}},
            ],
        },
    )
    assert item.status_code == 201, item.text
    body = item.json()
    assert [line["Total"] for line in body["Lines"]] == [10.01, 42.5]
    assert body["Lines"][1]["Account"]["DisplayID"] == "4-1100"
    assert body["TotalTax"] == pytest.approx(1.00 + 4.25)
    assert body["TotalAmount"] == pytest.approx(52.51 + 5.25)


async def test_invoice_number_is_unique_and_thirteen_characters(myob: MyobSession) -> None:
    customer = await myob.customer()
    assert (await myob.invoice(customer["UID"], number="JOB-0000001")).status_code == 201
    again = await myob.invoice(customer["UID"], number="JOB-0000001")
    assert again.status_code == 400
    assert again.json()["Errors"][0]["AdditionalDetails"] == "Number"
    too_long = await myob.invoice(customer["UID"], number="A" * 14)
    assert too_long.status_code == 400
    assert error_name(too_long) == "MaxLength"
    numbered = (await myob.invoice(customer["UID"])).json()
    assert numbered["Number"] == "00000001"


async def test_invoice_needs_freight_tax_code_and_a_posting_account(myob: MyobSession) -> None:
    customer = await myob.customer()
    gst = myob.uid("tax_codes", "Code", "GST")
    line = {
        "Description": "Labour",
        "Account": {"UID": myob.uid("accounts", "DisplayID", "4-0000")},
        "TaxCode": {"UID": gst},
        "Total": 10,
    }
    body: dict[str, Any] = {
        "Date": "2026-11-20",
        "Customer": {"UID": customer["UID"]},
        "Lines": [line],
    }
    no_freight = await myob.post("Sale/Invoice/Service", body)
    assert no_freight.json()["Errors"][0]["AdditionalDetails"] == "FreightTaxCode"
    header = await myob.post("Sale/Invoice/Service", {**body, "FreightTaxCode": {"UID": gst}})
    assert error_name(header) == "AccountHeaderNotAllowed"
    unknown = await myob.post(
        "Sale/Invoice/Service",
        {**body, "FreightTaxCode": {"UID": "00000000-0000-0000-0000-000000000000"}},
    )
    assert error_name(unknown) == "NotFound"


async def test_stale_row_version_on_record_or_line_is_409(myob: MyobSession) -> None:
    customer = await myob.customer()
    invoice = (await myob.invoice(customer["UID"])).json()
    path = f"Sale/Invoice/Service/{invoice['UID']}"
    first = await myob.put(path, {**invoice, "Comment": "first"})
    assert first.status_code == 200, first.text
    assert first.json()["RowVersion"] != invoice["RowVersion"]
    assert first.headers["location"].endswith(invoice["UID"])
    stale = await myob.put(path, {**invoice, "Comment": "second"})
    assert stale.status_code == 409
    assert error_name(stale) == "IncorrectRowVersionSupplied"
    current = first.json()
    stale_line = {**current["Lines"][0], "RowVersion": "1", "Total": 200}
    line_conflict = await myob.put(path, {**current, "Lines": [stale_line]})
    assert line_conflict.status_code == 409
    changed = await myob.put(path, {**current, "Lines": [{**current["Lines"][0], "Total": 200}]})
    assert changed.json()["TotalAmount"] == 220
    assert changed.json()["Lines"][0]["RowID"] == current["Lines"][0]["RowID"]
    no_version = {k: v for k, v in changed.json().items() if k != "RowVersion"}
    assert (await myob.put(path, no_version)).status_code == 400
    customer_path = f"Contact/Customer/{customer['UID']}"
    renamed = await myob.put(customer_path, {**customer, "CompanyName": "Harbour Café"})
    assert renamed.status_code == 200
    assert (await myob.put(customer_path, customer)).status_code == 409


async def test_put_only_updates(myob: MyobSession) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    answer = await myob.put(f"Contact/Customer/{missing}", {"UID": missing, "RowVersion": "1"})
    assert answer.status_code == 404


async def test_payment_closes_and_its_deletion_reopens(myob: MyobSession) -> None:
    customer = await myob.customer()
    invoice = (await myob.invoice(customer["UID"])).json()
    over = await pay(myob, invoice, 120.0)
    assert over.status_code == 400
    assert error_name(over) == "AmountAppliedExceedsBalance"
    part = await pay(myob, invoice, 10.0)
    assert part.status_code == 201, part.text
    assert part.headers["location"].endswith(part.json()["UID"])
    after_part = (await myob.get(f"Sale/Invoice/{invoice['UID']}")).json()
    assert (after_part["BalanceDueAmount"], after_part["Status"]) == (100, "Open")
    assert after_part["LastPaymentDate"] == "2026-11-21T00:00:00"
    rest = (await pay(myob, invoice, 100.0)).json()
    closed = (await myob.get(f"Sale/Invoice/Service/{invoice['UID']}")).json()
    assert (closed["BalanceDueAmount"], closed["Status"]) == (0, "Closed")
    assert closed["RowVersion"] != invoice["RowVersion"]
    assert (await myob.put(f"Sale/CustomerPayment/{rest['UID']}", rest)).status_code == 405
    deleted = await myob.delete(f"Sale/CustomerPayment/{rest['UID']}")
    assert deleted.status_code == 200
    assert deleted.content == b""
    reopened = (await myob.get(f"Sale/Invoice/Service/{invoice['UID']}")).json()
    assert (reopened["BalanceDueAmount"], reopened["Status"]) == (100, "Open")
    assert (await myob.get(f"Sale/CustomerPayment/{rest['UID']}")).status_code == 404
    paid = await myob.delete(f"Sale/Invoice/Service/{invoice['UID']}")
    assert error_name(paid) == "SaleHasPayments"


async def test_credit_note_is_a_negative_sale_settled_against_an_invoice(myob: MyobSession) -> None:
    customer = await myob.customer()
    invoice = (await myob.invoice(customer["UID"], "100.00")).json()
    credit = (await myob.invoice(customer["UID"], "-20.00", number="CR-1")).json()
    assert (credit["TotalAmount"], credit["BalanceDueAmount"], credit["Status"]) == (
        -22,
        -22,
        "Credit",
    )
    line = {"Type": "Invoice", "Sale": {"UID": invoice["UID"]}, "AmountApplied": 22.0}
    body: dict[str, Any] = {
        "CreditFromInvoice": {"UID": credit["UID"]},
        "Customer": {"UID": customer["UID"]},
        "Date": "2026-11-22",
        "CreditAmount": 22.0,
        "Lines": [line],
    }
    too_much = await myob.post(
        "Sale/CreditSettlement",
        {**body, "CreditAmount": 30.0, "Lines": [{**line, "AmountApplied": 30.0}]},
    )
    assert too_much.status_code == 400
    settled = await myob.post("Sale/CreditSettlement", body)
    assert settled.status_code == 201, settled.text
    used = (await myob.get(f"Sale/Invoice/{credit['UID']}")).json()
    assert (used["BalanceDueAmount"], used["Status"]) == (0, "Closed")
    target = (await myob.get(f"Sale/Invoice/{invoice['UID']}")).json()
    assert target["BalanceDueAmount"] == 88
    # A settled credit may still be edited while its size covers what has been used of it.
    lines = [{**used["Lines"][0], "Total": -20.0}]
    again = await myob.put(
        f"Sale/Invoice/Service/{credit['UID']}",
        {"UID": credit["UID"], "RowVersion": used["RowVersion"], "Lines": lines},
    )
    assert again.status_code == 200, again.text
    smaller = [{**again.json()["Lines"][0], "Total": -10.0}]
    refused = await myob.put(
        f"Sale/Invoice/Service/{credit['UID']}",
        {"UID": credit["UID"], "RowVersion": again.json()["RowVersion"], "Lines": smaller},
    )
    assert refused.status_code == 400
    assert refused.json()["Errors"][0]["Name"] == "AmountAppliedExceedsTotal"
    credits = await myob.get("Sale/Invoice", {"$filter": "TotalAmount lt 0"})
    assert [i["Number"] for i in credits.json()["Items"]] == ["CR-1"]
    assert (await myob.delete(f"Sale/CreditSettlement/{settled.json()['UID']}")).status_code == 200
    assert (await myob.get(f"Sale/Invoice/{credit['UID']}")).json()["Status"] == "Credit"


async def test_credit_refunded_from_the_bank(myob: MyobSession) -> None:
    customer = await myob.customer()
    credit = (await myob.invoice(customer["UID"], "-50.00", number="CR-2")).json()
    body = {
        "Invoice": {"UID": credit["UID"]},
        "Customer": {"UID": customer["UID"]},
        "Account": {"UID": myob.uid("accounts", "DisplayID", "1-1110")},
        "Date": "2026-11-22",
        "Amount": 20.0,
    }
    too_much = await myob.post("Sale/CreditRefund", {**body, "Amount": 60.0})
    assert error_name(too_much) == "AmountExceedsCredit"
    refunded = await myob.post("Sale/CreditRefund", body)
    assert refunded.status_code == 201, refunded.text
    left = (await myob.get(f"Sale/Invoice/{credit['UID']}")).json()
    assert (left["BalanceDueAmount"], left["Status"]) == (-35, "Credit")
    rest = await myob.post("Sale/CreditRefund", {**body, "Amount": 35.0})
    assert rest.status_code == 201
    assert (await myob.get(f"Sale/Invoice/{credit['UID']}")).json()["Status"] == "Closed"
    assert (await myob.delete(f"Sale/CreditRefund/{rest.json()['UID']}")).status_code == 200
    assert (await myob.get(f"Sale/Invoice/{credit['UID']}")).json()["BalanceDueAmount"] == -35


async def test_lock_date_refuses_writes_before_it(myob: MyobSession) -> None:
    customer = await myob.customer()
    invoice = (await myob.invoice(customer["UID"], date="2026-10-15T00:00:00")).json()
    payment = (await pay(myob, invoice, 10.0, "2026-10-16")).json()
    locked = await myob.http.put("/myob/_control/preferences", json={"lock_date": "2026-11-01"})
    assert locked.json()["System"]["LockPeriodPriorTo"] == "2026-11-01T00:00:00"
    prefs = (await myob.get("Company/Preferences")).json()
    assert prefs["System"]["LockPeriodPriorTo"] == "2026-11-01T00:00:00"
    before = await myob.invoice(customer["UID"], date="2026-10-31T00:00:00")
    assert before.status_code == 400
    assert error_name(before) == "BusinessEvent_DateOccured_InLockPeriod"
    assert (await myob.invoice(customer["UID"], date="2026-11-01T00:00:00")).status_code == 201
    current = (await myob.get(f"Sale/Invoice/Service/{invoice['UID']}")).json()
    edit = await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", {**current, "Comment": "x"})
    assert error_name(edit) == "BusinessEvent_DateOccured_InLockPeriod"
    refused = await myob.delete(f"Sale/CustomerPayment/{payment['UID']}")
    assert error_name(refused) == "BusinessEvent_DateOccured_InLockPeriod"
    late_payment = await pay(myob, invoice, 10.0, "2026-10-20")
    assert error_name(late_payment) == "BusinessEvent_DateOccured_InLockPeriod"


async def test_must_reverse_mode_refuses_deletes_with_25003(myob: MyobSession) -> None:
    customer = await myob.customer()
    invoice = (await myob.invoice(customer["UID"])).json()
    payment = (await pay(myob, invoice, 10.0)).json()
    await myob.http.put(
        "/myob/_control/preferences", json={"lock_date": None, "must_reverse": True}
    )
    refused = await myob.delete(f"Sale/CustomerPayment/{payment['UID']}")
    assert refused.status_code == 400
    assert refused.json()["Errors"][0]["ErrorCode"] == 25003
    assert error_name(refused) == "TransactionsCannotBeDeleted"
    current = (await myob.get(f"Sale/Invoice/Service/{invoice['UID']}")).json()
    edit = await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", {**current, "Comment": "x"})
    assert edit.json()["Errors"][0]["ErrorCode"] == 25003
    # New sales are still taken.
    assert (await myob.invoice(customer["UID"])).status_code == 201


async def test_customer_on_credit_hold_gets_no_invoice(myob: MyobSession) -> None:
    customer = await myob.customer()
    held = {
        **customer,
        "SellingDetails": {**customer["SellingDetails"], "Credit": {"Limit": 0, "OnHold": True}},
    }
    assert (await myob.put(f"Contact/Customer/{customer['UID']}", held)).status_code == 200
    refused = await myob.invoice(customer["UID"])
    assert error_name(refused) == "SaleEvent_CreditOnHold"


@pytest.mark.parametrize(
    ("kind", "days", "due"),
    [
        ("InAGivenNumberOfDays", 14, "2026-12-04"),
        ("CashOnDelivery", 0, "2026-11-20"),
        ("NumberOfDaysAfterEOM", 20, "2026-12-20"),
        ("DayOfMonthAfterEOM", 31, "2026-12-31"),
        ("OnADayOfTheMonth", 25, "2026-11-25"),
        ("OnADayOfTheMonth", 5, "2026-12-05"),
    ],
)
async def test_due_date_follows_the_terms(
    myob: MyobSession, kind: str, days: int, due: str
) -> None:
    customer = await myob.customer()
    gst = myob.uid("tax_codes", "Code", "GST")
    answer = await myob.post(
        "Sale/Invoice/Service",
        {
            "Date": "2026-11-20",
            "Customer": {"UID": customer["UID"]},
            "FreightTaxCode": {"UID": gst},
            "Terms": {"PaymentIsDue": kind, "BalanceDueDate": days},
            "Lines": [
                {
                    "Account": {"UID": myob.uid("accounts", "DisplayID", "4-1000")},
                    "TaxCode": {"UID": gst},
                    "Total": 10,
                }
            ],
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["Terms"]["DueDate"] == f"{due}T00:00:00"
