"""POST /v1/{kind}/{id}/retry: a failed or blocked record goes back to the queue, anything
else is refused unchanged, and no tenant reaches another's record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from syncsvc.models import SyncRecord
from tests.conftest import TenantHandle, create_tenant
from tests.factories import credit_note, customer, invoice, payment

KINDS = [
    ("customers", customer),
    ("invoices", invoice),
    ("payments", payment),
    ("credit-notes", credit_note),
]
GAVE_UP = {
    "attempts": 5,
    "next_attempt_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    "last_error": "A validation exception occurred: Account code '999' is not valid",
    "write_uncertain": True,
}


async def _set_row(app: FastAPI, tenant: TenantHandle, host_id: str, **values: Any) -> None:
    """What the push worker would have written, written directly."""
    async with app.state.syncsvc.sessions() as session:
        await session.execute(
            update(SyncRecord)
            .where(SyncRecord.tenant_id == uuid.UUID(tenant.id), SyncRecord.host_id == host_id)
            .values(**values)
        )
        await session.commit()


async def _row(app: FastAPI, tenant: TenantHandle, host_id: str) -> SyncRecord:
    async with app.state.syncsvc.sessions() as session:
        statement = select(SyncRecord).where(
            SyncRecord.tenant_id == uuid.UUID(tenant.id), SyncRecord.host_id == host_id
        )
        row: SyncRecord = (await session.scalars(statement)).one()
        return row


@pytest.mark.parametrize(("path", "factory"), KINDS)
async def test_a_failed_record_is_queued_again(
    api: httpx.AsyncClient, app: FastAPI, tenant: TenantHandle, path: str, factory: Any
) -> None:
    await api.put(f"/v1/{path}/r1", json=factory())
    await _set_row(app, tenant, "r1", state="failed", **GAVE_UP)

    answer = await api.post(f"/v1/{path}/r1/retry")
    assert answer.status_code == 202, answer.text
    sync = answer.json()["sync"]
    assert sync["state"] == "pending"
    assert sync["attempts"] == 0
    assert sync["next_attempt_at"] is None
    assert sync["last_error"] is None
    assert (await api.get(f"/v1/{path}/r1")).json()["sync"] == sync
    # A write that may have landed must still be looked for before writing again.
    assert (await _row(app, tenant, "r1")).write_uncertain is True


async def test_a_blocked_record_is_queued_again(
    api: httpx.AsyncClient, app: FastAPI, tenant: TenantHandle
) -> None:
    await api.put("/v1/invoices/i1", json=invoice())
    await _set_row(app, tenant, "i1", state="blocked", last_error="waiting on customer cust-1")
    answer = await api.post("/v1/invoices/i1/retry")
    assert answer.status_code == 202, answer.text
    assert answer.json()["sync"]["state"] == "pending"
    assert answer.json()["sync"]["last_error"] is None


@pytest.mark.parametrize("state", ["synced", "pending"])
async def test_a_record_not_given_up_on_is_refused_unchanged(
    api: httpx.AsyncClient, app: FastAPI, tenant: TenantHandle, state: str
) -> None:
    await api.put("/v1/customers/c1", json=customer())
    await _set_row(app, tenant, "c1", state=state, provider_id="X-1", attempts=2)
    before = (await api.get("/v1/customers/c1")).json()

    answer = await api.post("/v1/customers/c1/retry")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/not-retryable"
    assert problem["current_state"] == state
    assert state in problem["detail"]
    assert (await api.get("/v1/customers/c1")).json() == before


async def test_an_unknown_record_is_404(api: httpx.AsyncClient) -> None:
    answer = await api.post("/v1/invoices/nope/retry")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


async def test_another_tenant_cannot_retry_the_record(
    client: httpx.AsyncClient, app: FastAPI, tenant: TenantHandle
) -> None:
    other = await create_tenant(client, "Other Co")
    await client.put("/v1/invoices/shared-id", json=invoice(), headers=tenant.headers)
    await _set_row(app, tenant, "shared-id", state="failed", **GAVE_UP)

    answer = await client.post("/v1/invoices/shared-id/retry", headers=other.headers)
    assert answer.status_code == 404
    mine = (await client.get("/v1/invoices/shared-id", headers=tenant.headers)).json()
    assert mine["sync"]["state"] == "failed"
    assert mine["sync"]["attempts"] == 5

    # The other tenant's own record of the same id is theirs alone to retry.
    await client.put("/v1/invoices/shared-id", json=invoice(), headers=other.headers)
    await _set_row(app, other, "shared-id", state="failed", **GAVE_UP)
    theirs = await client.post("/v1/invoices/shared-id/retry", headers=other.headers)
    assert theirs.status_code == 202
    mine = (await client.get("/v1/invoices/shared-id", headers=tenant.headers)).json()
    assert mine["sync"]["state"] == "failed"
