"""A sandbox in process and a QuickBooks session holding a token for its default company."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syncsvc.sandbox.app import Sandbox, SandboxConfig, create_sandbox_app
from syncsvc.sandbox.quickbooks.company import Company
from tests.sandbox.conftest import BASIC, START

REDIRECT = "http://app.test/callback"
SCOPE = "com.intuit.quickbooks.accounting"
TOKEN_URL = "/quickbooks/oauth/oauth2/v1/tokens/bearer"


@dataclass
class QuickBooksSession:
    http: httpx.AsyncClient
    sandbox: Sandbox
    realm_id: str
    token: dict[str, Any]

    @property
    def base(self) -> str:
        return f"/quickbooks/quickbooks/v3/company/{self.realm_id}"

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token['access_token']}",
            "Accept": "application/json",
        }

    @property
    def company(self) -> Company:
        return self.sandbox.quickbooks.store.companies[self.realm_id]

    def stored(self, entity: str, entity_id: str) -> dict[str, Any]:
        """The entity as the sandbox holds it (it must exist)."""
        found = self.company.get(entity, entity_id)
        assert found is not None, f"no {entity} {entity_id}"
        return found

    async def get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.get(
            f"{self.base}/{path}",
            params={"minorversion": "75", **(params or {})},
            headers=self.headers,
        )

    async def post(
        self, path: str, body: object, params: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"{self.base}/{path}",
            json=body,
            params={"minorversion": "75", **(params or {})},
            headers=self.headers,
        )

    async def query(self, statement: str) -> httpx.Response:
        return await self.http.get(
            f"{self.base}/query", params={"query": statement}, headers=self.headers
        )

    async def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.post(entity.lower(), body)
        assert answer.status_code == 200, answer.text
        created: dict[str, Any] = answer.json()[entity]
        return created

    async def customer(self, name: str = "Harbour Cafe") -> dict[str, Any]:
        return await self.create("Customer", {"DisplayName": name})

    async def invoice(
        self, customer_id: str, number: str = "INV-1", lines: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        return await self.create(
            "Invoice",
            {
                "CustomerRef": {"value": customer_id},
                "DocNumber": number,
                "TxnDate": "2026-11-20",
                "Line": lines or [sales_line("2", "95.00")],
            },
        )

    def control(self, path: str) -> str:
        return f"/quickbooks/_control/{path}"


def sales_line(qty: str, price: str, item: str = "2", tax_code: str = "1") -> dict[str, Any]:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": str(round(float(qty) * float(price), 2)),
        "SalesItemLineDetail": {
            "ItemRef": {"value": item},
            "Qty": qty,
            "UnitPrice": price,
            "TaxCodeRef": {"value": tax_code},
        },
    }


def code_from(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def authorize(http: httpx.AsyncClient, state: str = "s1") -> dict[str, Any]:
    redirect = await http.get(
        "/quickbooks/appcenter/connect/oauth2",
        params={
            "client_id": "sandbox-client",
            "response_type": "code",
            "scope": SCOPE,
            "redirect_uri": REDIRECT,
            "state": state,
        },
    )
    assert redirect.status_code == 302, redirect.text
    query = code_from(redirect.headers["location"])
    assert query["state"] == state
    token = await http.post(
        TOKEN_URL,
        data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT},
        headers={"Authorization": BASIC},
    )
    assert token.status_code == 200, token.text
    return {**token.json(), "realmId": query["realmId"]}


@pytest.fixture
async def qbo() -> AsyncIterator[QuickBooksSession]:
    app = create_sandbox_app(SandboxConfig(auto_consent=True, clock_scale=0, start=START))
    sandbox: Sandbox = app.state.sandbox
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as http:
        token = await authorize(http)
        yield QuickBooksSession(http, sandbox, token["realmId"], token)


__all__ = [
    "BASIC",
    "REDIRECT",
    "SCOPE",
    "START",
    "TOKEN_URL",
    "QuickBooksSession",
    "authorize",
    "code_from",
    "sales_line",
]
