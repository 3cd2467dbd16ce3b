"""Tenant administration routes (admin token)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from syncsvc.problems import DecimalJSONRoute, Problem
from syncsvc.state import AppStateDep, SessionDep
from syncsvc.tenants.auth import AdminOnly
from syncsvc.tenants.schemas import (
    TenantConnection,
    TenantCreate,
    TenantCreated,
    TenantOut,
    TenantPage,
)
from syncsvc.tenants.service import create_tenant, list_tenants

router = APIRouter(prefix="/v1/tenants", tags=["tenants"], route_class=DecimalJSONRoute)


@router.post(
    "",
    status_code=201,
    dependencies=[AdminOnly],
    responses={401: {"model": Problem}, 422: {"model": Problem}},
    summary="Create a tenant and return its API key (once)",
)
async def post_tenant(body: TenantCreate, session: SessionDep, state: AppStateDep) -> TenantCreated:
    created = await create_tenant(session, body.name, state.clock)
    return TenantCreated(
        id=created.tenant.id,
        name=created.tenant.name,
        created_at=created.tenant.created_at,
        api_key=created.api_key,
    )


@router.get(
    "",
    dependencies=[AdminOnly],
    responses={401: {"model": Problem}, 422: {"model": Problem}},
    summary="Tenants, oldest first, with their connection (paged by `after`)",
)
async def get_tenants(
    session: SessionDep,
    after: Annotated[
        uuid.UUID | None, Query(description="The last tenant id of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> TenantPage:
    rows = await list_tenants(session, after, limit + 1)  # one more: is there a next page
    tenants = [
        TenantOut(
            id=tenant.id,
            name=tenant.name,
            created_at=tenant.created_at,
            connection=None
            if connection is None
            else TenantConnection(
                provider=connection.provider,
                status=connection.status,
                organisation_name=connection.organisation_name,
            ),
        )
        for tenant, connection in rows[:limit]
    ]
    return TenantPage(tenants=tenants, next_after=tenants[-1].id if len(rows) > limit else None)
