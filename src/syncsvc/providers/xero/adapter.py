"""Xero behind the provider protocol: organisations, disconnect, lookups."""

from __future__ import annotations

from typing import Any

import httpx

from syncsvc.providers.base import (
    LookupItem,
    LookupKind,
    Organisation,
    ProviderFacts,
    TokenSet,
)
from syncsvc.providers.http import send
from syncsvc.providers.xero.client import XeroClient, error_for
from syncsvc.providers.xero.spec import XERO


class XeroAdapter:
    def __init__(self, facts: ProviderFacts = XERO) -> None:
        self._facts = facts

    @property
    def facts(self) -> ProviderFacts:
        return self._facts

    async def organisations(
        self, http: httpx.AsyncClient, token: TokenSet, callback_params: dict[str, str]
    ) -> list[Organisation]:
        response = await send(
            http,
            "GET",
            str(self._facts.extra["connections_url"]),
            headers={"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"},
        )
        if response.status_code >= 400:
            raise error_for(response, uncertain_write=False)
        return [
            Organisation(
                id=str(item["tenantId"]),
                name=str(item.get("tenantName") or item["tenantId"]),
                connection_id=str(item["id"]),
                kind=item.get("tenantType"),
            )
            for item in response.json()
            if item.get("tenantType", "ORGANISATION") == "ORGANISATION"
        ]

    async def disconnect(
        self, http: httpx.AsyncClient, token: TokenSet, organisation: Organisation
    ) -> None:
        if organisation.connection_id is None:
            return
        response = await send(
            http,
            "DELETE",
            f"{self._facts.extra['connections_url']}/{organisation.connection_id}",
            headers={"Authorization": f"Bearer {token.access_token}"},
        )
        if response.status_code >= 400 and response.status_code != 404:
            raise error_for(response, uncertain_write=True)

    async def lookups(
        self, http: httpx.AsyncClient, token: TokenSet, organisation_id: str, kind: LookupKind
    ) -> list[LookupItem]:
        client = XeroClient(http, self._facts, token, organisation_id)
        if kind is LookupKind.ACCOUNTS:
            body = await client.get("Accounts")
            return [_account(item) for item in body.get("Accounts", [])]
        if kind is LookupKind.TAX_RATES:
            body = await client.get("TaxRates")
            return [_tax_rate(item) for item in body.get("TaxRates", [])]
        if kind is LookupKind.TRACKING_CATEGORIES:
            body = await client.get("TrackingCategories")
            return [_tracking_category(item) for item in body.get("TrackingCategories", [])]
        return []


def _account(item: dict[str, Any]) -> LookupItem:
    return LookupItem(
        code=str(item.get("Code") or item.get("AccountID")),
        name=str(item.get("Name", "")),
        kind=item.get("Type"),
        status=item.get("Status"),
        details={
            "account_id": item.get("AccountID"),
            "class": item.get("Class"),
            "tax_type": item.get("TaxType"),
            "enable_payments": bool(item.get("EnablePaymentsToAccount")),
        },
    )


def _tax_rate(item: dict[str, Any]) -> LookupItem:
    return LookupItem(
        code=str(item.get("TaxType")),
        name=str(item.get("Name", "")),
        status=item.get("Status"),
        details={
            "rate": str(item.get("EffectiveRate", item.get("DisplayTaxRate", ""))),
            "can_apply_to_revenue": item.get("CanApplyToRevenue"),
        },
    )


def _tracking_category(item: dict[str, Any]) -> LookupItem:
    return LookupItem(
        code=str(item.get("TrackingCategoryID")),
        name=str(item.get("Name", "")),
        status=item.get("Status"),
        details={
            "options": [
                {"id": o.get("TrackingOptionID"), "name": o.get("Name"), "status": o.get("Status")}
                for o in item.get("Options", [])
            ]
        },
    )
