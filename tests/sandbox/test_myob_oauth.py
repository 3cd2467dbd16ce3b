"""MYOB's OAuth as the sandbox serves it: one business per consent named on the redirect,
granular scopes only, expires_in as a string, refresh tokens that rotate, invalid_grant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syncsvc.sandbox.app import Sandbox, SandboxConfig, create_sandbox_app
from tests.sandbox.conftest import START
from tests.sandbox.myob_session import REDIRECT, TOKEN_URL, MyobSession, authorize

AUTHORIZE = "/myob/secure/oauth2/account/authorize"


@pytest.fixture
async def manual() -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    """A sandbox whose consent page waits for the user."""
    app = create_sandbox_app(SandboxConfig(auto_consent=False, clock_scale=0, start=START))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        yield http, app.state.sandbox


def _query(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)


async def test_code_names_the_business_and_the_token_answers_as_myob(myob: MyobSession) -> None:
    store = myob.sandbox.myob.store
    token, query = await authorize(myob.http)
    company_file = store.company_files[query["businessId"][0]]
    assert query["businessName"] == [company_file.name]
    assert query["state"] == ["s1"]
    assert token["expires_in"] == "1200"
    assert token["token_type"] == "bearer"
    assert set(token["scope"].split()) >= {"sme-sales", "sme-contacts-customer"}


async def test_refresh_rotates_and_the_old_refresh_token_is_dead(myob: MyobSession) -> None:
    form = {
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "refresh_token": myob.token["refresh_token"],
        "grant_type": "refresh_token",
    }
    first = await myob.http.post(TOKEN_URL, data=form)
    assert first.status_code == 200, first.text
    renewed = first.json()
    assert renewed["refresh_token"] != myob.token["refresh_token"]
    assert renewed["access_token"] != myob.token["access_token"]
    assert renewed["expires_in"] == "1200"
    again = await myob.http.post(TOKEN_URL, data=form)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # The old access token went with the rotation; the new one works.
    assert (await myob.get("Contact/Customer")).status_code == 401
    myob.token = renewed
    assert (await myob.get("Contact/Customer")).status_code == 200


async def test_code_is_single_use_and_secret_is_checked(myob: MyobSession) -> None:
    redirect = await myob.http.get(
        AUTHORIZE,
        params={
            "client_id": "sandbox-client",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "sme-sales",
            "prompt": "consent",
        },
    )
    code = _query(redirect)["code"][0]
    form = {
        "client_id": "sandbox-client",
        "client_secret": "wrong",
        "redirect_uri": REDIRECT,
        "code": code,
        "grant_type": "authorization_code",
    }
    refused = await myob.http.post(TOKEN_URL, data=form)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    form["client_secret"] = "sandbox-secret"
    assert (await myob.http.post(TOKEN_URL, data=form)).status_code == 200
    replay = await myob.http.post(TOKEN_URL, data=form)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("scope", ["CompanyFile", "sme-sales sme-invoice", "la.global", ""])
async def test_unknown_and_legacy_scopes_are_refused(myob: MyobSession, scope: str) -> None:
    redirect = await myob.http.get(
        AUTHORIZE,
        params={
            "client_id": "sandbox-client",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": scope,
            "state": "s9",
        },
    )
    query = _query(redirect)
    assert query["error"] == ["invalid_scope"]
    assert query["state"] == ["s9"]
    assert "code" not in query


async def test_a_legacy_key_may_still_ask_for_company_file(myob: MyobSession) -> None:
    added = await myob.http.post(
        "/myob/_control/apps",
        json={"client_id": "old-key", "client_secret": "old-secret", "legacy": True},
    )
    assert added.status_code == 201
    token, _ = await authorize(myob.http, "CompanyFile", ("old-key", "old-secret"))
    session = MyobSession(myob.http, myob.sandbox, myob.business_id, token, api_key="old-key")
    assert (await session.get("Sale/Invoice")).status_code == 200


async def test_access_token_lasts_twenty_minutes_on_the_sandbox_clock(myob: MyobSession) -> None:
    assert (await myob.get("Contact/Customer")).status_code == 200
    await myob.http.put("/myob/_control/clock", json={"advance_seconds": 19 * 60 + 59})
    assert (await myob.get("Contact/Customer")).status_code == 200
    await myob.http.put("/myob/_control/clock", json={"advance_seconds": 1})
    expired = await myob.get("Contact/Customer")
    assert expired.status_code == 401
    assert (
        expired.json()["Errors"][0]["Message"] == "The supplied OAuth token (Bearer) is not valid"
    )


async def test_consent_page_lets_the_user_pick_the_essentials_file(
    manual: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    http, sandbox = manual
    store = sandbox.myob.store
    page = await http.get(
        AUTHORIZE + "/",
        params={
            "client_id": "sandbox-client",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "sme-company-file sme-sales",
            "prompt": "consent",
            "state": "s2",
        },
    )
    assert page.status_code == 200
    assert "Essentials" in page.text
    assert f'action="{AUTHORIZE}/consent"' in page.text
    essentials = next(f for f in store.company_files.values() if f.product == "Essentials")
    chosen = await http.post(
        AUTHORIZE + "/consent",
        data={
            "client_id": "sandbox-client",
            "redirect_uri": REDIRECT,
            "state": "s2",
            "scope": "sme-company-file sme-sales",
            "business": essentials.uid,
            "decision": "allow",
        },
    )
    query = _query(chosen)
    assert query["businessId"] == [essentials.uid]
    assert query["state"] == ["s2"]
    denied = await http.post(
        AUTHORIZE + "/consent",
        data={"client_id": "sandbox-client", "redirect_uri": REDIRECT, "decision": "deny"},
    )
    assert _query(denied)["error"] == ["access_denied"]


async def test_redirect_uri_must_match_a_registered_one_exactly(myob: MyobSession) -> None:
    await myob.http.post(
        "/myob/_control/apps",
        json={"client_id": "strict", "client_secret": "s", "redirect_uris": [REDIRECT]},
    )
    page = await myob.http.get(
        AUTHORIZE,
        params={
            "client_id": "strict",
            "redirect_uri": REDIRECT + "/",
            "response_type": "code",
            "scope": "sme-sales",
        },
    )
    assert page.status_code == 400
    assert "redirect_uri" in page.text
