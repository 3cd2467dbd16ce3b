"""Valid host records to start from; tests change what they are about."""

from __future__ import annotations

from typing import Any


def customer(version: Any = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": version,
        "name": "Harbour Cafe",
        "email": "accounts@harbourcafe.example",
        "phone": "+64 9 555 0100",
        "customer_number": "C-1001",
        "addresses": [{"type": "street", "line1": "1 Quay St", "city": "Auckland"}],
    }
    body.update(changes)
    return body


def line(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "labour",
        "description": "Call-out and 2h labour",
        "quantity": "2",
        "unit_price": "95.00",
        "tax_code": "OUTPUT2",
    }
    body.update(changes)
    return body


def invoice(version: Any = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": version,
        "number": "INV-1001",
        "customer_id": "cust-1",
        "issue_date": "2026-11-20",
        "due_date": "2026-12-20",
        "job_number": "J-77",
        "lines": [
            line(),
            line(kind="material", description="Valve", quantity="1", unit_price="42.5"),
        ],
        "total": "232.88",
    }
    body.update(changes)
    return body


def payment(version: Any = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": version,
        "invoice_id": "inv-1",
        "amount": "232.88",
        "date": "2026-11-21",
        "payment_method_id": "card",
        "surcharge": "3.49",
        "is_card": True,
    }
    body.update(changes)
    return body


def credit_note(version: Any = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": version,
        "number": "CN-1",
        "customer_id": "cust-1",
        "issue_date": "2026-11-22",
        "lines": [line(kind="other", description="Goodwill", quantity="1", unit_price="20")],
        "allocations": [{"invoice_id": "inv-1", "amount": "23.00"}],
    }
    body.update(changes)
    return body


def supplier(version: Any = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": version,
        "name": "Plumbing Supplies Ltd",
        "email": "accounts@plumbingsupplies.example",
        "supplier_number": "S-2001",
    }
    body.update(changes)
    return body


def supplier_invoice(version: Any = 1, **changes: Any) -> dict[str, Any]:
    """10 x 12.40 and 35.00 of hire, 15% on top: 182.85."""
    body: dict[str, Any] = {
        "version": version,
        "number": "PS-88123",
        "supplier_id": "sup-1",
        "issue_date": "2026-11-18",
        "due_date": "2026-12-20",
        "job_id": "job-77",
        "lines": [
            {
                "description": "Copper pipe",
                "quantity": "10",
                "unit_price": "12.40",
                "tax_code": "INPUT2",
            },
            {"description": "Pipe bender hire", "unit_price": "35.00", "tax_code": "INPUT2"},
        ],
    }
    body.update(changes)
    return body


def expense(version: Any = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": version,
        "date": "2026-11-19",
        "description": "Fuel for the van",
        "amount": "86.25",
        "tax_code": "INPUT2",
        "payee": "Harbour Fuel",
        "paid_from_account": "090",
        "reference": "EXP-7",
        "job_id": "job-77",
    }
    body.update(changes)
    return body
