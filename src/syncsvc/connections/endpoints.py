"""Routes for the accounting connection: consent, callback, organisation, lookups."""

from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.schemas import (
    AuthorizeAnswer,
    CallbackAnswer,
    ConnectionView,
    LookupAnswer,
    OrganisationChoice,
)
from syncsvc.connections.service import ConnectionService
from syncsvc.problems import DecimalJSONRoute, Problem, ProblemError
from syncsvc.providers.base import LookupKind
from syncsvc.state import AppStateDep, SessionDep
from syncsvc.tenants.auth import TenantId

router = APIRouter(tags=["connection"], route_class=DecimalJSONRoute)

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or wrong API key"},
    409: {"model": Problem, "description": "Not connected, or the provider is not configured"},
    422: {"model": Problem, "description": "Invalid input"},
}


def get_hub(state: AppStateDep) -> ProviderHub:
    return state.providers


HubDep = Annotated[ProviderHub, Depends(get_hub)]


def _valid_return_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ProblemError(
            422,
            "Request is not valid",
            "return_url must be an absolute http(s) URL.",
            slug="validation",
        )
    return value


@router.get(
    "/v1/connection/authorize",
    response_model=AuthorizeAnswer,
    responses=_PROBLEMS,
    summary="The consent URL to send the user to (state bound to this tenant, PKCE)",
)
async def get_authorize(
    tenant_id: TenantId,
    session: SessionDep,
    hub: HubDep,
    provider: Annotated[str, Query(description="`xero`")],
    return_url: Annotated[
        str | None,
        Query(description="Where the user's browser goes after the callback, with `status`."),
    ] = None,
) -> AuthorizeAnswer:
    return await ConnectionService(session, hub).start(
        tenant_id, provider, _valid_return_url(return_url)
    )


@router.get(
    "/v1/oauth/{provider}/callback",
    response_model=CallbackAnswer,
    responses={400: {"model": Problem}, 303: {"description": "Back to the host's return_url"}},
    summary="The provider's redirect target after consent (no API key: the state names the tenant)",
)
async def get_callback(
    request: Request,
    provider: Annotated[str, Path()],
    session: SessionDep,
    hub: HubDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """`code`, `state` and `error` are OAuth's; every other parameter the provider adds (its
    organisation's id and name) is passed on to it."""
    callback = dict(request.query_params)
    result = await ConnectionService(session, hub).complete(provider, callback)
    if result.return_url:
        query = urlencode({"status": result.answer.status, "provider": provider})
        separator = "&" if "?" in result.return_url else "?"
        return RedirectResponse(f"{result.return_url}{separator}{query}", status_code=303)
    return JSONResponse(result.answer.model_dump(mode="json"))


@router.get(
    "/v1/connection",
    response_model=ConnectionView,
    responses=_PROBLEMS,
    summary="The tenant's accounting connection and its state",
)
async def get_connection(tenant_id: TenantId, session: SessionDep, hub: HubDep) -> ConnectionView:
    return await ConnectionService(session, hub).view(tenant_id)


@router.get(
    "/v1/connection/organisations",
    response_model=ConnectionView,
    responses=_PROBLEMS,
    summary="The organisations the consent covers, when there is a choice to make",
)
async def get_organisations(
    tenant_id: TenantId, session: SessionDep, hub: HubDep
) -> ConnectionView:
    return await ConnectionService(session, hub).view(tenant_id)


@router.put(
    "/v1/connection/organisation",
    response_model=ConnectionView,
    responses=_PROBLEMS,
    summary="Choose which organisation of the consent to sync with",
)
async def put_organisation(
    body: OrganisationChoice, tenant_id: TenantId, session: SessionDep, hub: HubDep
) -> ConnectionView:
    return await ConnectionService(session, hub).choose(tenant_id, body.organisation_id)


@router.delete(
    "/v1/connection",
    status_code=204,
    responses={**_PROBLEMS, 404: {"model": Problem, "description": "Nothing connected"}},
    summary="Disconnect: remove the app's access at the provider and forget the tokens",
)
async def delete_connection(tenant_id: TenantId, session: SessionDep, hub: HubDep) -> Response:
    await ConnectionService(session, hub).disconnect(tenant_id)
    return Response(status_code=204)


@router.get(
    "/v1/lookups/{kind}",
    response_model=LookupAnswer,
    responses={**_PROBLEMS, 404: {"model": Problem}, 502: {"model": Problem}},
    summary="Accounts, tax rates, tracking categories, payment methods or custom fields, "
    "from the provider",
)
async def get_lookups(
    kind: LookupKind, tenant_id: TenantId, session: SessionDep, hub: HubDep
) -> LookupAnswer:
    return await ConnectionService(session, hub).lookups(tenant_id, kind)
