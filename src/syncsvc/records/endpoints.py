"""Routes for host records: PUT / GET / DELETE / POST retry per kind, the batch, and the sync
overview.

The body of a PUT is the whole current state of the record with the host's `version`.
Answers: 202 accepted (due for a push), 200 unchanged (same version and content), 409 conflict.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models.enums import RecordKind
from syncsvc.problems import DecimalJSONRoute, Problem
from syncsvc.push.wakeup import announce
from syncsvc.records.batch import run_batch
from syncsvc.records.canonical import (
    HOST_ID_PATTERN,
    VERSION_MAX,
    CanonicalRecord,
    CreditNote,
    Customer,
    Expense,
    Invoice,
    Payment,
    Supplier,
    SupplierInvoice,
)
from syncsvc.records.overview import sync_overview
from syncsvc.records.repository import RecordState, state_of
from syncsvc.records.schemas import (
    RECORD_EXAMPLES,
    BatchRequest,
    BatchResponse,
    RecordStatus,
    StoredRecord,
    SyncOverview,
    status_document,
)
from syncsvc.records.service import Outcome, RecordService, UpsertResult, conflict_problem
from syncsvc.state import AppStateDep, SessionDep, UnitOfWorkDep
from syncsvc.tenants.auth import TenantId

router = APIRouter(prefix="/v1", tags=["records"], route_class=DecimalJSONRoute)

HostIdPath = Annotated[
    str, Path(pattern=HOST_ID_PATTERN, description="The host's id for the record.")
]

ROUTES: list[tuple[RecordKind, str, type[Any]]] = [
    (RecordKind.CUSTOMER, "customers", Customer),
    (RecordKind.INVOICE, "invoices", Invoice),
    (RecordKind.PAYMENT, "payments", Payment),
    (RecordKind.CREDIT_NOTE, "credit-notes", CreditNote),
    (RecordKind.SUPPLIER, "suppliers", Supplier),
    (RecordKind.SUPPLIER_INVOICE, "supplier-invoices", SupplierInvoice),
    (RecordKind.EXPENSE, "expenses", Expense),
]

# What each route can answer beyond what every route behind a key or with a body answers
# (401, 413, 422: added to the document by `api_contract`).
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such record for this tenant"}
}
_VERSION_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": Problem,
        "description": "Version conflict; `current_version` names the stored one",
    }
}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid input; `errors` names each field"}
}
# Writes only: other writers on the same records kept this one from completing after the
# service's own retries. Nothing was changed; the same request may be sent again.
_BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": "Busy: nothing was changed; send the same request again after "
        "`Retry-After` seconds",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before sending the request again.",
                "schema": {"type": "integer"},
            }
        },
    }
}
_RETRY_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    409: {
        "model": Problem,
        "description": "Not failed or blocked; `current_state` names its sync state",
    },
    **_INVALID,
    **_BUSY,
}


def _answer(result: UpsertResult, kind: RecordKind, host_id: str, sent: int | None) -> JSONResponse:
    if result.outcome is Outcome.CONFLICT:
        raise conflict_problem(kind, host_id, sent if sent is not None else -1, result.state)
    return JSONResponse(status_document(result.state), status_code=result.http_status)


def _put_route(kind: RecordKind, model: type[Any]) -> Callable[..., Awaitable[JSONResponse]]:
    example = Body(openapi_examples={kind.value: {"value": RECORD_EXAMPLES[kind]}})

    async def put_record(
        record_id: HostIdPath,
        body: Annotated[model, example],  # type: ignore[valid-type]
        tenant_id: TenantId,
        work: UnitOfWorkDep,
        state: AppStateDep,
    ) -> JSONResponse:
        record = cast(CanonicalRecord, body)

        async def upsert(session: AsyncSession) -> UpsertResult:
            result = await RecordService(session, tenant_id, state.clock).upsert(
                kind, record_id, record
            )
            if result.outcome is Outcome.ACCEPTED:
                await announce(session)
            return result

        return _answer(await work.run(upsert), kind, record_id, record.version)

    return put_record


def _get_route(kind: RecordKind) -> Callable[..., Awaitable[StoredRecord]]:
    async def get_record(
        record_id: HostIdPath, tenant_id: TenantId, session: SessionDep, state: AppStateDep
    ) -> StoredRecord:
        record = await RecordService(session, tenant_id, state.clock).get(kind, record_id)
        stored = {
            **status_document(state_of(record)),
            "data": {"version": record.host_version, **record.payload},
        }
        return StoredRecord.model_validate(stored)

    return get_record


def _delete_route(kind: RecordKind) -> Callable[..., Awaitable[JSONResponse]]:
    async def delete_record(
        record_id: HostIdPath,
        tenant_id: TenantId,
        work: UnitOfWorkDep,
        state: AppStateDep,
        version: Annotated[
            int | None,
            Query(
                ge=0,
                le=VERSION_MAX,
                description="The host's version of the deletion; refused if older.",
            ),
        ] = None,
    ) -> JSONResponse:

        async def delete(session: AsyncSession) -> UpsertResult:
            result = await RecordService(session, tenant_id, state.clock).delete(
                kind, record_id, version
            )
            if result.outcome is Outcome.ACCEPTED:
                await announce(session)
            return result

        return _answer(await work.run(delete), kind, record_id, version)

    return delete_record


def _retry_route(kind: RecordKind) -> Callable[..., Awaitable[JSONResponse]]:
    async def retry_record(
        record_id: HostIdPath, tenant_id: TenantId, work: UnitOfWorkDep, state: AppStateDep
    ) -> JSONResponse:
        async def requeue(session: AsyncSession) -> RecordState:
            record = await RecordService(session, tenant_id, state.clock).retry(kind, record_id)
            await announce(session)
            return state_of(record)

        return JSONResponse(status_document(await work.run(requeue)), status_code=202)

    return retry_record


for _kind, _path, _model in ROUTES:
    _label = _kind.value.replace("_", " ")
    router.add_api_route(
        f"/{_path}/{{record_id}}",
        _put_route(_kind, _model),
        methods=["PUT"],
        status_code=202,
        response_model=RecordStatus,
        responses={
            200: {"model": RecordStatus, "description": "Unchanged"},
            **_VERSION_CONFLICT,
            **_INVALID,
            **_BUSY,
        },
        summary=f"Upsert a {_label}",
        operation_id=f"put_{_kind.value}",
    )
    router.add_api_route(
        f"/{_path}/{{record_id}}",
        _get_route(_kind),
        methods=["GET"],
        response_model=StoredRecord,
        responses={**_NOT_FOUND, **_INVALID},
        summary=f"Read a {_label} and its sync state",
        operation_id=f"get_{_kind.value}",
    )
    router.add_api_route(
        f"/{_path}/{{record_id}}",
        _delete_route(_kind),
        methods=["DELETE"],
        status_code=202,
        response_model=RecordStatus,
        responses={
            200: {"model": RecordStatus, "description": "Already deleted"},
            **_NOT_FOUND,
            **_VERSION_CONFLICT,
            **_INVALID,
            **_BUSY,
        },
        summary=f"Void or delete a {_label} on the accounting package",
        operation_id=f"delete_{_kind.value}",
    )
    router.add_api_route(
        f"/{_path}/{{record_id}}/retry",
        _retry_route(_kind),
        methods=["POST"],
        status_code=202,
        response_model=RecordStatus,
        responses=_RETRY_PROBLEMS,
        summary=f"Push a failed or blocked {_label} again",
        operation_id=f"retry_{_kind.value}",
    )


@router.post(
    "/batch",
    response_model=BatchResponse,
    responses={**_INVALID, **_BUSY},
    summary="Up to 1,000 upserts or deletes, each answered on its own",
)
async def post_batch(
    body: BatchRequest, tenant_id: TenantId, work: UnitOfWorkDep, state: AppStateDep
) -> JSONResponse:
    async def apply(session: AsyncSession) -> dict[str, Any]:
        answer = await run_batch(RecordService(session, tenant_id, state.clock), body.operations)
        if any(result["status"] == 202 for result in answer["results"]):
            await announce(session)
        return answer

    return JSONResponse(await work.run(apply))


@router.get(
    "/sync/status",
    response_model=SyncOverview,
    summary="Counts of records by kind and sync state, the connection, the oldest pending",
)
async def get_sync_status(
    tenant_id: TenantId, session: SessionDep, state: AppStateDep
) -> SyncOverview:
    return await sync_overview(session, tenant_id, state.clock())
