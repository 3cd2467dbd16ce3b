"""Intuit's OAuth rules: realmId, state and code on the redirect, one-hour access tokens, a
refresh token whose value changes after a day and dies 100 days unused, invalid_grant for a
superseded token or a reused code, revocation, and the consent page."""

from __future__ import annotations

import httpx

from syncsvc.sandbox.app import SandboxConfig, create_sandbox_app
from tests.sandbox.quickbooks.conftest import (
    BASIC,
    REDIRECT,
    SCOPE,
    START,
    TOKEN_URL,
    QuickBooksSession,
    authorize,
    code_from,
)

DAY = 24 * 3600


async def refresh(session: QuickBooksSession, token: str, auth: str = BASIC) -> httpx.Response:
    return await session.http.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": token},
        headers={"Authorization": auth},
    )


async def test_code_flow_gives_realm_and_hour_long_tokens(qbo: QuickBooksSession) -> None:
    assert qbo.realm_id in qbo.sandbox.quickbooks.store.companies
    assert qbo.token["expires_in"] == 3600
    assert qbo.token["token_type"] == "bearer"
    assert qbo.token["x_refresh_token_expires_in"] == 100 * DAY
    assert (await qbo.get("preferences")).status_code == 200
    qbo.sandbox.config.clock.advance(3600)
    expired = await qbo.get("preferences")
    assert expired.status_code == 401
    assert expired.json()["Fault"]["type"] == "AuthenticationFault"
    assert expired.json()["Fault"]["Error"][0]["code"] == "3200"


async def test_refresh_keeps_its_value_for_a_day_then_rotates(qbo: QuickBooksSession) -> None:
    first = qbo.token["refresh_token"]
    same_day = await refresh(qbo, first)
    assert same_day.status_code == 200
    assert same_day.json()["refresh_token"] == first
    assert same_day.json()["access_token"] != qbo.token["access_token"]
    qbo.sandbox.config.clock.advance(DAY)
    rotated = await refresh(qbo, first)
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first
    superseded = await refresh(qbo, first)
    assert superseded.status_code == 400
    assert superseded.json()["error"] == "invalid_grant"
    assert (await refresh(qbo, second)).status_code == 200


async def test_refresh_token_dies_after_100_idle_days(qbo: QuickBooksSession) -> None:
    qbo.sandbox.config.clock.advance(100 * DAY + 1)
    answer = await refresh(qbo, qbo.token["refresh_token"])
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


async def test_refresh_needs_the_apps_credentials(qbo: QuickBooksSession) -> None:
    wrong = "Basic " + "c2FuZGJveC1jbGllbnQ6bm9wZQ=="  # sandbox-client:nope
    answer = await refresh(qbo, qbo.token["refresh_token"], wrong)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_reused_code_is_invalid_grant_and_revokes_its_tokens() -> None:
    app = create_sandbox_app(SandboxConfig(auto_consent=True, clock_scale=0, start=START))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        redirect = await http.get(
            "/quickbooks/appcenter/connect/oauth2",
            params={
                "client_id": "sandbox-client",
                "response_type": "code",
                "scope": SCOPE,
                "redirect_uri": REDIRECT,
                "state": "s",
            },
        )
        code = code_from(redirect.headers["location"])["code"]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        first = await http.post(TOKEN_URL, data=form, headers={"Authorization": BASIC})
        assert first.status_code == 200
        again = await http.post(TOKEN_URL, data=form, headers={"Authorization": BASIC})
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
        refreshed = await http.post(
            TOKEN_URL,
            data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
            headers={"Authorization": BASIC},
        )
        assert refreshed.json()["error"] == "invalid_grant"


async def test_revocation_disconnects(qbo: QuickBooksSession) -> None:
    revoked = await qbo.http.post(
        "/quickbooks/developer/v2/oauth2/tokens/revoke",
        json={"token": qbo.token["refresh_token"]},
        headers={"Authorization": BASIC},
    )
    assert revoked.status_code == 200
    assert (await qbo.get("preferences")).status_code == 401
    answer = await refresh(qbo, qbo.token["refresh_token"])
    assert answer.json()["error"] == "invalid_grant"


async def test_consent_page_lets_the_user_choose_a_company() -> None:
    app = create_sandbox_app(SandboxConfig(clock_scale=0, start=START))
    store = app.state.sandbox.quickbooks.store
    second = store.add_company("Second Company")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
    ) as http:
        params = {
            "client_id": "sandbox-client",
            "response_type": "code",
            "scope": SCOPE,
            "redirect_uri": REDIRECT,
            "state": "s9",
        }
        page = await http.get("/quickbooks/appcenter/connect/oauth2", params=params)
        assert page.status_code == 200
        assert "Second Company" in page.text
        chosen = await http.post(
            "/quickbooks/appcenter/connect/oauth2/consent",
            data={**params, "realm_id": second.realm_id, "decision": "connect"},
        )
        assert chosen.status_code == 302
        query = code_from(chosen.headers["location"])
        assert (query["realmId"], query["state"]) == (second.realm_id, "s9")
        denied = await http.post(
            "/quickbooks/appcenter/connect/oauth2/consent",
            data={**params, "decision": "cancel"},
        )
        assert code_from(denied.headers["location"]) == {"error": "access_denied", "state": "s9"}
        bad_scope = await http.get(
            "/quickbooks/appcenter/connect/oauth2", params={**params, "scope": "accounting"}
        )
        assert code_from(bad_scope.headers["location"])["error"] == "invalid_scope"


async def test_a_token_reaches_only_its_own_company(qbo: QuickBooksSession) -> None:
    other = qbo.sandbox.quickbooks.store.add_company("Other")
    answer = await qbo.http.get(
        f"/quickbooks/quickbooks/v3/company/{other.realm_id}/preferences", headers=qbo.headers
    )
    assert answer.status_code == 403
    assert answer.json()["Fault"]["type"] == "AuthorizationFault"


async def test_discovery_document_points_at_the_sandbox(qbo: QuickBooksSession) -> None:
    answer = await qbo.http.get("/quickbooks/developer/.well-known/openid_configuration")
    document = answer.json()
    assert document["token_endpoint"] == "http://sandbox.test" + TOKEN_URL
    assert "client_secret_basic" in document["token_endpoint_auth_methods_supported"]


async def test_second_session_uses_sandbox_host_too(qbo: QuickBooksSession) -> None:
    answer = await qbo.http.get(
        f"/quickbooks/sandbox-quickbooks/v3/company/{qbo.realm_id}/companyinfo/{qbo.realm_id}",
        headers=qbo.headers,
    )
    assert answer.status_code == 200
    assert answer.json()["CompanyInfo"]["Country"] == "AU"
    assert (await authorize(qbo.http, "s2"))["realmId"] == qbo.realm_id


async def test_the_api_needs_the_accounting_scope(qbo: QuickBooksSession) -> None:
    redirect = await qbo.http.get(
        "/quickbooks/appcenter/connect/oauth2",
        params={
            "client_id": "sandbox-client",
            "response_type": "code",
            "scope": "openid email",
            "redirect_uri": REDIRECT,
            "state": "s",
        },
    )
    callback = code_from(redirect.headers["location"])
    assert "realmId" not in callback  # only the Accounting and Payments scopes name one
    token = await qbo.http.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": REDIRECT,
        },
        headers={"Authorization": BASIC},
    )
    answer = await qbo.http.get(
        f"{qbo.base}/preferences",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert answer.status_code == 403
