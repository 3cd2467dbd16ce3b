"""`/healthz` (the process answers) and `/readyz` (database reachable, schema current)."""

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from syncsvc.db import current_revision, head_revision
from syncsvc.state import AppStateDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    expected_revision: str | None


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready"}},
    summary="The database answers and its schema is the newest migration",
)
async def readyz(state: AppStateDep) -> JSONResponse:
    expected = head_revision()
    try:
        revision = await current_revision(state.engine)
    except Exception as exc:  # any failure to reach the database means not ready
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        body = Readiness(
            status="unavailable",
            database="unreachable",
            schema_revision=None,
            expected_revision=expected,
        )
        return JSONResponse(body.model_dump(), status_code=503)
    ready = revision == expected
    body = Readiness(
        status="ok" if ready else "migrations pending",
        database="ok",
        schema_revision=revision,
        expected_revision=expected,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
