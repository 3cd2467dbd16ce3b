"""Xero's settings reads under `/api.xro/2.0`: Accounts, TaxRates, TrackingCategories,
Organisation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from syncsvc.sandbox.xero.gate import Gate
from syncsvc.sandbox.xero.store import Organisation, XeroStore
from syncsvc.sandbox.xero.traffic import Traffic
from syncsvc.sandbox.xero.xjson import envelope


def build_router(store: XeroStore, traffic: Traffic) -> APIRouter:
    router = APIRouter()

    serve = Gate(store, traffic).serve

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
