"""A sandbox in process and a MYOB client holding a token for one company file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syncsvc.sandbox.app import Sandbox, SandboxConfig, create_sandbox_app
from syncsvc.sandbox.myob.ledger import Ledger

START_SCOPES = "sme-company-file sme-contacts-customer sme-sales sme-general-ledger sme-inventory"
REDIRECT = "http://app.test/callback"
TOKEN_URL = "/myob/secure/oauth2/v1/authorize"


@dataclass
class MyobSession:
    http: httpx.AsyncClient
    sandbox: Sandbox
    business_id: str
    token: dict[str, Any]
    api_key: str = "sandbox-client"

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token['access_token']}",
            "x-myobapi-key": self.api_key,
            "x-myobapi-version": "v2",
        }

    @property
    def cf(self) -> str:
        return f"/myob/api/accountright/{self.business_id}"

    @property
    def ledger(self) -> Ledger:
        return self.sandbox.myob.store.company_files[self.business_id].ledger

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.get(f"{self.cf}/{path}", params=params, headers=self.headers)

    async def post(self, path: str, body: object, return_body: bool = True) -> httpx.Response:
        params = {"returnBody": "true"} if return_body else None
        return await self.http.post(
            f"{self.cf}/{path}", json=body, params=params, headers=self.headers
        )

    async def put(self, path: str, body: object) -> httpx.Response:
        return await self.http.put(
            f"{self.cf}/{path}", json=body, params={"returnBody": "true"}, headers=self.headers
        )

    async def delete(self, path: str) -> httpx.Response:
        return await self.http.delete(f"{self.cf}/{path}", headers=self.headers)

    def uid(self, table: str, key: str, value: str) -> str:
        records = getattr(self.ledger, table).values()
        return str(next(r["UID"] for r in records if r[key] == value))

    async def customer(self, name: str = "Harbour Cafe") -> dict[str, Any]:
        gst = self.uid("tax_codes", "Code", "GST")
        answer = await self.post(
            "Contact/Customer",
            {
                "CompanyName": name,
                "IsIndividual": False,
                "SellingDetails": {"TaxCode": {"UID": gst}, "FreightTaxCode": {"UID": gst}},
            },
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def invoice(
        self,
        customer_uid: str,
        total: str = "100.00",
        number: str | None = None,
        date: str = "2026-11-20T00:00:00",
        inclusive: bool = False,
    ) -> httpx.Response:
        gst = self.uid("tax_codes", "Code", "GST")
        body: dict[str, Any] = {
            "Date": date,
            "Customer": {"UID": customer_uid},
            "IsTaxInclusive": inclusive,
            "FreightTaxCode": {"UID": gst},
            "Lines": [
                {
                    "Type": "Transaction",
                    "Description": "Labour",
                    "Account": {"UID": self.uid("accounts", "DisplayID", "4-1000")},
                    "TaxCode": {"UID": gst},
                    "Total": float(total),
                }
            ],
        }
        if number is not None:
            body["Number"] = number
        return await self.post("Sale/Invoice/Service", body)


async def authorize(
    http: httpx.AsyncClient,
    scope: str = START_SCOPES,
    client: tuple[str, str] = ("sandbox-client", "sandbox-secret"),
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Consent (auto) and exchange the code: the token answer and the redirect's query."""
    redirect = await http.get(
        "/myob/secure/oauth2/account/authorize",
        params={
            "client_id": client[0],
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": scope,
            "prompt": "consent",
            "state": "s1",
        },
    )
    assert redirect.status_code == 302, redirect.text
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert "code" in query, query
    token = await http.post(
        TOKEN_URL,
        data={
            "client_id": client[0],
            "client_secret": client[1],
            "redirect_uri": REDIRECT,
            "scope": scope,
            "code": query["code"][0],
            "grant_type": "authorization_code",
        },
    )
    assert token.status_code == 200, token.text
    return dict(token.json()), query


async def open_session(http: httpx.AsyncClient, sandbox: Sandbox) -> MyobSession:
    token, query = await authorize(http)
    return MyobSession(http, sandbox, query["businessId"][0], token)


@pytest.fixture
async def myob() -> AsyncIterator[MyobSession]:
    from tests.sandbox.conftest import START

    app = create_sandbox_app(SandboxConfig(auto_consent=True, clock_scale=0, start=START))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        yield await open_session(http, app.state.sandbox)
