"""Accepting host records: the version rule, no-op detection, deletes, batches.

The rule, for each (tenant, kind, id): a version above the stored one is accepted and makes the
record due for a push; the same version with the same content is a no-op; anything else is a
conflict that changes nothing and names the stored version.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.kit.clock import Clock
from syncsvc.kit.hashing import content_hash
from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind
from syncsvc.problems import ProblemError, validation_problem
from syncsvc.records.canonical import MODEL_BY_KIND, CanonicalRecord, unset_added_fields
from syncsvc.records.repository import (
    RecordKey,
    RecordRepository,
    RecordState,
    RecordWrite,
    state_of,
)

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class UpsertResult:
    outcome: Outcome
    state: RecordState

    @property
    def http_status(self) -> int:
        return {Outcome.ACCEPTED: 202, Outcome.UNCHANGED: 200, Outcome.CONFLICT: 409}[self.outcome]


def deleted_hash(payload: dict[str, Any]) -> str:
    """The desired-state hash of a record the host deleted: never equal to a live one."""
    return content_hash({"deleted": True, "record": payload})


def to_write(kind: RecordKind, host_id: str, record: CanonicalRecord) -> RecordWrite:
    """The record as stored: everything but the version (it has its own column), serialised
    once. A model's fields have a fixed order, so equal content gives equal text and hash."""
    payload_json = record.model_dump_json(exclude={"version", *unset_added_fields(record)})
    return RecordWrite(
        kind=kind.value,
        host_id=host_id,
        version=record.version,
        payload_json=payload_json,
        payload_hash=hashlib.sha256(payload_json.encode()).hexdigest(),
    )


def parse_record(kind: RecordKind, data: Any) -> CanonicalRecord:
    """The canonical record, or a 422 problem naming every bad field."""
    try:
        return MODEL_BY_KIND[kind].model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc.errors(include_url=False)) from exc


def conflict_problem(
    kind: RecordKind, host_id: str, sent: int, stored: RecordState
) -> ProblemError:
    if stored.deleted and sent <= stored.host_version:
        detail = (
            f"{kind.value} {host_id} was deleted at version {stored.host_version}; "
            "send a higher version to restore it."
        )
    elif sent == stored.host_version:
        detail = (
            f"Version {sent} of {kind.value} {host_id} was already accepted with other "
            "content; send a higher version."
        )
    else:
        detail = (
            f"Version {sent} of {kind.value} {host_id} is older than the stored "
            f"version {stored.host_version}; nothing was changed."
        )
    return ProblemError(
        409,
        "Version conflict",
        detail,
        slug="version-conflict",
        extra={"current_version": stored.host_version},
    )


class RecordService:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, clock: Clock) -> None:
        self.repository = RecordRepository(session, tenant_id)
        self.clock = clock

    async def upsert_many(self, writes: Sequence[RecordWrite]) -> list[UpsertResult]:
        """Apply writes in order; a key written twice in one call is applied in turn."""
        results: list[UpsertResult | None] = [None] * len(writes)
        pending = list(enumerate(writes))
        while pending:
            this_round: dict[RecordKey, tuple[int, RecordWrite]] = {}
            later: list[tuple[int, RecordWrite]] = []
            for index, write in pending:
                key = (write.kind, write.host_id)
                if key in this_round:
                    later.append((index, write))
                else:
                    this_round[key] = (index, write)
            await self._upsert_round(this_round, results)
            pending = later
        return [result for result in results if result is not None]

    async def _upsert_round(
        self,
        round_writes: dict[RecordKey, tuple[int, RecordWrite]],
        results: list[UpsertResult | None],
    ) -> None:
        written = await self.repository.upsert(
            [write for _, write in round_writes.values()], self.clock()
        )
        for state in written:
            index, _ = round_writes[state.key]
            results[index] = UpsertResult(Outcome.ACCEPTED, state)
        written_keys = {state.key for state in written}
        refused = [key for key in round_writes if key not in written_keys]
        stored = await self.repository.states(refused)
        for key in refused:
            index, write = round_writes[key]
            current = stored[key]
            same = (
                current.host_version == write.version
                and current.payload_hash == write.payload_hash
                and not current.deleted
            )
            results[index] = UpsertResult(Outcome.UNCHANGED if same else Outcome.CONFLICT, current)

    async def upsert(self, kind: RecordKind, host_id: str, record: CanonicalRecord) -> UpsertResult:
        (result,) = await self.upsert_many([to_write(kind, host_id, record)])
        return result

    async def get(self, kind: RecordKind, host_id: str) -> SyncRecord:
        record = await self.repository.get(kind, host_id)
        if record is None:
            raise not_found(kind, host_id)
        return record

    async def delete(self, kind: RecordKind, host_id: str, version: int | None) -> UpsertResult:
        """Mark for void/delete on the provider; a version, if sent, must not be older."""
        record = await self.get(kind, host_id)
        if version is not None and version < record.host_version:
            raise conflict_problem(kind, host_id, version, state_of(record))
        if record.deleted:
            return UpsertResult(Outcome.UNCHANGED, state_of(record))
        new_version = record.host_version if version is None else version
        await self.repository.mark_deleted(
            record, new_version, deleted_hash(record.payload), self.clock()
        )
        return UpsertResult(Outcome.ACCEPTED, state_of(record))

    async def retry(self, kind: RecordKind, host_id: str) -> SyncRecord:
        """Send a failed or blocked record back to the queue: pending, due now, its attempts
        and error cleared. 404 when the tenant has no such record; 409 when it is pending or
        synced already, and then nothing changes.

        Returns the re-queued record: the hook for a caller that wants to wake the push
        worker for it. Nothing does yet; the worker's next scheduled run takes it.
        """
        if not await self.repository.requeue(kind, host_id, self.clock()):
            current = await self.get(kind, host_id)
            raise not_retryable(kind, host_id, current.state)
        record = await self.get(kind, host_id)
        log.info(
            "record re-queued by the host",
            extra={
                "tenant_id": str(self.repository.tenant_id),
                "kind": kind.value,
                "host_id": host_id,
            },
        )
        return record

    async def retry_all(self) -> int:
        """`retry` for every failed or blocked record of the tenant; returns how many went
        back to the queue (0 is not an error: there was nothing to retry)."""
        count = await self.repository.requeue_all(self.clock())
        log.info(
            "records re-queued by the operator",
            extra={"tenant_id": str(self.repository.tenant_id), "count": count},
        )
        return count


def not_found(kind: RecordKind, host_id: str) -> ProblemError:
    return ProblemError(404, "Not found", f"No {kind.value} with id {host_id}.", slug="not-found")


def not_retryable(kind: RecordKind, host_id: str, state: str) -> ProblemError:
    return ProblemError(
        409,
        "Not retryable",
        f"{kind.value} {host_id} is {state}; only a failed or blocked record can be retried.",
        slug="not-retryable",
        extra={"current_state": state},
    )
