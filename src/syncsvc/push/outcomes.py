"""What became of each record of a batch, written in one transaction per batch.

Outcomes are conditioned on what was pushed: a record the host changed while it was on its
way stays due (`pushed_hash` is what Xero has, `payload_hash` what the host wants).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.push.planning import Due


@dataclass(frozen=True)
class Result:
    due: Due
    state: SyncState  # SYNCED, FAILED, BLOCKED, or PENDING (try again at `next_attempt_at`)
    error: str | None = None
    provider_id: str | None = None
    provider_key: str | None = None
    provider_version: str | None = None
    next_attempt_at: datetime | None = None
    uncertain: bool = False  # the write may have been applied: look before writing again


def synced(
    due: Due, provider_id: str | None = None, key: str | None = None, version: str | None = None
) -> Result:
    return Result(due, SyncState.SYNCED, None, provider_id, key, version)


def failed(due: Due, message: str, provider_id: str | None = None) -> Result:
    return Result(due, SyncState.FAILED, message, provider_id)


def blocked(due: Due, reason: str) -> Result:
    return Result(due, SyncState.BLOCKED, reason)


def again(due: Due, message: str, at: datetime | None, *, uncertain: bool) -> Result:
    return Result(due, SyncState.PENDING, message, next_attempt_at=at, uncertain=uncertain)


async def record(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    kind: RecordKind,
    results: list[Result],
    now: datetime,
) -> None:
    events = EventRepository(session, tenant_id)
    for result in results:
        await session.execute(
            update(SyncRecord)
            .where(SyncRecord.id == result.due.id, SyncRecord.tenant_id == tenant_id)
            .values(**_values(result, now))
        )
        if result.state is SyncState.FAILED:
            await events.append(
                EventType.SYNC_FAILED.value,
                {"kind": kind.value, "id": result.due.host_id, "message": result.error},
                now,
            )


def _values(result: Result, now: datetime) -> dict[str, Any]:
    due = result.due
    values: dict[str, Any] = {"last_error": result.error, "updated_at": now}
    if result.provider_id:
        values.update(provider_id=result.provider_id)
    if result.state is SyncState.SYNCED:
        values.update(
            pushed_hash=due.payload_hash,
            state=case(
                (SyncRecord.payload_hash == due.payload_hash, SyncState.SYNCED.value),
                else_=SyncState.PENDING.value,
            ),
            attempts=0,
            next_attempt_at=None,
            write_uncertain=False,
            synced_at=now,
        )
        if result.provider_id:
            values.update(
                provider_key=result.provider_key, provider_version=result.provider_version
            )
    elif result.state is SyncState.PENDING:
        values.update(
            attempts=due.attempts + 1,
            next_attempt_at=result.next_attempt_at,
            write_uncertain=SyncRecord.write_uncertain | result.uncertain,
        )
    elif result.state is SyncState.FAILED:
        values.update(state=SyncState.FAILED.value, attempts=due.attempts + 1)
    else:
        values.update(state=result.state.value)
    return values
