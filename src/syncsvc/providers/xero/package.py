"""Xero behind the provider protocol: organisations, disconnect, its books, its webhooks."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from syncsvc.providers.base import (
    Books,
    Notification,
    Organisation,
    ProviderFacts,
    ProviderSession,
    TokenSet,
)
from syncsvc.providers.http import send
from syncsvc.providers.xero.books import XeroBooks
from syncsvc.providers.xero.client import error_for
from syncsvc.providers.xero.spec import XERO
from syncsvc.providers.xero.webhooks import notifications


class XeroPackage:
    def __init__(self, facts: ProviderFacts = XERO) -> None:
        self._facts = facts

    @property
    def facts(self) -> ProviderFacts:
        return self._facts

    async def organisations(
        self, http: httpx.AsyncClient, token: TokenSet, callback: Mapping[str, str]
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
                details={"connection_id": str(item["id"])},
            )
            for item in response.json()
            if item.get("tenantType", "ORGANISATION") == "ORGANISATION"
        ]

    async def disconnect(
        self, http: httpx.AsyncClient, token: TokenSet, organisation: Organisation
    ) -> None:
        connection_id = organisation.details.get("connection_id")
        if connection_id is None:
            return
        response = await send(
            http,
            "DELETE",
            f"{self._facts.extra['connections_url']}/{connection_id}",
            headers={"Authorization": f"Bearer {token.access_token}"},
        )
        if response.status_code >= 400 and response.status_code != 404:
            raise error_for(response, uncertain_write=True)

    def open(self, session: ProviderSession) -> Books:
        return XeroBooks(session, self._facts)

    def webhook(
        self, headers: Mapping[str, str], body: bytes, secret: str
    ) -> list[Notification] | None:
        return notifications(headers, body, secret)
