"""The batch endpoint's work: each operation parsed and answered on its own, the valid
upserts written together in as few statements as the version rule allows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from syncsvc.models.enums import RecordKind
from syncsvc.problems import ProblemError, validation_problem
from syncsvc.records.repository import RecordWrite
from syncsvc.records.schemas import BatchOperation, status_document
from syncsvc.records.service import (
    Outcome,
    RecordService,
    UpsertResult,
    conflict_problem,
    parse_record,
    to_write,
)


def _prefixed(problem: ProblemError, prefix: str) -> ProblemError:
    """Field paths as seen from the request body: `operations[3].data.lines[0].quantity`."""
    for error in problem.errors:
        error.field = prefix if error.field == "(root)" else f"{prefix}.{error.field}"
    if problem.errors:
        problem.detail = "Invalid fields: " + ", ".join(sorted({e.field for e in problem.errors}))
    return problem


async def run_batch(service: RecordService, raw_operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Operations take effect in the order given; consecutive upserts are written together.

    Everything is parsed before anything is written. A batch written in one statement takes
    its row locks in the lock order by itself; one that needs several (a delete between
    upserts, a record sent twice) locks its stored rows in that order first, so it cannot
    deadlock with another batch however the statements that follow visit them. (A record
    first created after a delete in the same batch is inserted out of that order; the rare
    deadlock that can cause is retried by the unit of work.)
    """
    results: dict[int, dict[str, Any]] = {}
    steps: list[_Step] = []
    for index, raw in enumerate(raw_operations):
        try:
            operation = BatchOperation.model_validate(raw)
        except ValidationError as exc:
            problem = _prefixed(
                validation_problem(exc.errors(include_url=False)), f"operations[{index}]"
            )
            results[index] = _refused(index, None, None, problem)
            continue
        if operation.op == "delete":
            steps.append(_Step(index, operation, None))
            continue
        try:
            if operation.data is None:
                raise ProblemError(
                    422, "Request is not valid", "An upsert needs `data`.", slug="validation"
                )
            record = parse_record(operation.kind, operation.data)
        except ProblemError as problem:
            results[index] = _refused(
                index, operation.kind, operation.id, _prefixed(problem, f"operations[{index}].data")
            )
            continue
        steps.append(_Step(index, operation, to_write(operation.kind, operation.id, record)))

    keys = [(step.operation.kind.value, step.operation.id) for step in steps]
    if any(step.write is None for step in steps) or len(set(keys)) < len(keys):
        await service.repository.lock(set(keys))

    upserts: list[_Step] = []

    async def flush_upserts() -> None:
        writes = [step.write for step in upserts if step.write is not None]
        for step, write, result in zip(
            upserts, writes, await service.upsert_many(writes), strict=True
        ):
            results[step.index] = _answered(step.index, step.operation, result, write.version)
        upserts.clear()

    for step in steps:
        if step.write is not None:
            upserts.append(step)
            continue
        await flush_upserts()
        operation = step.operation
        try:
            result = await service.delete(operation.kind, operation.id, operation.version)
        except ProblemError as problem:
            results[step.index] = _refused(
                step.index,
                operation.kind,
                operation.id,
                _prefixed(problem, f"operations[{step.index}].data"),
            )
            continue
        results[step.index] = _answered(step.index, operation, result, operation.version)
    await flush_upserts()
    ordered = [results[index] for index in range(len(raw_operations))]
    tally = Counter(result["status"] for result in ordered)
    return {
        "summary": {
            "accepted": tally[202],
            "unchanged": tally[200],
            "refused": sum(count for status, count in tally.items() if status >= 400),
        },
        "results": ordered,
    }


@dataclass(frozen=True)
class _Step:
    """A valid operation: a delete (no write), or an upsert and the row it writes."""

    index: int
    operation: BatchOperation
    write: RecordWrite | None


def _answered(
    index: int, operation: BatchOperation, result: UpsertResult, version: int | None
) -> dict[str, Any]:
    if result.outcome is Outcome.CONFLICT:
        problem = conflict_problem(
            operation.kind, operation.id, version if version is not None else -1, result.state
        )
        return _refused(index, operation.kind, operation.id, problem)
    return {
        "index": index,
        "status": result.http_status,
        "kind": operation.kind.value,
        "id": operation.id,
        "record": status_document(result.state),
        "problem": None,
    }


def _refused(
    index: int, kind: RecordKind | None, host_id: str | None, problem: ProblemError
) -> dict[str, Any]:
    return {
        "index": index,
        "status": problem.status,
        "kind": None if kind is None else kind.value,
        "id": host_id,
        "record": None,
        "problem": problem.to_document(),
    }
