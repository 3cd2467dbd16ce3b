"""Xero's Accounting API under `/api.xro/2.0`: every call authenticated (bearer token and
`xero-tenant-id` of an organisation the grant covers), counted against the organisation's
limits, answered in Xero's envelope with the rate-limit headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from syncsvc.sandbox.xero.oauth import _bearer, _unauthorised
from syncsvc.sandbox.xero.store import Organisation, XeroStore
from syncsvc.sandbox.xero.traffic import Traffic
from syncsvc.sandbox.xero.xjson import envelope, to_wire

Handler = Callable[[Request, Organisation], Awaitable[Any]]


def build_router(store: XeroStore, traffic: Traffic) -> APIRouter:
    router = APIRouter()

    async def serve(request: Request, route: str, handler: Handler) -> Response:
        grant, reason = store.grant_for_access(_bearer(request))
        if grant is None:
            return _unauthorised(reason)
        tenant_id = request.headers.get("xero-tenant-id", "")
        organisation = store.organisations.get(tenant_id)
        if organisation is None or tenant_id not in grant.connections:
            return JSONResponse(
                {
                    "Type": None,
                    "Title": "Forbidden",
                    "Status": 403,
                    "Detail": "AuthenticationUnsuccessful",
                    "Instance": store.new_id(),
                },
                status_code=403,
            )
        refusal = traffic.admit(tenant_id, route)
        if refusal is not None:
            return JSONResponse(
                refusal.body,
                status_code=refusal.status,
                headers={**refusal.headers, **traffic.headers(tenant_id)},
            )
        try:
            body = await handler(request, organisation)
        finally:
            traffic.release(tenant_id)
        if traffic.lose_answer():
            return JSONResponse({"Title": "Bad Gateway", "Status": 502}, status_code=502)
        if isinstance(body, Response):
            body.headers.update(traffic.headers(tenant_id))
            return body
        return JSONResponse(body, headers=traffic.headers(tenant_id))

    @router.get("/Accounts")
    async def accounts(request: Request) -> Response:
        async def handle(_: Request, organisation: Organisation) -> Any:
            return envelope("Accounts", organisation.accounts, store.clock())

        return await serve(request, "GET /Accounts", handle)

    @router.get("/TaxRates")
    async def tax_rates(request: Request) -> Response:
        async def handle(_: Request, organisation: Organisation) -> Any:
            return envelope("TaxRates", organisation.tax_rates, store.clock())

        return await serve(request, "GET /TaxRates", handle)

    @router.get("/TrackingCategories")
    async def tracking(request: Request) -> Response:
        async def handle(_: Request, organisation: Organisation) -> Any:
            return envelope("TrackingCategories", organisation.tracking_categories, store.clock())

        return await serve(request, "GET /TrackingCategories", handle)

    @router.get("/Organisation")
    async def organisation_route(request: Request) -> Response:
        async def handle(_: Request, organisation: Organisation) -> Any:
            item = {
                "OrganisationID": organisation.tenant_id,
                "Name": organisation.name,
                "LegalName": organisation.name,
                "BaseCurrency": organisation.base_currency,
                "CountryCode": "NZ",
                "OrganisationType": "COMPANY",
                "OrganisationStatus": "ACTIVE",
                "PeriodLockDate": organisation.period_lock_date,
                "CreatedDateUTC": organisation.created_at,
            }
            return envelope("Organisations", [item], store.clock())

        return await serve(request, "GET /Organisation", handle)

    return router


__all__ = ["build_router", "to_wire"]
