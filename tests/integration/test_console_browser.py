"""The console in a real browser: headless Chromium (Debian's `chromium`, driven by
Playwright with no browser download) against the service served on a loopback port, with a
record Xero's sandbox really refused."""

from __future__ import annotations

import asyncio
import os
import random
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright, expect

from syncsvc.db import upgrade_to_head
from syncsvc.push.worker import PushWorker
from tests.conftest import ADMIN_TOKEN, TenantHandle
from tests.factories import customer, invoice
from tests.integration.sandbox_helpers import START, Linked, connected_tenant, linked

CHROMIUM = Path("/usr/bin/chromium")
# CI installs Chromium and sets this, so a missing browser fails there instead of skipping.
REQUIRED = os.environ.get("SYNCSVC_REQUIRE_BROWSER") == "1"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not REQUIRED,
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)

SETTINGS = {
    "payments_account": "090",
    "labour_income_account": "200",
    "materials_income_account": "260",
    "rounding_account": "860",
}


@pytest.fixture
def own_database(fresh_database: Callable[[], str]) -> str:
    """A database of this test's own: the overview lists every tenant, and the one under
    test must be on its first page."""
    url = fresh_database()
    upgrade_to_head(url)
    return url


@pytest.fixture
async def link(own_database: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(own_database, tmp_path, START) as value:
        yield value


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app on a loopback port of its own, in this event loop (its lifespan is already
    running), until the block ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    # Listening before uvicorn starts: the browser's first connection waits in the backlog
    # until the server accepts it, so nothing has to poll for the server to be up.
    listener.listen()
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def refused_invoice(link: Linked) -> TenantHandle:
    """A connected tenant whose invoice Xero refused (an account code it does not have)."""
    tenant = await connected_tenant(link)
    h = tenant.headers
    assert (await link.service.put("/v1/settings", json=SETTINGS, headers=h)).status_code == 200
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    line = {
        "kind": "labour",
        "description": "2h labour",
        "quantity": "2",
        "unit_price": "95.00",
        "account_code": "999",
        "tax_code": "OUTPUT2",
    }
    await link.service.put("/v1/invoices/inv-1", json=invoice(lines=[line], total=None), headers=h)
    state = link.app.state.syncsvc
    worker = PushWorker(state.sessions, state.providers, link.clock, rng=random.Random(1))
    await worker.run_once()
    read = (await link.service.get("/v1/invoices/inv-1", headers=h)).json()
    assert read["sync"]["state"] == "failed"
    return tenant


async def sign_in(page: Page, base: str) -> None:
    await page.goto(f"{base}/console")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Admin token").fill("not the token")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("That is not the admin token. Try again.")
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Tenants")).to_be_visible()


async def test_sign_in_see_the_refusal_retry_and_see_it_pending(link: Linked) -> None:
    tenant = await refused_invoice(link)
    async with served(link.app) as base, chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await sign_in(page, base)

        if os.environ.get("SYNCSVC_CONSOLE_SCREENSHOT"):
            await page.screenshot(
                path=os.environ["SYNCSVC_CONSOLE_SCREENSHOT"] + ".overview.png", full_page=True
            )
        card = page.locator(f"#tenant-{tenant.id}")
        await expect(card.locator("text=Demo Company (NZ)")).to_have_count(1)
        row = card.locator('tr[data-record="invoice/inv-1"]')
        await expect(row).to_contain_text("failed")
        await expect(row.locator("td.message")).to_have_text("Account must be valid.")

        await card.get_by_role("link", name="Acme Plumbing").click()
        await expect(page.get_by_role("heading", name="Acme Plumbing")).to_be_visible()
        row = page.locator('tr[data-record="invoice/inv-1"]')
        await expect(row.locator("td.message")).to_have_text("Account must be valid.")
        if os.environ.get("SYNCSVC_CONSOLE_SCREENSHOT"):
            await page.screenshot(path=os.environ["SYNCSVC_CONSOLE_SCREENSHOT"], full_page=True)
        await row.get_by_role("button", name="Retry").click()

        await expect(page.get_by_role("status")).to_contain_text(
            "Retried: invoice inv-1 is now pending"
        )
        await expect(page.locator('tr[data-record="invoice/inv-1"]')).to_have_count(0)
        queue = page.locator("table.queue tr", has_text="invoice")
        await expect(queue.locator("td").nth(1)).to_have_text("1")  # pending
        await expect(queue.locator("td").nth(3)).to_have_text("0")  # failed
    read = (await link.service.get("/v1/invoices/inv-1", headers=tenant.headers)).json()
    assert read["sync"]["state"] == "pending"


async def test_a_retry_posted_without_its_csrf_token_is_refused(link: Linked) -> None:
    tenant = await refused_invoice(link)
    async with served(link.app) as base, chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, base)
        await page.goto(f"{base}/console/tenants/{tenant.id}")
        form = page.locator('tr[data-record="invoice/inv-1"] form')
        await form.locator('input[name="csrf"]').evaluate("input => input.remove()")
        await form.get_by_role("button", name="Retry").click()
        await expect(page.get_by_role("heading", name="Form refused")).to_be_visible()
        await page.goto(f"{base}/console/tenants/{tenant.id}")
        await expect(page.locator('tr[data-record="invoice/inv-1"]')).to_contain_text("failed")
    read = (await link.service.get("/v1/invoices/inv-1", headers=tenant.headers)).json()
    assert read["sync"]["state"] == "failed"
