"""What became of each record of a batch, written in one transaction per batch.

Outcomes are conditioned on what was pushed: a record the host changed while it was on its
way stays due (`pushed_hash` is what the package has, `payload_hash` what the host wants).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Boolean, String, Table, Update, bindparam, case, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.metrics.registry import metrics_of
from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.oplog import push_failures
from syncsvc.push.planning import Due
from syncsvc.records.lock_order import lock_ids_in_order


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
    reason: str | None = None  # failed: why, in every package's terms (providers.errors.Reason)


def synced(
    due: Due, provider_id: str | None = None, key: str | None = None, version: str | None = None
) -> Result:
    return Result(due, SyncState.SYNCED, None, provider_id, key, version)


def failed(
    due: Due,
    message: str,
    provider_id: str | None = None,
    *,
    uncertain: bool = False,
    reason: str = "other",
) -> Result:
    return Result(due, SyncState.FAILED, message, provider_id, uncertain=uncertain, reason=reason)


def blocked(due: Due, reason: str, recheck_at: datetime | None = None) -> Result:
    return Result(due, SyncState.BLOCKED, reason, next_attempt_at=recheck_at)


def again(due: Due, message: str, at: datetime | None, *, uncertain: bool) -> Result:
    return Result(due, SyncState.PENDING, message, next_attempt_at=at, uncertain=uncertain)


async def record(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    kind: RecordKind,
    results: list[Result],
    now: datetime,
) -> None:
    """One statement per kind of outcome, each executed for all its records at once.

    The rows are locked in the lock order first: the statements visit them grouped by
    outcome, and a host's batch may be writing some of them at this moment.
    """
    await lock_ids_in_order(session, tenant_id, (result.due.id for result in results))
    by_state: dict[SyncState, list[dict[str, Any]]] = {}
    for result in results:
        due = result.due
        by_state.setdefault(result.state, []).append(
            {
                "b_id": due.id,
                "b_tenant": tenant_id,
                "b_now": now,
                "b_error": result.error,
                "b_hash": due.payload_hash,
                "b_attempts": due.attempts + 1,
                "b_provider_id": result.provider_id,
                "b_key": result.provider_key,
                "b_version": result.provider_version,
                "b_at": result.next_attempt_at,
                "b_uncertain": result.uncertain,
                "b_reason": result.reason,
            }
        )
    for state, rows in by_state.items():
        await session.execute(_STATEMENTS[state], rows)
    metrics_of(session).pushed(kind.value, (result.state.value for result in results))
    push_failures(tenant_id, kind.value, results)  # one log line per record given up on
    events = EventRepository(session, tenant_id)
    for result in results:
        if result.state is SyncState.FAILED:
            await events.append(
                EventType.SYNC_FAILED.value,
                {"kind": kind.value, "id": result.due.host_id, "message": result.error},
                now,
            )


def _statements() -> dict[SyncState, Update]:
    table = cast(Table, SyncRecord.__table__)
    c = table.c
    row = update(table).where(c.id == bindparam("b_id"), c.tenant_id == bindparam("b_tenant"))
    common: dict[str, Any] = {
        "last_error": bindparam("b_error"),
        "last_error_reason": bindparam("b_reason", type_=String),
        "updated_at": bindparam("b_now"),
    }
    provider_id = func.coalesce(bindparam("b_provider_id", type_=String), c.provider_id)
    return {
        # Pushed what was read; if the host changed it since, it is still due.
        SyncState.SYNCED: row.values(
            **common,
            state=case(
                (c.payload_hash == bindparam("b_hash"), SyncState.SYNCED.value),
                else_=SyncState.PENDING.value,
            ),
            pushed_hash=bindparam("b_hash"),
            attempts=0,
            next_attempt_at=None,
            write_uncertain=False,
            synced_at=bindparam("b_now"),
            provider_id=provider_id,
            provider_key=func.coalesce(bindparam("b_key", type_=String), c.provider_key),
            provider_version=func.coalesce(
                bindparam("b_version", type_=String), c.provider_version
            ),
        ),
        SyncState.FAILED: row.values(
            **common,
            state=SyncState.FAILED.value,
            attempts=bindparam("b_attempts"),
            provider_id=provider_id,
            # Refused by the provider: not in doubt. Given up after transient failures: still.
            write_uncertain=bindparam("b_uncertain", type_=Boolean),
        ),
        SyncState.BLOCKED: row.values(
            **common, state=SyncState.BLOCKED.value, next_attempt_at=bindparam("b_at")
        ),
        SyncState.PENDING: row.values(
            **common,
            state=SyncState.PENDING.value,  # a blocked record that got as far as a write
            attempts=bindparam("b_attempts"),
            next_attempt_at=bindparam("b_at"),
            write_uncertain=c.write_uncertain | bindparam("b_uncertain", type_=Boolean),
        ),
    }


_STATEMENTS = _statements()
