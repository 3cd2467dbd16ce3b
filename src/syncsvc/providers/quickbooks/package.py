"""QuickBooks Online behind the provider protocol: the company a grant names (the callback's
`realmId`, its name from CompanyInfo), its books, its webhooks."""

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
from syncsvc.providers.errors import Rejected
from syncsvc.providers.quickbooks.books import QuickBooksBooks
from syncsvc.providers.quickbooks.client import QuickBooksClient
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.quickbooks.webhooks import notifications


class QuickBooksPackage:
    def __init__(self, facts: ProviderFacts = QUICKBOOKS) -> None:
        self._facts = facts

    @property
    def facts(self) -> ProviderFacts:
        return self._facts

    async def organisations(
        self, http: httpx.AsyncClient, token: TokenSet, callback: Mapping[str, str]
    ) -> list[Organisation]:
        """A grant covers the one company named on the redirect (FACTS.md section 1)."""
        realm_id = str(callback.get("realmId") or "")
        if not realm_id.isdigit() or len(realm_id) > 32:
            raise Rejected("QuickBooks named no company (realmId) on the redirect")
        client = QuickBooksClient(http, self._facts, token, realm_id)
        answer = await client.get(f"companyinfo/{realm_id}")
        info = answer.get("CompanyInfo") or {}
        name = str(info.get("CompanyName") or info.get("LegalName") or realm_id)
        return [Organisation(id=realm_id, name=name[:255])]

    async def disconnect(
        self, http: httpx.AsyncClient, token: TokenSet, organisation: Organisation
    ) -> None:
        """QuickBooks has no per-company connection to delete: revoking the grant's token,
        which the connection service does after this, is what disconnects the app."""
        return

    def open(self, session: ProviderSession) -> Books:
        return QuickBooksBooks(session, self._facts)

    def webhook(
        self, headers: Mapping[str, str], body: bytes, secret: str
    ) -> list[Notification] | None:
        return notifications(headers, body, secret)
