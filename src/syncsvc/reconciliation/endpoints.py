"""`POST /v1/reconciliations` and `GET /v1/reconciliations/{id}` (JSON, or `?format=csv`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.background import BackgroundTask

from syncsvc.models import Reconciliation
from syncsvc.problems import Problem, ProblemError
from syncsvc.reconciliation.runner import run_reconciliation
from syncsvc.reconciliation.sheets import as_csv, package_name
from syncsvc.state import AppStateDep, SessionDep
from syncsvc.tenants.auth import TenantId

router = APIRouter(prefix="/v1/reconciliations", tags=["reconciliation"])
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    404: {"model": Problem},
    422: {"model": Problem},
}
MAX_DAYS = 400


class ReconciliationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["invoices", "payments", "bills"] = Field(
        default="invoices",
        description="`invoices`: each host invoice issued in the range against the accounting "
        "package's copy. `payments`: each payment dated in the range, on either side, matched "
        "or not. `bills`: each host supplier invoice issued in the range against the "
        "package's bill.",
    )
    date_from: date = Field(alias="from", description="First date in the range.")
    date_to: date = Field(alias="to", description="Last date in the range.")
    fix: bool = Field(
        default=False,
        description="Push again what is missing or different, push host payments the package "
        "lacks, and send the package's payments the host lacks as `payment.received`.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> ReconciliationIn:
        if self.date_to < self.date_from:
            raise ValueError("`to` must not be before `from`")
        if (self.date_to - self.date_from).days > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days at once")
        return self


class ReconciliationOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str = Field(description="`running`, `done` or `failed`.")
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    fix: bool
    summary: dict[str, int] | None = Field(description="Counts by outcome (first).")
    progress: dict[str, Any]
    provider: str | None = Field(
        default=None, description="The accounting package it was run against (`xero`, ...)."
    )
    calls: int = Field(description="Calls made to the accounting package to read it.")
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    rows: list[dict[str, Any]] | None = Field(
        description="One per host invoice in the range: `ok`, `missing`, `different` (total, "
        "status, contact or lines, each with both values), `payments_differ`; with `fix`, "
        "what the fix did or why not. For `payments`: one per payment on either side. For "
        "`bills`: one per host supplier invoice, `ok`, `missing` or `different` (status, "
        "supplier or lines)."
    )


def _out(job: Reconciliation) -> ReconciliationOut:
    return ReconciliationOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        date_from=job.date_from,
        date_to=job.date_to,
        fix=job.fix,
        summary=job.summary,
        progress=job.progress,
        provider=job.provider,
        calls=job.calls,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        rows=job.rows,
    )


@router.post(
    "",
    status_code=202,
    response_model=ReconciliationOut,
    responses=_PROBLEMS,
    summary="Reconcile the host's invoices or payments in a date range against the package",
)
async def post_reconciliation(
    body: ReconciliationIn, tenant_id: TenantId, session: SessionDep, state: AppStateDep
) -> JSONResponse:
    job = Reconciliation(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        kind=body.kind,
        date_from=body.date_from,
        date_to=body.date_to,
        fix=body.fix,
        status="running",
        progress={},
        calls=0,
        created_at=state.clock(),
    )
    session.add(job)
    await session.flush()
    task = BackgroundTask(run_reconciliation, state.sessions, state.providers, state.clock, job.id)
    return JSONResponse(
        _out(job).model_dump(mode="json", by_alias=True),
        status_code=202,
        headers={"Location": f"/v1/reconciliations/{job.id}"},
        background=task,
    )


@router.get(
    "/{reconciliation_id}",
    response_model=ReconciliationOut,
    responses={**_PROBLEMS, 200: {"content": {"text/csv": {}}}},
    summary="A reconciliation: summary counts first, then rows (`?format=csv` for a sheet)",
)
async def get_reconciliation(
    reconciliation_id: uuid.UUID,
    tenant_id: TenantId,
    session: SessionDep,
    state: AppStateDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    job = await session.get(Reconciliation, reconciliation_id)
    if job is None or job.tenant_id != tenant_id:
        raise ProblemError(404, "Not found", f"No reconciliation {reconciliation_id}.")
    if format == "csv":
        package = await package_name(session, state.providers, tenant_id)
        return Response(as_csv(job, package), media_type="text/csv")
    return JSONResponse(_out(job).model_dump(mode="json", by_alias=True))
