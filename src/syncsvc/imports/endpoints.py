"""`POST /v1/imports/customers` and `GET /v1/imports/{id}`: the package's customers, matched
to the host's (preview) or linked and offered to it (apply)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from syncsvc.imports.service import run_import
from syncsvc.models import CustomerImport
from syncsvc.problems import Problem, ProblemError
from syncsvc.state import AppStateDep, SessionDep
from syncsvc.tenants.auth import TenantId

router = APIRouter(prefix="/v1/imports", tags=["imports"])
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    404: {"model": Problem},
    422: {"model": Problem},
}


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["preview", "apply"] = Field(
        description="`preview`: each contact with the host customer it would be matched to "
        "(customer number, then email, then normalised name). `apply`: link the matches and "
        "raise `customer.imported` for the rest, once each, however often it is applied."
    )


class ImportOut(BaseModel):
    id: uuid.UUID
    mode: str
    status: str = Field(description="`running`, `done` or `failed`.")
    pages_read: int
    contacts_read: int
    result: dict[str, Any] | None = Field(
        description="When done: `counts` by outcome and one row per contact. Outcomes: "
        "`match`, `linked` (already), `linked_now`, `linked_elsewhere`, `ambiguous`, `new`, "
        "`offered`, `offered_before`."
    )
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def _out(job: CustomerImport) -> ImportOut:
    return ImportOut(
        id=job.id,
        mode=job.mode,
        status=job.status,
        pages_read=job.pages_read,
        contacts_read=job.contacts_read,
        result=job.result,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post(
    "/customers",
    status_code=202,
    response_model=ImportOut,
    responses=_PROBLEMS,
    summary="Import the package's customers (runs in the background; read its progress)",
)
async def post_customer_import(
    body: ImportIn, tenant_id: TenantId, session: SessionDep, state: AppStateDep
) -> JSONResponse:
    job = CustomerImport(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        mode=body.mode,
        status="running",
        pages_read=0,
        contacts_read=0,
        created_at=state.clock(),
    )
    session.add(job)
    await session.flush()
    task = BackgroundTask(
        run_import, state.sessions, state.providers, state.clock, job.id, tenant_id
    )
    return JSONResponse(
        _out(job).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/v1/imports/{job.id}"},
        background=task,
    )


@router.get(
    "/{import_id}", response_model=ImportOut, responses=_PROBLEMS, summary="An import's progress"
)
async def get_import(import_id: uuid.UUID, tenant_id: TenantId, session: SessionDep) -> ImportOut:
    job = await session.get(CustomerImport, import_id)
    if job is None or job.tenant_id != tenant_id:
        raise ProblemError(404, "Not found", f"No import {import_id}.", slug="not-found")
    return _out(job)
