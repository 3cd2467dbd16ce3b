"""Host records over HTTP: the version rule, no-ops, deletes, reads, tenant isolation."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from syncsvc.models import SyncRecord
from tests.conftest import TenantHandle, create_tenant
from tests.factories import (
    credit_note,
    customer,
    expense,
    invoice,
    payment,
    supplier,
    supplier_invoice,
)

KINDS = [
    ("customers", "customer", customer),
    ("invoices", "invoice", invoice),
    ("payments", "payment", payment),
    ("credit-notes", "credit_note", credit_note),
    ("suppliers", "supplier", supplier),
    ("supplier-invoices", "supplier_invoice", supplier_invoice),
    ("expenses", "expense", expense),
]


@pytest.mark.parametrize(("path", "kind", "factory"), KINDS)
async def test_put_accepts_and_get_returns_record_with_sync_state(
    api: httpx.AsyncClient, path: str, kind: str, factory: object
) -> None:
    body = factory()  # type: ignore[operator]
    answer = await api.put(f"/v1/{path}/rec-1", json=body)
    assert answer.status_code == 202, answer.text
    status = answer.json()
    assert status["kind"] == kind
    assert status["id"] == "rec-1"
    assert status["version"] == 1
    assert status["sync"]["state"] == "pending"
    assert status["sync"]["next_attempt_at"] is not None

    stored = (await api.get(f"/v1/{path}/rec-1")).json()
    assert stored["sync"]["state"] == "pending"
    assert stored["data"]["version"] == 1
    for field in body:
        if field != "version" and isinstance(body[field], str) and field != "amount":
            assert stored["data"][field] == body[field]


async def test_same_version_and_content_is_a_no_op(api: httpx.AsyncClient) -> None:
    first = await api.put("/v1/customers/c1", json=customer())
    again = await api.put("/v1/customers/c1", json=customer())
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["sync"]["updated_at"] == first.json()["sync"]["updated_at"]


async def test_money_written_differently_is_the_same_content(api: httpx.AsyncClient) -> None:
    await api.put("/v1/payments/p1", json=payment(amount="232.88", surcharge="3.5"))
    again = await api.put("/v1/payments/p1", json=payment(amount=232.88, surcharge="3.50"))
    assert again.status_code == 200


async def test_lower_version_is_a_conflict_naming_the_stored_version(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/v1/customers/c1", json=customer(version=5))
    answer = await api.put("/v1/customers/c1", json=customer(version=4, name="Older"))
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["current_version"] == 5
    assert problem["status"] == 409
    stored = (await api.get("/v1/customers/c1")).json()
    assert stored["data"]["name"] == "Harbour Cafe"
    assert stored["version"] == 5


async def test_same_version_with_other_content_is_a_conflict(api: httpx.AsyncClient) -> None:
    await api.put("/v1/customers/c1", json=customer(version=2))
    answer = await api.put("/v1/customers/c1", json=customer(version=2, name="Changed"))
    assert answer.status_code == 409
    assert "already accepted with other content" in answer.json()["detail"]


async def test_higher_version_replaces_the_payload(api: httpx.AsyncClient) -> None:
    await api.put("/v1/customers/c1", json=customer(version=1))
    answer = await api.put("/v1/customers/c1", json=customer(version=2, name="Harbour Cafe Ltd"))
    assert answer.status_code == 202
    stored = (await api.get("/v1/customers/c1")).json()
    assert stored["data"]["name"] == "Harbour Cafe Ltd"
    assert stored["version"] == 2


async def test_version_bump_without_changes_keeps_the_sync_state(
    api: httpx.AsyncClient, app: object
) -> None:
    await api.put("/v1/customers/c1", json=customer(version=1))
    state = app.state.syncsvc  # type: ignore[attr-defined]
    async with state.sessions() as session:
        await session.execute(
            update(SyncRecord)
            .where(SyncRecord.host_id == "c1")
            .values(state="synced", pushed_hash=SyncRecord.payload_hash, provider_id="X-1")
        )
        await session.commit()
    answer = await api.put("/v1/customers/c1", json=customer(version=2))
    assert answer.status_code == 202
    assert answer.json()["version"] == 2
    assert answer.json()["sync"]["state"] == "synced"
    changed = await api.put("/v1/customers/c1", json=customer(version=3, phone="+64 21 000"))
    assert changed.json()["sync"]["state"] == "pending"


async def test_delete_marks_for_void_and_is_idempotent(api: httpx.AsyncClient) -> None:
    await api.put("/v1/invoices/inv-1", json=invoice(version=3))
    deleted = await api.delete("/v1/invoices/inv-1")
    assert deleted.status_code == 202
    assert deleted.json()["deleted"] is True
    assert deleted.json()["sync"]["state"] == "pending"
    again = await api.delete("/v1/invoices/inv-1")
    assert again.status_code == 200
    stored = (await api.get("/v1/invoices/inv-1")).json()
    assert stored["deleted"] is True
    assert stored["data"]["number"] == "INV-1001"


async def test_delete_with_an_older_version_is_refused(api: httpx.AsyncClient) -> None:
    await api.put("/v1/invoices/inv-1", json=invoice(version=3))
    answer = await api.delete("/v1/invoices/inv-1", params={"version": 2})
    assert answer.status_code == 409
    assert answer.json()["current_version"] == 3
    assert (await api.get("/v1/invoices/inv-1")).json()["deleted"] is False


async def test_deleted_record_comes_back_only_with_a_higher_version(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/v1/invoices/inv-1", json=invoice(version=3))
    await api.delete("/v1/invoices/inv-1", params={"version": 4})
    same = await api.put("/v1/invoices/inv-1", json=invoice(version=4))
    assert same.status_code == 409
    assert "deleted" in same.json()["detail"]
    revived = await api.put("/v1/invoices/inv-1", json=invoice(version=5))
    assert revived.status_code == 202
    assert revived.json()["deleted"] is False


async def test_unknown_record_is_404(api: httpx.AsyncClient) -> None:
    for method in ("GET", "DELETE"):
        answer = await api.request(method, "/v1/invoices/nope")
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"


async def test_tenants_never_see_or_touch_each_other(
    client: httpx.AsyncClient, tenant: TenantHandle
) -> None:
    other = await create_tenant(client, "Other Co")
    mine = await client.put("/v1/customers/shared-id", json=customer(), headers=tenant.headers)
    assert mine.status_code == 202

    assert (await client.get("/v1/customers/shared-id", headers=other.headers)).status_code == 404
    assert (
        await client.delete("/v1/customers/shared-id", headers=other.headers)
    ).status_code == 404
    # The same host id is a different record for the other tenant, with its own versions.
    theirs = await client.put(
        "/v1/customers/shared-id", json=customer(version=1, name="Theirs"), headers=other.headers
    )
    assert theirs.status_code == 202
    mine_now = (await client.get("/v1/customers/shared-id", headers=tenant.headers)).json()
    assert mine_now["data"]["name"] == "Harbour Cafe"
    status = (await client.get("/v1/sync/status", headers=other.headers)).json()
    assert status["records"]["customer"]["pending"] == 1


async def test_sync_status_counts_and_oldest_pending(api: httpx.AsyncClient, clock: object) -> None:
    await api.put("/v1/customers/c1", json=customer())
    clock.advance(seconds=90)  # type: ignore[attr-defined]
    await api.put("/v1/invoices/i1", json=invoice())
    await api.put("/v1/invoices/i2", json=invoice(number="INV-2"))
    clock.advance(seconds=30)  # type: ignore[attr-defined]
    status = (await api.get("/v1/sync/status")).json()
    assert status["records"]["customer"] == {"pending": 1, "synced": 0, "failed": 0, "blocked": 0}
    assert status["records"]["invoice"]["pending"] == 2
    assert status["records"]["payment"]["pending"] == 0
    assert status["connection"] is None
    assert status["oldest_pending_age_seconds"] == pytest.approx(120)
