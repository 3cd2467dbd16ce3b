"""Bad input to the MYOB API gets MYOB's 400 naming the field, never a 500: every field of a
good body replaced in turn by values of the wrong kind."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.myob_session import MyobSession

WRONG: list[Any] = [None, "", "x", -1, 1.5, 10**20, True, [], {}, {"UID": 7}, "2026-99-99"]


@pytest.fixture(autouse=True)
def no_limits(myob: MyobSession) -> None:
    myob.sandbox.myob.traffic.key_limits.enabled = False


async def good_bodies(myob: MyobSession) -> dict[str, dict[str, Any]]:
    customer = await myob.customer()
    invoice = (await myob.invoice(customer["UID"], "100.00")).json()
    gst = myob.uid("tax_codes", "Code", "GST")
    return {
        "Contact/Customer": {
            "CompanyName": "Wrong Kinds",
            "IsIndividual": False,
            "Addresses": [{"Location": 1, "Street": "1 Quay St"}],
            "SellingDetails": {
                "TaxCode": {"UID": gst},
                "FreightTaxCode": {"UID": gst},
                "Credit": {"Limit": 0, "OnHold": False},
            },
        },
        "Sale/Invoice/Service": {
            "Date": "2026-11-20",
            "Number": "BAD-1",
            "Customer": {"UID": customer["UID"]},
            "IsTaxInclusive": False,
            "FreightTaxCode": {"UID": gst},
            "Freight": 0,
            "Terms": {"PaymentIsDue": "InAGivenNumberOfDays", "BalanceDueDate": 14},
            "Lines": [
                {
                    "Description": "Labour",
                    "Account": {"UID": myob.uid("accounts", "DisplayID", "4-1000")},
                    "TaxCode": {"UID": gst},
                    "Total": 10,
                }
            ],
        },
        "Sale/CustomerPayment": {
            "DepositTo": "Account",
            "Account": {"UID": myob.uid("accounts", "DisplayID", "1-1110")},
            "Customer": {"UID": customer["UID"]},
            "Date": "2026-11-21",
            "Invoices": [{"UID": invoice["UID"], "AmountApplied": 1, "Type": "Invoice"}],
        },
    }


def mutations(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every top-level field and every field of the first nested line, made wrong."""
    made: list[tuple[str, dict[str, Any]]] = []
    for field in body:
        for wrong in WRONG:
            made.append((field, {**body, field: wrong}))
        value = body[field]
        nested = value[0] if isinstance(value, list) and value else value
        if isinstance(nested, dict):
            for inner in nested:
                for wrong in WRONG:
                    changed = {**nested, inner: wrong}
                    made.append(
                        (
                            f"{field}.{inner}",
                            {**body, field: [changed] if isinstance(value, list) else changed},
                        )
                    )
    return made


async def test_wrong_kinds_are_400s_with_myob_errors(myob: MyobSession) -> None:
    bodies = await good_bodies(myob)
    checked = 0
    for path, body in bodies.items():
        for label, mutated in mutations(body):
            answer = await myob.post(path, mutated)
            assert answer.status_code in {201, 400}, (path, label, answer.text)
            if answer.status_code == 400:
                assert answer.json()["Errors"][0]["Name"], (path, label)
            checked += 1
    assert checked > 300


async def test_wrong_kinds_on_update_are_400s(myob: MyobSession) -> None:
    customer = await myob.customer()
    invoice = (await myob.invoice(customer["UID"])).json()
    for label, mutated in mutations(invoice):
        fresh = (await myob.get(f"Sale/Invoice/Service/{invoice['UID']}")).json()
        mutated["RowVersion"] = fresh["RowVersion"]
        if label.startswith("Lines."):
            mutated["Lines"][0]["RowVersion"] = fresh["Lines"][0]["RowVersion"]
        answer = await myob.put(f"Sale/Invoice/Service/{invoice['UID']}", mutated)
        assert answer.status_code in {200, 400, 409}, (label, answer.text)
