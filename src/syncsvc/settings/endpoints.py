"""Routes for account settings and the three kinds of override."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Path
from fastapi.responses import Response
from pydantic import BaseModel

from syncsvc.connections.service import ConnectionService
from syncsvc.models.enums import OverrideScope
from syncsvc.problems import DecimalJSONRoute, Problem, ProblemError
from syncsvc.records.canonical import HOST_ID_PATTERN
from syncsvc.settings.schemas import (
    JobTypeOverride,
    PaymentMethodOverride,
    SettingsUpdate,
    SettingsView,
    SupplyOverride,
)
from syncsvc.settings.service import SettingsService
from syncsvc.settings.validation import check_against_package
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
    description="Takes what `GET /v1/settings` returns: `overrides` may be sent back as they "
    "are (or left out) and are kept; they change only through their own routes.",
)
async def put_settings(
    body: SettingsUpdate, tenant_id: TenantId, session: SessionDep, state: AppStateDep
) -> SettingsView:
    connections = ConnectionService(session, state.providers)
    await check_against_package(connections, tenant_id, body.model_dump(exclude={"overrides"}))
    return await SettingsService(session, tenant_id, state.clock).replace(body)


def _override_route(
    scope: OverrideScope, body_model: type[BaseModel]
) -> Callable[..., Awaitable[SettingsView]]:
    async def put_override(
        scope_id: ScopeId,
        body: Annotated[body_model, Body()],  # type: ignore[valid-type]
        tenant_id: TenantId,
        session: SessionDep,
        state: AppStateDep,
    ) -> SettingsView:
        document = cast(BaseModel, body)
        connections = ConnectionService(session, state.providers)
        await check_against_package(connections, tenant_id, document.model_dump())
        service = SettingsService(session, tenant_id, state.clock)
        await service.put_override(scope, scope_id, document)
        return await service.view()

    return put_override


for _path, _scope, _model, _summary in (
    ("job-types", OverrideScope.JOB_TYPE, JobTypeOverride, "Income accounts for one job type"),
    ("supplies", OverrideScope.SUPPLY, SupplyOverride, "Income account for one supply item"),
    (
        "payment-methods",
        OverrideScope.PAYMENT_METHOD,
        PaymentMethodOverride,
        "Surcharge income (and deposit) account for one payment method",
    ),
):
    router.add_api_route(
        f"/{_path}/{{scope_id}}",
        _override_route(_scope, _model),
        methods=["PUT"],
        response_model=SettingsView,
        responses=_PROBLEMS,
        summary=_summary,
        operation_id=f"put_{_scope.value}_override",
    )


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
