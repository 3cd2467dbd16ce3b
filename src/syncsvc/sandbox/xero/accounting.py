"""Xero's settings reads under `/api.xro/2.0`: Accounts, TaxRates, TrackingCategories,
Items, Organisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from syncsvc.sandbox.xero.gate import Gate
from syncsvc.sandbox.xero.store import Organisation, XeroStore
from syncsvc.sandbox.xero.traffic import Traffic
from syncsvc.sandbox.xero.xjson import envelope


def _organisation(organisation: Organisation) -> list[dict[str, Any]]:
    return [
        {
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
    ]


# path -> (envelope key, what the organisation holds)
READS: dict[str, tuple[str, Callable[[Organisation], list[dict[str, Any]]]]] = {
    "Accounts": ("Accounts", lambda o: o.accounts),
    "TaxRates": ("TaxRates", lambda o: o.tax_rates),
    "TrackingCategories": ("TrackingCategories", lambda o: o.tracking_categories),
    "Items": ("Items", lambda o: o.items),
    "Organisation": ("Organisations", _organisation),
}


def build_router(store: XeroStore, traffic: Traffic) -> APIRouter:
    router = APIRouter()
    gate = Gate(store, traffic)

    def add_read(path: str, key: str, held: Callable[[Organisation], list[dict[str, Any]]]) -> None:
        async def read(request: Request) -> Response:
            async def handle(_: Request, organisation: Organisation) -> Any:
                return envelope(key, held(organisation), store.clock())

            return await gate.serve(request, f"GET /{path}", handle)

        router.add_api_route(f"/{path}", read, methods=["GET"])

    for path, (key, held) in READS.items():
        add_read(path, key, held)
    return router
