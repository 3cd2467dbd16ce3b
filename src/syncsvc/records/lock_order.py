"""The one order in which sync-record rows are locked, by every writer that locks several.

Two transactions that lock some of the same rows in different orders can wait on each other
forever (Postgres then kills one: a deadlock). So every multi-row write takes its row locks
in (kind, host id) order, compared byte by byte (`COLLATE "C"`, the same order as Python's
string sort): the bulk upsert inserts in that order, and any other writer that touches
several rows locks them first with `lock_in_order`. Single-row writes need nothing.

SQLite has no row locks (a writer holds the whole database from `BEGIN IMMEDIATE`), so this
is a no-op there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import SyncRecord

BYTE_ORDER = "C"


def lock_order() -> tuple[ColumnElement[str], ColumnElement[str]]:
    """ORDER BY terms for the lock order."""
    return (SyncRecord.kind.collate(BYTE_ORDER), SyncRecord.host_id.collate(BYTE_ORDER))


def by_key(keys: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    """Rows named by (kind, host id), one IN list per kind."""
    by_kind: dict[str, list[str]] = {}
    for kind, host_id in keys:
        by_kind.setdefault(kind, []).append(host_id)
    if not by_kind:
        return false()
    return or_(
        *(
            and_(SyncRecord.kind == kind, SyncRecord.host_id.in_(host_ids))
            for kind, host_ids in by_kind.items()
        )
    )


async def lock_in_order(
    session: AsyncSession, tenant_id: uuid.UUID, which: ColumnElement[bool]
) -> None:
    """Lock the tenant's sync-record rows matching `which`, in the lock order, before this
    transaction writes any of them in whatever order its statements happen to visit them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        select(SyncRecord.id)
        .where(SyncRecord.tenant_id == tenant_id, which)
        .order_by(*lock_order())
        .with_for_update()
    )


async def lock_ids_in_order(
    session: AsyncSession, tenant_id: uuid.UUID, record_ids: Iterable[int]
) -> None:
    ids = sorted(set(record_ids))
    if ids:
        await lock_in_order(session, tenant_id, SyncRecord.id.in_(ids))
