"""Leases: one owner at a time, free again when released or expired."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from syncsvc.db import transaction
from syncsvc.models import Connection
from syncsvc.models.enums import RecordKind
from syncsvc.push.leases import (
    LEASE,
    connections_with_due_work,
    release_lease,
    renew_lease,
    take_lease,
)
from syncsvc.records.canonical import Customer
from syncsvc.records.service import RecordService, to_write
from tests.conftest import TenantHandle

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def _connect(app: FastAPI, tenant: TenantHandle) -> int:
    async with transaction(app.state.syncsvc.sessions) as session:
        connection = Connection(
            tenant_id=uuid.UUID(tenant.id),
            provider="xero",
            status="active",
            organisation_id="org-1",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(connection)
        await session.flush()
        return connection.id


async def test_one_owner_at_a_time(app: FastAPI, tenant: TenantHandle) -> None:
    connection_id = await _connect(app, tenant)
    sessions = app.state.syncsvc.sessions
    async with transaction(sessions) as session:
        assert await take_lease(session, connection_id, "worker-a", NOW)
        assert not await take_lease(session, connection_id, "worker-b", NOW)
        assert await renew_lease(session, connection_id, "worker-a", NOW)
        assert not await renew_lease(session, connection_id, "worker-b", NOW)
    async with transaction(sessions) as session:
        # A dead worker's lease runs out by itself.
        assert await take_lease(session, connection_id, "worker-b", NOW + LEASE)
        await release_lease(session, connection_id, "worker-b")
        assert await take_lease(session, connection_id, "worker-a", NOW + LEASE)


async def test_only_connections_with_due_records_are_offered(
    app: FastAPI, tenant: TenantHandle
) -> None:
    connection_id = await _connect(app, tenant)
    sessions = app.state.syncsvc.sessions
    async with transaction(sessions) as session:
        assert connection_id not in await connections_with_due_work(session, NOW, "worker-b")
    async with transaction(sessions) as session:
        service = RecordService(session, uuid.UUID(tenant.id), lambda: NOW)
        record = Customer(version=1, name="Harbour Cafe")
        await service.upsert_many([to_write(RecordKind.CUSTOMER, "c1", record)])
    async with transaction(sessions) as session:
        assert connection_id in await connections_with_due_work(session, NOW, "worker-b")
        assert connection_id not in await connections_with_due_work(
            session, NOW - timedelta(seconds=1), "worker-b"
        )
        await take_lease(session, connection_id, "worker-a", NOW)
    async with transaction(sessions) as session:
        assert connection_id not in await connections_with_due_work(session, NOW, "worker-b")
        # The lease's own holder, restarted under the same name, is offered it back.
        assert connection_id in await connections_with_due_work(session, NOW, "worker-a")
