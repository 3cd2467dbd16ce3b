"""All SQL about host records and their sync state, always within one tenant."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.db import dialect_insert
from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind, SyncState

RecordKey = tuple[str, str]  # (kind, host id)
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
    payload: dict[str, Any]
    payload_hash: str


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
    return RecordState(**{column.key: getattr(row, column.key) for column in STATE_COLUMNS})


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
        statement = dialect_insert(self.session)(SyncRecord).values(
            [
                {
                    "tenant_id": self.tenant_id,
                    "kind": write.kind,
                    "host_id": write.host_id,
                    "host_version": write.version,
                    "payload": write.payload,
                    "payload_hash": write.payload_hash,
                    "pushed_hash": None,
                    "deleted": False,
                    "state": SyncState.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for write in writes
            ]
        )
        incoming = statement.excluded
        content_changed = SyncRecord.payload_hash != incoming.payload_hash

        def when_changed(new: Any, old: Any) -> Any:
            return case((content_changed, new), else_=old)

        statement = statement.on_conflict_do_update(
            index_elements=[SyncRecord.tenant_id, SyncRecord.kind, SyncRecord.host_id],
            set_={
                "host_version": incoming.host_version,
                "payload": incoming.payload,
                "payload_hash": incoming.payload_hash,
                "deleted": False,
                "state": when_changed(SyncState.PENDING.value, SyncRecord.state),
                "attempts": when_changed(0, SyncRecord.attempts),
                "next_attempt_at": when_changed(
                    incoming.next_attempt_at, SyncRecord.next_attempt_at
                ),
                "last_error": when_changed(None, SyncRecord.last_error),
                "updated_at": incoming.updated_at,
            },
            where=SyncRecord.host_version < incoming.host_version,
        ).returning(*STATE_COLUMNS)
        rows = (await self.session.execute(statement)).all()
        return [state_of(row) for row in rows]

    async def states(self, keys: Iterable[RecordKey]) -> dict[RecordKey, RecordState]:
        keys = list(keys)
        if not keys:
            return {}
        found: dict[RecordKey, RecordState] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, host_id in keys:
            by_kind.setdefault(kind, []).append(host_id)
        condition = or_(
            *(
                and_(SyncRecord.kind == kind, SyncRecord.host_id.in_(host_ids))
                for kind, host_ids in by_kind.items()
            )
        )
        rows = await self.session.execute(self._scoped(select(*STATE_COLUMNS).where(condition)))
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
