"""Routes for account settings and the three kinds of override."""

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from syncsvc.models.enums import OverrideScope
from syncsvc.problems import DecimalJSONRoute, Problem, ProblemError
from syncsvc.records.canonical import HOST_ID_PATTERN
from syncsvc.settings.schemas import (
    AccountSettings,
    JobTypeOverride,
    PaymentMethodOverride,
    SettingsView,
    SupplyOverride,
)
from syncsvc.settings.service import SettingsService
from syncsvc.state import AppStateDep, SessionDep
from syncsvc.tenants.auth import TenantId

router = APIRouter(prefix="/v1/settings", tags=["settings"], route_class=DecimalJSONRoute)

ScopeId = Annotated[str, Path(pattern=HOST_ID_PATTERN, description="The host's id.")]
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or wrong API key"},
    422: {"model": Problem, "description": "Invalid input; `errors` names each field"},
}


@router.get("", response_model=SettingsView, responses=_PROBLEMS, summary="Account settings")
async def get_settings(
    tenant_id: TenantId, session: SessionDep, state: AppStateDep
) -> SettingsView:
    return await SettingsService(session, tenant_id, state.clock).view()


@router.put(
    "",
    response_model=SettingsView,
    responses=_PROBLEMS,
    summary="Replace the account settings (fields left out take their defaults)",
)
async def put_settings(
    body: AccountSettings, tenant_id: TenantId, session: SessionDep, state: AppStateDep
) -> SettingsView:
    return await SettingsService(session, tenant_id, state.clock).replace(body)


@router.put(
    "/job-types/{scope_id}",
    response_model=SettingsView,
    responses=_PROBLEMS,
    summary="Income accounts for one job type",
)
async def put_job_type_override(
    scope_id: ScopeId,
    body: JobTypeOverride,
    tenant_id: TenantId,
    session: SessionDep,
    state: AppStateDep,
) -> SettingsView:
    service = SettingsService(session, tenant_id, state.clock)
    await service.put_override(OverrideScope.JOB_TYPE, scope_id, body)
    return await service.view()


@router.put(
    "/supplies/{scope_id}",
    response_model=SettingsView,
    responses=_PROBLEMS,
    summary="Income account for one supply item",
)
async def put_supply_override(
    scope_id: ScopeId,
    body: SupplyOverride,
    tenant_id: TenantId,
    session: SessionDep,
    state: AppStateDep,
) -> SettingsView:
    service = SettingsService(session, tenant_id, state.clock)
    await service.put_override(OverrideScope.SUPPLY, scope_id, body)
    return await service.view()


@router.put(
    "/payment-methods/{scope_id}",
    response_model=SettingsView,
    responses=_PROBLEMS,
    summary="Surcharge income (and deposit) account for one payment method",
)
async def put_payment_method_override(
    scope_id: ScopeId,
    body: PaymentMethodOverride,
    tenant_id: TenantId,
    session: SessionDep,
    state: AppStateDep,
) -> SettingsView:
    service = SettingsService(session, tenant_id, state.clock)
    await service.put_override(OverrideScope.PAYMENT_METHOD, scope_id, body)
    return await service.view()


_SCOPE_BY_PATH = {
    "job-types": OverrideScope.JOB_TYPE,
    "supplies": OverrideScope.SUPPLY,
    "payment-methods": OverrideScope.PAYMENT_METHOD,
}


@router.delete(
    "/{scope_path}/{scope_id}",
    status_code=204,
    responses={**_PROBLEMS, 404: {"model": Problem, "description": "No such override"}},
    summary="Remove an override, so the defaults apply again",
)
async def delete_override(
    scope_path: Annotated[str, Path(pattern="^(job-types|supplies|payment-methods)$")],
    scope_id: ScopeId,
    tenant_id: TenantId,
    session: SessionDep,
    state: AppStateDep,
) -> Response:
    scope = _SCOPE_BY_PATH[scope_path]
    if not await SettingsService(session, tenant_id, state.clock).delete_override(scope, scope_id):
        raise ProblemError(404, "Not found", f"No {scope_path} override for {scope_id}.")
    return Response(status_code=204)
