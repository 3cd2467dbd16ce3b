"""Connecting to Xero over HTTP against the sandbox: consent, callback, organisations,
lookups, tokens that refresh once and never leak, re-authorisation, disconnect."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text

from syncsvc.connections.tasks import refresh_idle_tokens
from syncsvc.connections.token_store import TokenStore
from syncsvc.models import Connection
from syncsvc.providers.errors import NeedsReauth
from tests.conftest import create_tenant
from tests.integration.sandbox_helpers import Linked, connected_tenant, consent

MINUTES = 60.0
DAYS = 86400.0


async def test_consent_connects_and_lookups_come_from_xero(link: Linked) -> None:
    tenant = await create_tenant(link.service)
    before = (await link.service.get("/v1/connection", headers=tenant.headers)).json()
    assert before["status"] == "not_connected"

    authorize = await link.service.get(
        "/v1/connection/authorize", params={"provider": "xero"}, headers=tenant.headers
    )
    query = parse_qs(urlsplit(authorize.json()["authorize_url"]).query)
    assert authorize.json()["authorize_url"].startswith("http://sandbox.test/xero/login/")
    assert query["code_challenge_method"] == ["S256"]
    assert "offline_access" in query["scope"][0].split()
    assert query["redirect_uri"] == ["http://syncsvc.test/v1/oauth/xero/callback"]

    answer = await consent(link, tenant)
    assert answer.status_code == 200, answer.text
    assert answer.json()["organisation"]["name"] == "Demo Company (NZ)"

    view = (await link.service.get("/v1/connection", headers=tenant.headers)).json()
    assert view["status"] == "active"
    assert view["provider"] == "xero"

    accounts = await link.service.get("/v1/lookups/accounts", headers=tenant.headers)
    assert accounts.status_code == 200, accounts.text
    codes = {item["code"]: item for item in accounts.json()["items"]}
    assert {"090", "200", "260", "860"} <= set(codes)
    assert codes["090"]["kind"] == "BANK"
    assert codes["280"]["status"] == "ARCHIVED"
    rates = (await link.service.get("/v1/lookups/tax-rates", headers=tenant.headers)).json()
    assert "OUTPUT2" in {item["code"] for item in rates["items"]}
    tracking = await link.service.get("/v1/lookups/tracking-categories", headers=tenant.headers)
    assert {item["name"] for item in tracking.json()["items"]} == {"Region", "Department"}
    methods = await link.service.get("/v1/lookups/payment-methods", headers=tenant.headers)
    assert methods.status_code == 404

    # Cached: asking again costs Xero nothing.
    served = link.sandbox.xero.traffic.requests
    await link.service.get("/v1/lookups/accounts", headers=tenant.headers)
    assert link.sandbox.xero.traffic.requests == served


async def test_a_consent_link_is_single_use_and_expires(link: Linked) -> None:
    tenant = await create_tenant(link.service)
    authorize = await link.service.get(
        "/v1/connection/authorize", params={"provider": "xero"}, headers=tenant.headers
    )
    redirect = await link.browser.get(authorize.json()["authorize_url"])
    callback = urlsplit(redirect.headers["location"])
    first = await link.service.get(f"{callback.path}?{callback.query}")
    assert first.status_code == 200
    replay = await link.service.get(f"{callback.path}?{callback.query}")
    assert replay.status_code == 400
    assert replay.headers["content-type"] == "application/problem+json"

    authorize = await link.service.get(
        "/v1/connection/authorize", params={"provider": "xero"}, headers=tenant.headers
    )
    redirect = await link.browser.get(authorize.json()["authorize_url"])
    link.advance(16 * MINUTES)
    late = urlsplit(redirect.headers["location"])
    assert (await link.service.get(f"{late.path}?{late.query}")).status_code == 400
    forged = await link.service.get("/v1/oauth/xero/callback?code=x&state=forged")
    assert forged.status_code == 400


async def test_refused_consent_and_unknown_provider(link: Linked) -> None:
    tenant = await create_tenant(link.service)
    authorize = await link.service.get(
        "/v1/connection/authorize", params={"provider": "xero"}, headers=tenant.headers
    )
    state = parse_qs(urlsplit(authorize.json()["authorize_url"]).query)["state"][0]
    denied = await link.service.get(
        "/v1/oauth/xero/callback", params={"error": "access_denied", "state": state}
    )
    assert denied.status_code == 400
    assert "access_denied" in denied.json()["detail"]
    unknown = await link.service.get(
        "/v1/connection/authorize", params={"provider": "sage"}, headers=tenant.headers
    )
    assert unknown.status_code == 422


async def test_several_organisations_are_never_chosen_silently(link: Linked) -> None:
    second = await link.browser.post("/xero/_control/organisations", json={"name": "Second Co"})
    assert second.status_code == 201
    tenant = await create_tenant(link.service)
    answer = await consent(link, tenant)
    assert answer.json()["status"] == "choosing_organisation"
    assert answer.json()["organisation"] is None
    choices = await link.service.get("/v1/connection/organisations", headers=tenant.headers)
    names = {o["name"] for o in choices.json()["organisations_to_choose"]}
    assert names == {"Demo Company (NZ)", "Second Co"}
    # Nothing is synced or looked up until the user picks one.
    assert (
        await link.service.get("/v1/lookups/accounts", headers=tenant.headers)
    ).status_code == 409
    wrong = await link.service.put(
        "/v1/connection/organisation", json={"organisation_id": "nope"}, headers=tenant.headers
    )
    assert wrong.status_code == 422
    chosen = await link.service.put(
        "/v1/connection/organisation",
        json={"organisation_id": second.json()["tenant_id"]},
        headers=tenant.headers,
    )
    assert chosen.status_code == 200
    assert chosen.json()["status"] == "active"
    assert chosen.json()["organisation"]["name"] == "Second Co"
    accounts = await link.service.get("/v1/lookups/accounts", headers=tenant.headers)
    assert accounts.status_code == 200


async def test_no_token_is_stored_in_plaintext(link: Linked) -> None:
    tenant = await connected_tenant(link)
    tokens = list(link.sandbox.xero.store.refresh_tokens.values())
    secrets = {tokens[0].token_set.access_token, tokens[0].token_set.refresh_token}
    async with link.app.state.syncsvc.sessions() as session:
        row = (
            await session.execute(
                select(Connection).where(Connection.tenant_id == uuid.UUID(tenant.id))
            )
        ).scalar_one()
        stored = row.token_ciphertext or b""
        dump = " ".join(
            str(value) for value in (await session.execute(text("SELECT * FROM connections"))).all()
        )
    assert stored
    for secret in secrets:
        assert secret.encode() not in stored
        assert secret not in dump


def _stores(link: Linked, count: int) -> list[TokenStore]:
    """Token stores as separate processes would have: no shared in-process lock."""
    hub = link.app.state.syncsvc.providers
    return [
        TokenStore(hub.tokens.sessions, hub.tokens.cipher, hub.oauth_for, link.clock)
        for _ in range(count)
    ]


async def test_concurrent_callers_with_an_expired_token_refresh_once(link: Linked) -> None:
    tenant = await connected_tenant(link)
    tenant_id = uuid.UUID(tenant.id)
    link.advance(31 * MINUTES)
    stores = _stores(link, 8)
    tokens = await asyncio.gather(*(store.active(tenant_id) for store in stores))
    assert link.sandbox.xero.store.refresh_requests == 1
    assert len({t.token.access_token for t in tokens}) == 1
    assert sum(store.refreshes for store in stores) == 1
    # And the refreshed token works at Xero.
    accounts = await link.service.get("/v1/lookups/accounts", headers=tenant.headers)
    assert accounts.status_code == 200


async def test_a_lost_refresh_answer_recovers_within_the_grace_period(link: Linked) -> None:
    tenant = await connected_tenant(link)
    await link.browser.put("/xero/_control/faults", json={"token_lost_answers": 1})
    link.advance(31 * MINUTES)
    token = await link.app.state.syncsvc.providers.tokens.active(uuid.UUID(tenant.id))
    assert token.token.access_token
    assert link.sandbox.xero.store.refreshes_served == 1
    view = (await link.service.get("/v1/connection", headers=tenant.headers)).json()
    assert view["status"] == "active"
    accounts = await link.service.get("/v1/lookups/accounts", headers=tenant.headers)
    assert accounts.status_code == 200


async def test_a_revoked_grant_ends_in_needs_reauth_with_an_event(link: Linked) -> None:
    tenant = await connected_tenant(link)
    store = link.sandbox.xero.store
    client = store.clients["sandbox-client"]
    for refresh in list(store.refresh_tokens):
        store.revoke(client, refresh)
    link.advance(31 * MINUTES)
    with pytest.raises(NeedsReauth):
        await link.app.state.syncsvc.providers.tokens.active(uuid.UUID(tenant.id))
    view = (await link.service.get("/v1/connection", headers=tenant.headers)).json()
    assert view["status"] == "needs_reauth"
    assert "invalid_grant" in view["status_reason"]
    events = (await link.service.get("/v1/events", headers=tenant.headers)).json()["events"]
    assert [e["type"] for e in events] == ["connection.needs_reauth"]
    lookups = await link.service.get("/v1/lookups/accounts", headers=tenant.headers)
    assert lookups.status_code == 409
    # Connecting again mends it.
    again = await consent(link, tenant)
    assert again.json()["status"] == "active"


async def test_idle_tokens_are_kept_alive_by_the_schedule(link: Linked) -> None:
    tenant = await connected_tenant(link)
    hub = link.app.state.syncsvc.providers
    link.advance(31 * DAYS)
    served = link.sandbox.xero.store.refreshes_served
    await refresh_idle_tokens(hub)
    assert link.sandbox.xero.store.refreshes_served == served + 1
    await refresh_idle_tokens(hub)  # just refreshed: nothing to do
    assert link.sandbox.xero.store.refreshes_served == served + 1
    link.advance(45 * DAYS)  # 76 days after consent, 45 after the last refresh
    token = await hub.tokens.active(uuid.UUID(tenant.id))
    assert token.token.access_token


async def test_a_token_idle_for_sixty_days_dies(link: Linked) -> None:
    tenant = await connected_tenant(link)
    link.advance(61 * DAYS)
    with pytest.raises(NeedsReauth):
        await link.app.state.syncsvc.providers.tokens.active(uuid.UUID(tenant.id))


async def test_disconnect_revokes_at_xero_and_forgets(link: Linked) -> None:
    tenant = await connected_tenant(link)
    answer = await link.service.delete("/v1/connection", headers=tenant.headers)
    assert answer.status_code == 204
    assert all(grant.revoked for grant in link.sandbox.xero.store.grants.values())
    view = (await link.service.get("/v1/connection", headers=tenant.headers)).json()
    assert view["status"] == "not_connected"
    assert (await link.service.delete("/v1/connection", headers=tenant.headers)).status_code == 404


async def test_another_tenant_cannot_see_the_connection(link: Linked) -> None:
    await connected_tenant(link)
    other = await create_tenant(link.service, "Other")
    view = (await link.service.get("/v1/connection", headers=other.headers)).json()
    assert view["status"] == "not_connected"
    assert (
        await link.service.get("/v1/lookups/accounts", headers=other.headers)
    ).status_code == 409


async def test_settings_are_checked_against_the_chart_of_accounts(link: Linked) -> None:
    tenant = await connected_tenant(link)
    refused = await link.service.put(
        "/v1/settings",
        json={
            "payments_account": "200",  # sales: cannot take deposits
            "labour_income_account": "999",  # does not exist
            "materials_income_account": "280",  # archived
            "default_income_account": "260",
            "rounding_account": "860",
        },
        headers=tenant.headers,
    )
    assert refused.status_code == 422
    errors = {e["field"]: e["code"] for e in refused.json()["errors"]}
    assert errors == {
        "payments_account": "account_unsuitable",
        "labour_income_account": "account_missing",
        "materials_income_account": "account_archived",
    }
    kept = (await link.service.get("/v1/settings", headers=tenant.headers)).json()
    assert kept["payments_account"] is None
    good = await link.service.put(
        "/v1/settings",
        json={"payments_account": "090", "labour_income_account": "200", "rounding_account": "860"},
        headers=tenant.headers,
    )
    assert good.status_code == 200
    override = await link.service.put(
        "/v1/settings/supplies/valve", json={"income_account": "090"}, headers=tenant.headers
    )
    assert override.status_code == 422
    assert override.json()["errors"][0]["field"] == "income_account"
    assert "cannot take income postings" in override.json()["errors"][0]["message"]


async def test_another_packages_tax_codes_are_not_judged_by_xero(link: Linked) -> None:
    # QuickBooks TaxCode ids mean nothing to Xero, and Xero never uses them.
    tenant = await connected_tenant(link)
    answer = await link.service.put(
        "/v1/settings",
        json={"quickbooks": {"tax_codes": {"GST": "7"}}},
        headers=tenant.headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["quickbooks"]["tax_codes"] == {"GST": "7"}


async def test_tax_codes_are_checked_against_the_organisations_tax_rates(link: Linked) -> None:
    (organisation,) = link.sandbox.xero.store.organisations.values()
    for rate in organisation.tax_rates:
        if rate["TaxType"] == "ZERORATED":
            rate["Status"] = "ARCHIVED"
    tenant = await connected_tenant(link)
    refused = await link.service.put(
        "/v1/settings",
        json={
            "labour_income_account": "999",
            "xero": {"tax_types": {"GST": "OUTPUT2", "ZERO": "ZERORATED", "EX": "NOPE"}},
        },
        headers=tenant.headers,
    )
    assert refused.status_code == 422
    errors = {e["field"]: e for e in refused.json()["errors"]}
    assert {field: e["code"] for field, e in errors.items()} == {
        "labour_income_account": "account_missing",
        "xero.tax_types.ZERO": "tax_type_archived",
        "xero.tax_types.EX": "tax_type_missing",
    }
    assert "NOPE" in errors["xero.tax_types.EX"]["message"]
    assert "ZERORATED" in errors["xero.tax_types.ZERO"]["message"]
    kept = (await link.service.get("/v1/settings", headers=tenant.headers)).json()
    assert kept["xero"]["tax_types"] == {}

    good = await link.service.put(
        "/v1/settings",
        json={"xero": {"tax_types": {"GST": "OUTPUT2", "EX": "EXEMPTOUTPUT"}}},
        headers=tenant.headers,
    )
    assert good.status_code == 200, good.text
    assert good.json()["xero"]["tax_types"] == {"GST": "OUTPUT2", "EX": "EXEMPTOUTPUT"}
