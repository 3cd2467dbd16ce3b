"""The console over HTTP: signing in, the session cookie, CSRF on every form, what the pages
show, and retrying through the same service as the API."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from syncsvc.app import create_app
from syncsvc.config import Settings
from syncsvc.kit.clock import FrozenClock
from syncsvc.models import SyncRecord
from tests.conftest import ADMIN_TOKEN, TenantHandle, create_tenant
from tests.factories import customer, invoice

REFUSAL = "A validation exception occurred: Account code '999' is not valid"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def _sign_in(client: httpx.AsyncClient) -> str:
    """Signs in; returns the CSRF token of the signed-in pages."""
    form = await client.get("/console/login")
    answer = await client.post(
        "/console/login", data={"csrf": _csrf(form.text), "token": ADMIN_TOKEN}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console"
    return _csrf((await client.get("/console")).text)


async def _fail(app: FastAPI, tenant: TenantHandle, host_id: str, state: str = "failed") -> None:
    async with app.state.syncsvc.sessions() as session:
        await session.execute(
            update(SyncRecord)
            .where(SyncRecord.tenant_id == uuid.UUID(tenant.id), SyncRecord.host_id == host_id)
            .values(state=state, attempts=3, last_error=REFUSAL)
        )
        await session.commit()


async def test_pages_need_a_signed_in_session(client: httpx.AsyncClient) -> None:
    answer = await client.get("/console")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login"
    form = await client.get("/console/login")
    assert form.status_code == 200
    assert 'type="password"' in form.text
    set_cookie = form.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    assert "secure" not in set_cookie  # the public URL is http
    assert "max-age=" in set_cookie


async def test_a_wrong_token_shows_the_form_again_with_a_message(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/console/login")
    answer = await client.post("/console/login", data={"csrf": _csrf(form.text), "token": "not-it"})
    assert answer.status_code == 200
    assert "That is not the admin token" in answer.text
    assert (await client.get("/console")).status_code == 303


async def test_repeated_wrong_tokens_pause_sign_in_from_that_address(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    for _ in range(5):
        form = await client.get("/console/login")
        answer = await client.post(
            "/console/login", data={"csrf": _csrf(form.text), "token": "guess"}
        )
        assert answer.status_code == 200
    form = await client.get("/console/login")
    paused = await client.post(
        "/console/login", data={"csrf": _csrf(form.text), "token": ADMIN_TOKEN}
    )
    assert paused.status_code == 429
    assert "Try again in 15 minutes" in paused.text
    assert paused.headers["retry-after"] == "900"
    assert (await client.get("/console")).status_code == 303  # the right token did not count

    clock.advance(minutes=15)  # the oldest failure has left the window
    await _sign_in(client)
    await client.post("/console/logout", data={"csrf": _csrf((await client.get("/console")).text)})
    # A success cleared the address: wrong tokens start counting from nothing again.
    form = await client.get("/console/login")
    again = await client.post("/console/login", data={"csrf": _csrf(form.text), "token": "guess"})
    assert again.status_code == 200


async def test_a_form_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await client.get("/console/login")
    no_token = await client.post("/console/login", data={"token": ADMIN_TOKEN})
    assert no_token.status_code == 403
    assert (await client.get("/console")).status_code == 303  # not signed in

    csrf = await _sign_in(client)
    tenant = await create_tenant(client)
    client.headers.update(tenant.headers)
    await client.put("/v1/invoices/i1", json=invoice())
    await _fail(app, tenant, "i1")
    for data in ({"kind": "invoice", "id": "i1"}, {"kind": "invoice", "id": "i1", "csrf": "x"}):
        refused = await client.post(f"/console/tenants/{tenant.id}/retry", data=data)
        assert refused.status_code == 403
    record = (await client.get("/v1/invoices/i1")).json()
    assert record["sync"]["state"] == "failed"
    assert (await client.post("/console/logout", data={})).status_code == 403
    out = await client.post("/console/logout", data={"csrf": csrf})
    assert out.status_code == 303
    assert (await client.get("/console")).status_code == 303


async def test_a_forged_or_expired_cookie_is_not_a_session(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _sign_in(client)
    value = client.cookies["syncsvc_console"]
    payload, _, signature = value.partition(".")
    client.cookies.set("syncsvc_console", f"{payload}.{'0' * len(signature)}", path="/console")
    assert (await client.get("/console")).status_code == 303
    client.cookies.set("syncsvc_console", value, path="/console")
    assert (await client.get("/console")).status_code == 200
    clock.advance(hours=8, seconds=1)
    assert (await client.get("/console")).status_code == 303


async def test_the_tenant_page_shows_what_failed_and_retry_requeues_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    csrf = await _sign_in(client)
    tenant = await create_tenant(client, "Harbour <b>Plumbing</b>")
    client.headers.update(tenant.headers)
    await client.put("/v1/customers/c1", json=customer())
    await client.put("/v1/invoices/i1", json=invoice())
    await _fail(app, tenant, "i1")
    await _fail(app, tenant, "c1", "blocked")

    page = (await client.get(f"/console/tenants/{tenant.id}")).text
    assert "Harbour &lt;b&gt;Plumbing&lt;/b&gt;" in page  # escaped, not markup
    assert "Account code &#39;999&#39; is not valid" in page
    assert "Failed and blocked (2)" in page
    assert "No accounting package connected." in page

    wakeup = app.state.syncsvc.push_wakeup
    poked = wakeup.requested
    answer = await client.post(
        f"/console/tenants/{tenant.id}/retry",
        data={"csrf": csrf, "kind": "invoice", "id": "i1", "back": "tenant"},
    )
    assert answer.status_code == 303
    assert wakeup.requested == poked + 1  # woken as the API's retry wakes it
    after = (await client.get(answer.headers["location"])).text
    assert "Retried: invoice i1 is now pending" in after
    assert (await client.get("/v1/invoices/i1")).json()["sync"]["state"] == "pending"
    assert "Failed and blocked (1)" in after

    answer = await client.post(
        f"/console/tenants/{tenant.id}/retry-all", data={"csrf": csrf, "back": "overview"}
    )
    assert answer.headers["location"].startswith("/console?")
    overview = (await client.get(answer.headers["location"])).text
    assert "Retried 1 record:" in overview
    assert (await client.get("/v1/customers/c1")).json()["sync"]["state"] == "pending"

    again = await client.post(
        f"/console/tenants/{tenant.id}/retry",
        data={"csrf": csrf, "kind": "invoice", "id": "i1", "back": "tenant"},
    )
    settled = (await client.get(again.headers["location"])).text
    assert "no longer failed or blocked" in settled


async def test_unknown_tenants_and_reports_are_404_pages(client: httpx.AsyncClient) -> None:
    await _sign_in(client)
    assert (await client.get("/console/tenants/nope")).status_code == 404
    missing = await client.get(f"/console/tenants/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "There is no such tenant." in missing.text
    tenant = await create_tenant(client)
    sheet = await client.get(f"/console/tenants/{tenant.id}/reconciliations/{uuid.uuid4()}.csv")
    assert sheet.status_code == 404


async def test_without_an_admin_token_the_console_says_how_to_set_one(
    settings: Settings, clock: FrozenClock
) -> None:
    unset = replace(settings, security=settings.security.model_copy(update={"admin_token": None}))
    application = create_app(unset, clock=clock, migrate=False)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://syncsvc.test"
        ) as client,
    ):
        page = await client.get("/console/login")
        assert page.status_code == 200
        assert "SYNCSVC_ADMIN_TOKEN" in page.text
        assert "The console is off" in page.text
        assert (await client.get("/console")).status_code == 303
        answer = await client.post("/console/login", data={"token": ""})
        assert answer.status_code == 200
        assert "The console is off" in answer.text


async def test_console_pages_are_not_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith("/console")]


async def test_the_cookie_is_secure_when_the_public_url_is_https(
    settings: Settings, clock: FrozenClock
) -> None:
    https = replace(
        settings, api=settings.api.model_copy(update={"public_url": "https://sync.example"})
    )
    application = create_app(https, clock=clock, migrate=False)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="https://sync.example"
        ) as client,
    ):
        form = await client.get("/console/login")
        assert "; secure" in form.headers["set-cookie"].lower()
        answer = await client.post(
            "/console/login", data={"csrf": _csrf(form.text), "token": ADMIN_TOKEN}
        )
        assert "; secure" in answer.headers["set-cookie"].lower()
