"""Tenant administration routes (admin token)."""

from fastapi import APIRouter

from syncsvc.problems import DecimalJSONRoute, Problem
from syncsvc.state import AppStateDep, SessionDep
from syncsvc.tenants.auth import AdminOnly
from syncsvc.tenants.schemas import TenantCreate, TenantCreated
from syncsvc.tenants.service import create_tenant

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
