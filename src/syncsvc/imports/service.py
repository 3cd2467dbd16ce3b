"""Running a customer import: the package's contacts read page by page (progress kept on the
import), each matched to a host customer or not; `apply` links the matches and raises
`customer.imported` for the rest, once each however often it is applied."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import NotConnected
from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.imports.matching import HostCustomer, Matcher
from syncsvc.kit.clock import Clock
from syncsvc.models import Connection, CustomerImport, SyncRecord
from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import Everything
from syncsvc.providers.documents import Contact, Remote
from syncsvc.providers.errors import NeedsReauth, ProviderError
from syncsvc.pull.repository import PullRepository
from syncsvc.records.lock_order import lock_ids_in_order

log = logging.getLogger(__name__)
IMPORTED = "customer_import"  # what `pulled_documents` calls contacts already offered


async def run_import(
    sessions: async_sessionmaker[AsyncSession],
    hub: ProviderHub,
    clock: Clock,
    import_id: uuid.UUID,
    tenant_id: uuid.UUID,
) -> None:
    try:
        await _run(sessions, hub, clock, import_id, tenant_id)
    except (NotConnected, NeedsReauth):
        await _finish(sessions, clock, import_id, None, "not connected to an accounting package")
    except ProviderError as exc:
        await _finish(sessions, clock, import_id, None, f"the accounting package: {exc.message}")
    except Exception:
        log.exception("customer import failed", extra={"import_id": str(import_id)})
        await _finish(sessions, clock, import_id, None, "the import failed; see the logs")


async def _run(
    sessions: async_sessionmaker[AsyncSession],
    hub: ProviderHub,
    clock: Clock,
    import_id: uuid.UUID,
    tenant_id: uuid.UUID,
) -> None:
    async with sessions() as session:
        job = await session.get(CustomerImport, import_id)
        assert job is not None
        mode = job.mode
        connection_id = await session.scalar(
            select(Connection.id).where(Connection.tenant_id == tenant_id)
        )
    if connection_id is None:
        await _finish(sessions, clock, import_id, None, "not connected to an accounting package")
        return
    books = hub.books(await hub.tokens.active(tenant_id))
    contacts: list[Remote[Contact]] = []
    async for page in books.scan(RecordKind.CUSTOMER, Everything(active_only=True)):
        contacts += [remote for remote in page if remote.document.active]
        async with transaction(sessions) as session:
            await session.execute(
                update(CustomerImport)
                .where(CustomerImport.id == import_id)
                .values(pages_read=CustomerImport.pages_read + 1, contacts_read=len(contacts))
            )
    async with transaction(sessions) as session:
        records = list(
            await session.scalars(
                select(SyncRecord).where(
                    SyncRecord.tenant_id == tenant_id,
                    SyncRecord.kind == RecordKind.CUSTOMER.value,
                    SyncRecord.deleted.is_(False),
                )
            )
        )
        rows = _proposals(contacts, records)
        if mode == "apply":
            await _apply(session, tenant_id, connection_id, rows, records, clock)
    await _finish(sessions, clock, import_id, _result(rows, mode), None)


def _proposals(contacts: list[Remote[Contact]], records: list[SyncRecord]) -> list[dict[str, Any]]:
    linked = {str(r.provider_id): r.host_id for r in records if r.provider_id}
    matcher = Matcher(
        [
            HostCustomer(
                r.host_id,
                r.payload.get("customer_number"),
                r.payload.get("email"),
                str(r.payload.get("name") or ""),
                r.provider_id,
            )
            for r in records
        ]
    )
    rows = []
    for remote in contacts:
        contact = remote.document
        contact_id = str(remote.link.id)
        row: dict[str, Any] = {
            "provider_contact_id": contact_id,
            "name": contact.name,
            "contact_number": contact.number,
            "email": contact.email,
        }
        if contact_id in linked:
            row.update(outcome="linked", customer_id=linked[contact_id], matched_by="link")
        else:
            match = matcher.match(contact)
            if match.host_id is not None:
                row.update(outcome="match", customer_id=match.host_id, matched_by=match.by)
            elif match.ambiguous:
                row.update(outcome="ambiguous", candidates=list(match.ambiguous))
            else:
                row.update(outcome="new")
        rows.append(row)
    return rows


async def _apply(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    connection_id: int,
    rows: list[dict[str, Any]],
    records: list[SyncRecord],
    clock: Clock,
) -> None:
    by_host_id = {r.host_id: r for r in records}
    now = clock()
    # The flush writes the linked rows in its own order: locked first, in the lock order.
    matched = [by_host_id[row["customer_id"]].id for row in rows if row["outcome"] == "match"]
    await lock_ids_in_order(session, tenant_id, matched)
    for row in rows:
        if row["outcome"] != "match":
            continue
        record = by_host_id[row["customer_id"]]
        if record.provider_id is None:  # never taken from a customer linked elsewhere
            record.provider_id = row["provider_contact_id"]
            row["outcome"] = "linked_now"
        else:
            row["outcome"] = "linked_elsewhere"
    new = [row for row in rows if row["outcome"] == "new"]
    pulled = PullRepository(session, tenant_id, connection_id)
    offered = await pulled.reported(IMPORTED, (row["provider_contact_id"] for row in new))
    events = EventRepository(session, tenant_id)
    remember: dict[str, tuple[str, str]] = {}
    for row in new:
        if row["provider_contact_id"] in offered:
            row["outcome"] = "offered_before"
            continue
        await events.append(
            EventType.CUSTOMER_IMPORTED.value,
            {
                "name": row["name"],
                "customer_number": row["contact_number"],
                "email": row["email"],
                "provider": {"contact_id": row["provider_contact_id"]},
            },
            now,
        )
        row["outcome"] = "offered"
        remember[row["provider_contact_id"]] = ("offered", "")
    await pulled.remember(IMPORTED, remember, now)


def _result(rows: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    return {"mode": mode, "counts": counts, "contacts": rows}


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    import_id: uuid.UUID,
    result: dict[str, Any] | None,
    error: str | None,
) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            update(CustomerImport)
            .where(CustomerImport.id == import_id)
            .values(
                status="failed" if error else "done",
                result=result,
                error=error,
                finished_at=clock(),
            )
        )
