"""What the Xero sandbox answers, and what is sent to it, checked against Xero's official
OpenAPI document (shared/reference/xero/xero_accounting.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.sandbox.conftest import XeroSession
from tests.sandbox.test_xero_documents import contact, invoice, make_contact

SPEC = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "xero" / "xero_accounting.yaml"
)


@cache
def _components() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"Xero's OpenAPI document is not beside the project ({SPEC})")
    document = yaml.load(SPEC.read_text(), Loader=yaml.CSafeLoader)
    components: dict[str, Any] = document["components"]
    return components


def conforms(instance: Any, schema_name: str) -> None:
    """Validate against `#/components/schemas/<name>`; OpenAPI 3.0 is close enough to draft 4
    for the keywords Xero's document uses (type, properties, items, enum, $ref)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": _components()}
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


async def test_documents_conform(xero: XeroSession) -> None:
    contacts_body = {"Contacts": [contact()]}
    conforms(contacts_body, "Contacts")
    contact_id = await make_contact(xero)
    conforms((await xero.get("Contacts")).json(), "Contacts")

    invoices_body = {"Invoices": [invoice(contact_id)]}
    conforms(invoices_body, "Invoices")
    created = await xero.put("Invoices", invoices_body)
    conforms(created.json(), "Invoices")
    invoice_id = created.json()["Invoices"][0]["InvoiceID"]
    payment = {
        "Payments": [
            {
                "Invoice": {"InvoiceID": invoice_id},
                "Account": {"Code": "090"},
                "Date": "2026-11-21",
                "Amount": 10,
            }
        ]
    }
    conforms(payment, "Payments")
    conforms((await xero.put("Payments", payment)).json(), "Payments")
    conforms((await xero.get("Payments")).json(), "Payments")
    conforms((await xero.get(f"Invoices/{invoice_id}")).json(), "Invoices")

    note = {
        "CreditNotes": [
            {
                "Type": "ACCRECCREDIT",
                "Contact": {"ContactID": contact_id},
                "Date": "2026-11-21",
                "Status": "AUTHORISED",
                "LineItems": [
                    {
                        "Description": "Goodwill",
                        "Quantity": 1,
                        "UnitAmount": 5,
                        "AccountCode": "200",
                    }
                ],
            }
        ]
    }
    conforms(note, "CreditNotes")
    conforms((await xero.put("CreditNotes", note)).json(), "CreditNotes")


async def test_settings_reads_conform(xero: XeroSession) -> None:
    conforms((await xero.get("Accounts")).json(), "Accounts")
    conforms((await xero.get("TaxRates")).json(), "TaxRates")
    conforms((await xero.get("TrackingCategories")).json(), "TrackingCategories")
    conforms((await xero.get("Organisation")).json(), "Organisations")


async def test_errors_conform(xero: XeroSession) -> None:
    await make_contact(xero)
    refused = await xero.put("Contacts", {"Contacts": [contact(number="C-9")]})
    assert refused.status_code == 400
    conforms(refused.json(), "Error")
    each = await xero.put(
        "Contacts", {"Contacts": [contact(number="C-9")]}, params={"summarizeErrors": "false"}
    )
    conforms(each.json(), "Contacts")


async def test_mapped_invoices_conform_and_land_on_the_hosts_total(xero: XeroSession) -> None:
    """What the service sends (the tenant's policy applied, then Xero's mapping) is
    Xero-shaped, and with its rounding line Xero's per-line arithmetic lands exactly on the
    host's total."""
    from decimal import Decimal

    from syncsvc.providers.documents import Link
    from syncsvc.providers.xero.client import wire_json
    from syncsvc.providers.xero.mapping import sales_body
    from syncsvc.push import prepare
    from tests.unit.test_push_prepare import mixed, policy, thirds
    from tests.unit.test_xero_mapping import TAXES

    contact_id = await make_contact(xero)
    cases = [
        (thirds("exclusive", "115.00"), Decimal("115.00")),
        (thirds("inclusive", "100.00"), Decimal("100.00")),
        (mixed(), None),  # accounts 201, 210, 212, 499 are not in the demo chart
    ]
    for number, (host, total) in enumerate(cases):
        document = prepare.invoice(host, "inv", contact_id, policy())
        body = sales_body(document, Link(key=f"MAP-{number}"), TAXES)
        for line in body["LineItems"]:
            line.pop("Tracking", None)
        wire = {"Invoices": [body]}
        conforms(wire, "Invoices")
        answer = await xero.http.put(
            "/xero/api/api.xro/2.0/Invoices",
            content=wire_json(wire),
            headers={**xero.headers, "Content-Type": "application/json"},
        )
        if total is None:
            assert answer.status_code == 400
            assert "Account must be valid." in answer.text
            continue
        assert answer.status_code == 200, answer.text
        assert Decimal(str(answer.json()["Invoices"][0]["Total"])) == total
