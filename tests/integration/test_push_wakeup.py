"""An accepted change wakes the push worker at once: no scheduler tick, no explicit run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from syncsvc.db import create_engine, session_factory, transaction
from syncsvc.models import SyncRecord
from syncsvc.push.wakeup import PushWakeup, announce, listen_for_work
from tests.factories import customer
from tests.integration.sandbox_helpers import START, Linked, connected_tenant, linked

# Generous bound on waiting for the event loop to do what it was told; a pass takes ms.
WITHIN_SECONDS = 30


@pytest.fixture
async def link(database_url: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, worker=True) as value:
        yield value


async def caught_up(link: Linked) -> None:
    wakeup: PushWakeup = link.app.state.syncsvc.push_wakeup
    await asyncio.wait_for(wakeup.caught_up(), WITHIN_SECONDS)


async def test_a_put_is_pushed_without_waiting_for_the_scheduler(link: Linked) -> None:
    tenant = await connected_tenant(link)
    h = tenant.headers
    answer = await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    assert answer.status_code == 202
    await caught_up(link)
    read = (await link.service.get("/v1/customers/cust-1", headers=h)).json()
    assert read["sync"]["state"] == "synced"
    [contact] = next(
        iter(link.sandbox.xero.store.organisations.values())
    ).documents.contacts.values()
    assert read["sync"]["provider_id"] == contact["ContactID"]


async def test_a_retry_wakes_the_worker(link: Linked) -> None:
    tenant = await connected_tenant(link)
    h = tenant.headers
    await link.service.put("/v1/customers/cust-1", json=customer(), headers=h)
    await caught_up(link)
    state = link.app.state.syncsvc
    async with transaction(state.sessions) as session:  # as if a refusal had been fixed in Xero
        await session.execute(
            update(SyncRecord)
            .where(SyncRecord.host_id == "cust-1")
            .values(state="failed", pushed_hash=None, last_error="was refused")
        )
    answer = await link.service.post("/v1/customers/cust-1/retry", headers=h)
    assert answer.status_code == 202, answer.text
    await caught_up(link)
    read = (await link.service.get("/v1/customers/cust-1", headers=h)).json()
    assert read["sync"]["state"] == "synced"


async def test_postgres_notify_wakes_other_replicas(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is Postgres's; one SQLite file has one worker")
    wakeup = PushWakeup()
    listener = asyncio.create_task(listen_for_work(database_url, wakeup))
    engine = create_engine(database_url)
    try:
        await asyncio.wait_for(wakeup.wait(), WITHIN_SECONDS)  # the poke on (re)connecting
        async with transaction(session_factory(engine)) as session:
            await announce(session)
            assert wakeup.requested == 1  # not before the commit
        await asyncio.wait_for(wakeup.wait(), WITHIN_SECONDS)
        assert wakeup.requested == 2
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await engine.dispose()
