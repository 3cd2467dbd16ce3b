"""Suppliers, supplier invoices and expenses over the host API: what is refused (naming the
field), the version rule, the batch, tenant isolation, and the job-type expense override."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import TenantHandle, create_tenant
from tests.factories import expense, supplier, supplier_invoice


def _fields(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return {error["field"] for error in answer.json()["errors"]}


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        ("suppliers", supplier(name=""), {"name"}),
        ("suppliers", supplier(customer_number="C-1"), {"customer_number"}),
        (
            "supplier-invoices",
            supplier_invoice(issue_date="2026-11-18", due_date="2026-11-01"),
            {"due_date"},
        ),
        ("supplier-invoices", supplier_invoice(lines=[]), {"lines"}),
        (
            "supplier-invoices",
            supplier_invoice(lines=[{"description": "Pipe", "unit_price": "1.00001"}]),
            {"lines[0].unit_price"},
        ),
        ("supplier-invoices", supplier_invoice(status="draft"), {"status"}),
        ("supplier-invoices", supplier_invoice(supplier_id=None), {"supplier_id"}),
        ("expenses", expense(amount="0"), {"amount"}),
        ("expenses", expense(amount="-5.00"), {"amount"}),
        ("expenses", expense(payee=None), {"payee"}),
        ("expenses", expense(payee=None, paid_from_account=None), {"payee", "paid_from_account"}),
        ("expenses", expense(supplier_id="sup-1"), {"payee"}),
        ("expenses", expense(paid_from_account=None), {"paid_from_account"}),
        ("expenses", expense(tax_mode="sometimes"), {"tax_mode"}),
    ],
)
async def test_bad_purchases_are_refused_naming_the_field(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], fields: set[str]
) -> None:
    answer = await api.put(f"/v1/{path}/rec-1", json=body)
    assert _fields(answer) == fields
    assert (await api.get(f"/v1/{path}/rec-1")).status_code == 404


async def test_an_expense_owed_to_a_supplier_is_accepted(api: httpx.AsyncClient) -> None:
    owed = expense(supplier_id="sup-1", payee=None, paid_from_account=None)
    answer = await api.put("/v1/expenses/exp-1", json=owed)
    assert answer.status_code == 202, answer.text
    stored = (await api.get("/v1/expenses/exp-1")).json()
    assert stored["data"]["supplier_id"] == "sup-1"
    assert stored["data"]["paid_from_account"] is None


async def test_the_version_rule_holds_for_supplier_invoices(api: httpx.AsyncClient) -> None:
    path = "/v1/supplier-invoices/bill-1"
    assert (await api.put(path, json=supplier_invoice(version=3))).status_code == 202
    assert (await api.put(path, json=supplier_invoice(version=3))).status_code == 200
    changed = supplier_invoice(version=3, number="PS-2")
    same_version = await api.put(path, json=changed)
    assert same_version.status_code == 409
    assert same_version.json()["current_version"] == 3
    older = await api.put(path, json=supplier_invoice(version=2))
    assert older.status_code == 409
    assert (await api.put(path, json=supplier_invoice(version=4, number="PS-2"))).status_code == 202
    assert (await api.get(path)).json()["data"]["number"] == "PS-2"
    deleted = await api.delete(path, params={"version": 5})
    assert deleted.status_code == 202
    assert (await api.get(path)).json()["deleted"] is True


async def test_a_batch_takes_suppliers_their_invoices_and_expenses(
    api: httpx.AsyncClient,
) -> None:
    operations = [
        {"kind": "supplier", "id": "sup-1", "data": supplier()},
        {"kind": "supplier_invoice", "id": "bill-1", "data": supplier_invoice()},
        {"kind": "expense", "id": "exp-1", "data": expense()},
        {"kind": "expense", "id": "exp-2", "data": expense(payee=None)},  # names nobody
        {"op": "delete", "kind": "expense", "id": "exp-1", "version": 2},
    ]
    answer = await api.post("/v1/batch", json={"operations": operations})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["status"] for r in body["results"]] == [202, 202, 202, 422, 202]
    errors = body["results"][3]["problem"]["errors"]
    assert {e["field"] for e in errors} == {"operations[3].data.payee"}
    assert (await api.get("/v1/supplier-invoices/bill-1")).status_code == 200
    assert (await api.get("/v1/expenses/exp-1")).json()["deleted"] is True
    overview = (await api.get("/v1/sync/status")).json()
    assert overview["records"]["supplier"]["pending"] == 1
    assert overview["records"]["supplier_invoice"]["pending"] == 1
    assert overview["records"]["expense"]["pending"] == 1


async def test_a_tenant_never_sees_another_tenants_suppliers(
    api: httpx.AsyncClient, tenant: TenantHandle
) -> None:
    assert (await api.put("/v1/suppliers/sup-1", json=supplier())).status_code == 202
    other = await create_tenant(api, "Other Plumbing")
    answer = await api.get("/v1/suppliers/sup-1", headers=other.headers)
    assert answer.status_code == 404
    mine = await api.put("/v1/suppliers/sup-1", json=supplier(), headers=other.headers)
    assert mine.status_code == 202  # its own record of the same id, at version 1


async def test_a_job_types_expense_account_is_kept_with_its_override(
    api: httpx.AsyncClient,
) -> None:
    override = {"expenses_account": "400", "labour_income_account": "200"}
    answer = await api.put("/v1/settings/job-types/install", json=override)
    assert answer.status_code == 200, answer.text
    overrides = (await api.get("/v1/settings")).json()["overrides"]
    assert overrides["job_types"]["install"]["expenses_account"] == "400"
    refused = await api.put("/v1/settings/job-types/install", json={"expenses_account": ""})
    assert _fields(refused) == {"expenses_account"}
