"""All SQL about host records and their sync state, always within one tenant."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Uuid,
    bindparam,
    case,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import SyncRecord
from syncsvc.models.base import UTCDateTime
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.records.lock_order import by_key, lock_in_order

RecordKey = tuple[str, str]  # (kind, host id)
# The states a host may send back to the queue by hand: the ones the worker gave up on.
RETRYABLE = (SyncState.FAILED, SyncState.BLOCKED)
_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")

# What callers read back about a record; the payload only when asked for.
STATE_COLUMNS = (
    SyncRecord.kind,
    SyncRecord.host_id,
    SyncRecord.host_version,
    SyncRecord.payload_hash,
    SyncRecord.deleted,
    SyncRecord.state,
    SyncRecord.attempts,
    SyncRecord.next_attempt_at,
    SyncRecord.last_error,
    SyncRecord.provider_id,
    SyncRecord.synced_at,
    SyncRecord.updated_at,
)


@dataclass(frozen=True)
class RecordWrite:
    kind: str
    host_id: str
    version: int
    payload_json: str  # the record as stored, serialised once (hashed and written as is)
    payload_hash: str

    @property
    def payload(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.payload_json)
        return loaded


@dataclass(frozen=True)
class RecordState:
    kind: str
    host_id: str
    host_version: int
    payload_hash: str
    deleted: bool
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    provider_id: str | None
    synced_at: datetime | None
    updated_at: datetime

    @property
    def key(self) -> RecordKey:
        return (self.kind, self.host_id)


def state_of(row: Any) -> RecordState:
    """The sync state of a result row or a loaded SyncRecord."""
    return RecordState(*(getattr(row, column.key) for column in STATE_COLUMNS))


# Postgres: the whole batch travels as one JSON document unpacked by jsonb_to_recordset, so
# the statement text is the same for 1 row or 1,000 (the driver parses and caches it once)
# and no per-value escaping is paid. Same rule as the SQLite statement below. Rows are
# inserted (and existing ones locked) in the lock order whatever order the host sent them
# in (`records/lock_order.py`), so two batches sharing records queue instead of deadlocking.
_POSTGRES_BULK_UPSERT = (
    text(
        """
INSERT INTO sync_records (tenant_id, kind, host_id, host_version, payload, payload_hash,
    pushed_hash, deleted, write_uncertain, state, attempts, next_attempt_at, created_at,
    updated_at)
SELECT :tenant_id, t.kind, t.host_id, t.version, t.payload, t.hash,
    NULL, false, false, 'pending', 0, :now, :now, :now
FROM jsonb_to_recordset(CAST(:rows AS jsonb))
    AS t(kind varchar, host_id varchar, version bigint, hash varchar, payload jsonb)
ORDER BY t.kind COLLATE "C", t.host_id COLLATE "C"
ON CONFLICT (tenant_id, kind, host_id) DO UPDATE SET
    host_version = excluded.host_version,
    payload = excluded.payload,
    payload_hash = excluded.payload_hash,
    deleted = false,
    state = CASE WHEN sync_records.payload_hash <> excluded.payload_hash
        THEN 'pending' ELSE sync_records.state END,
    attempts = CASE WHEN sync_records.payload_hash <> excluded.payload_hash
        THEN 0 ELSE sync_records.attempts END,
    next_attempt_at = CASE WHEN sync_records.payload_hash <> excluded.payload_hash
        THEN excluded.next_attempt_at ELSE sync_records.next_attempt_at END,
    last_error = CASE WHEN sync_records.payload_hash <> excluded.payload_hash
        THEN NULL ELSE sync_records.last_error END,
    updated_at = excluded.updated_at
WHERE sync_records.host_version < excluded.host_version
RETURNING kind, host_id, host_version, payload_hash, deleted, state, attempts,
    next_attempt_at, last_error, provider_id, synced_at, updated_at
"""
    )
    .bindparams(bindparam("tenant_id", type_=Uuid()), bindparam("now", type_=UTCDateTime()))
    .columns(*STATE_COLUMNS)
)


@functools.cache
def _upsert_statement(dialect: str) -> Any:
    """INSERT .. ON CONFLICT DO UPDATE .. WHERE stored version < incoming .. RETURNING."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(cast(Table, SyncRecord.__table__))
    incoming = statement.excluded
    content_changed = SyncRecord.payload_hash != incoming.payload_hash

    def when_changed(new: Any, old: Any) -> Any:
        return case((content_changed, new), else_=old)

    return statement.on_conflict_do_update(
        index_elements=[SyncRecord.tenant_id, SyncRecord.kind, SyncRecord.host_id],
        set_={
            "host_version": incoming.host_version,
            "payload": incoming.payload,
            "payload_hash": incoming.payload_hash,
            "deleted": False,
            "state": when_changed(SyncState.PENDING.value, SyncRecord.state),
            "attempts": when_changed(0, SyncRecord.attempts),
            "next_attempt_at": when_changed(incoming.next_attempt_at, SyncRecord.next_attempt_at),
            "last_error": when_changed(None, SyncRecord.last_error),
            "updated_at": incoming.updated_at,
        },
        where=SyncRecord.host_version < incoming.host_version,
    ).returning(*STATE_COLUMNS)


def _row_json(write: RecordWrite) -> str:
    # The payload is already JSON text: spliced in, not parsed and dumped again.
    return (
        f'{{"kind":{json.dumps(write.kind)},"host_id":{json.dumps(write.host_id)},'
        f'"version":{write.version},"hash":"{write.payload_hash}",'
        f'"payload":{write.payload_json}}}'
    )


class RecordRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _scoped(self, statement: _Query) -> _Query:
        """Every read of this repository goes through here: one tenant's rows only."""
        return statement.where(SyncRecord.tenant_id == self.tenant_id)

    async def upsert(self, writes: Sequence[RecordWrite], now: datetime) -> list[RecordState]:
        """Insert new records and apply writes whose version is above the stored one.

        Returns the rows that were written; a write not returned was refused by the version
        rule (the caller tells a no-op from a conflict by reading the stored row). A write
        whose content equals what is stored only moves the version: its sync state stays.
        """
        if not writes:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            document = "[" + ",".join(_row_json(write) for write in writes) + "]"
            result = await self.session.execute(
                _POSTGRES_BULK_UPSERT, {"tenant_id": self.tenant_id, "now": now, "rows": document}
            )
            return [RecordState(*row) for row in result.all()]
        rows = [
            {
                "tenant_id": self.tenant_id,
                "kind": write.kind,
                "host_id": write.host_id,
                "host_version": write.version,
                "payload": write.payload,
                "payload_hash": write.payload_hash,
                "pushed_hash": None,
                "deleted": False,
                "write_uncertain": False,
                "state": SyncState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for write in writes
        ]
        # SQLite: one statement, built once and compiled once, run over every row.
        connection = await self.session.connection()
        result = await connection.execute(_upsert_statement("sqlite"), rows)
        return [state_of(row) for row in result.all()]

    async def lock(self, keys: Iterable[RecordKey]) -> None:
        """Lock the stored rows of these keys now, in the lock order: for a unit of work
        that then writes them over several statements."""
        keys = list(keys)
        if keys:
            await lock_in_order(self.session, self.tenant_id, by_key(keys))

    async def states(self, keys: Iterable[RecordKey]) -> dict[RecordKey, RecordState]:
        keys = list(keys)
        if not keys:
            return {}
        found: dict[RecordKey, RecordState] = {}
        rows = await self.session.execute(self._scoped(select(*STATE_COLUMNS).where(by_key(keys))))
        for row in rows:
            state = state_of(row)
            found[state.key] = state
        return found

    async def get(self, kind: RecordKind, host_id: str) -> SyncRecord | None:
        statement = self._scoped(select(SyncRecord)).where(
            SyncRecord.kind == kind.value, SyncRecord.host_id == host_id
        )
        record: SyncRecord | None = (await self.session.execute(statement)).scalar_one_or_none()
        return record

    async def mark_deleted(
        self, record: SyncRecord, version: int, payload_hash: str, now: datetime
    ) -> None:
        """The host withdrew the record: void or delete it on the provider."""
        await self.session.execute(
            update(SyncRecord)
            .where(SyncRecord.id == record.id, SyncRecord.tenant_id == self.tenant_id)
            .values(
                host_version=version,
                payload_hash=payload_hash,
                deleted=True,
                state=SyncState.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                last_error=None,
                updated_at=now,
            )
        )
        await self.session.refresh(record)

    async def requeue(self, kind: RecordKind, host_id: str, now: datetime) -> bool:
        """Make a failed or blocked record due again, from a clean slate of attempts.

        The state is checked by the UPDATE itself, so a record the worker settles at the same
        moment is never re-queued on a stale reading of its state. `write_uncertain` stays: a
        write that may have landed must still be looked for before writing again. False when
        this tenant has no such record in a retryable state.
        """
        result = await self.session.execute(
            update(SyncRecord)
            .where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.kind == kind.value,
                SyncRecord.host_id == host_id,
                SyncRecord.state.in_([state.value for state in RETRYABLE]),
            )
            .values(
                state=SyncState.PENDING.value,
                attempts=0,
                next_attempt_at=None,
                last_error=None,
                updated_at=now,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def requeue_all(self, now: datetime) -> int:
        """`requeue` for every failed or blocked record of the tenant at once; returns how
        many went back to the queue."""
        result = await self.session.execute(
            update(SyncRecord)
            .where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.state.in_([state.value for state in RETRYABLE]),
            )
            .values(
                state=SyncState.PENDING.value,
                attempts=0,
                next_attempt_at=None,
                last_error=None,
                updated_at=now,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def retryable(self, limit: int) -> list[SyncRecord]:
        """Failed and blocked records, the most recently settled first."""
        statement = (
            self._scoped(select(SyncRecord))
            .where(SyncRecord.state.in_([state.value for state in RETRYABLE]))
            .order_by(SyncRecord.updated_at.desc(), SyncRecord.id.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    async def counts_by_kind_and_state(self) -> list[tuple[str, str, int]]:
        statement = self._scoped(
            select(SyncRecord.kind, SyncRecord.state, func.count()).group_by(
                SyncRecord.kind, SyncRecord.state
            )
        )
        return [
            (kind, state, count) for kind, state, count in await self.session.execute(statement)
        ]

    async def oldest_pending_since(self) -> datetime | None:
        pending: ColumnElement[bool] = SyncRecord.state == SyncState.PENDING.value
        statement = self._scoped(select(func.min(SyncRecord.updated_at)).where(pending))
        value: datetime | None = (await self.session.execute(statement)).scalar_one_or_none()
        return value


async def oldest_pending_by_kind(session: AsyncSession) -> dict[str, datetime]:
    """Across every tenant (for operators' metrics): the oldest pending change per kind."""
    statement = (
        select(SyncRecord.kind, func.min(SyncRecord.updated_at))
        .where(SyncRecord.state == SyncState.PENDING.value)
        .group_by(SyncRecord.kind)
    )
    return {str(kind): oldest for kind, oldest in await session.execute(statement)}


async def record_counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """Across every tenant (for operators' metrics): records by kind and sync state."""
    statement = select(SyncRecord.kind, SyncRecord.state, func.count()).group_by(
        SyncRecord.kind, SyncRecord.state
    )
    return [(kind, state, count) for kind, state, count in await session.execute(statement)]
