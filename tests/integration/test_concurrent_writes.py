"""Concurrent batches and single PUTs of the same records, on a real Postgres pool: none is
answered 5xx, and every record ends at the highest version anyone sent, with its content.

Each batch sends its records in its own shuffled order; without one lock order for every
writer, two such batches deadlock and Postgres kills one of them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TenantHandle
from tests.factories import customer, payment
from tests.integration.sandbox_helpers import START, Linked, connected_tenant, linked

ROUNDS = 20
BATCHES_PER_ROUND = 8
BATCH_SIZE = 500
RECORDS = BATCH_SIZE * 5 // 4  # each batch a different 80% of these: they overlap
PUTS_PER_ROUND = 16
SEED = 20261202

Key = tuple[str, str]


def _body(kind: str, version: int) -> dict[str, Any]:
    if kind == "customer":
        return customer(version=version, name=f"Harbour Cafe v{version}")
    return payment(version=version, payment_method_id=f"m{version}")


def _content_of(kind: str, stored: dict[str, Any]) -> str:
    return str(stored["name"] if kind == "customer" else stored["payment_method_id"])


def _expected_content(kind: str, version: int) -> str:
    return _content_of(kind, _body(kind, version))


@pytest.fixture
def keys() -> list[Key]:
    kinds = ("customer", "payment")
    return [(kinds[n % 2], f"rec-{n:04d}") for n in range(RECORDS)]


async def test_concurrent_batches_and_puts_never_5xx_and_highest_version_wins(
    database_url: str,
    app: FastAPI,
    tenant: TenantHandle,
    keys: list[Key],
    caplog: pytest.LogCaptureFixture,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE: no lock order to get wrong")
    caplog.set_level(logging.INFO, logger="syncsvc.unit_of_work")
    rng = random.Random(SEED)
    # The app's exception handlers answer; nothing is re-raised into the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    sent: dict[Key, int] = {}
    statuses: Counter[int] = Counter()
    paths = {"customer": "customers", "payment": "payments"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://syncsvc.test", headers=tenant.headers, timeout=120
    ) as client:
        for round_number in range(ROUNDS):
            requests: list[Any] = []
            for batch in range(BATCHES_PER_ROUND):
                # Versions rise from round to round; within a round batches overlap and race.
                version = round_number * 100 + batch + 1
                chosen = rng.sample(keys, k=BATCH_SIZE)
                operations = [
                    {"kind": kind, "id": host_id, "data": _body(kind, version)}
                    for kind, host_id in chosen
                ]
                for key in chosen:
                    sent[key] = max(sent.get(key, 0), version)
                requests.append(client.post("/v1/batch", json={"operations": operations}))
            for put in range(PUTS_PER_ROUND):
                kind, host_id = rng.choice(keys)
                version = round_number * 100 + 50 + put
                sent[(kind, host_id)] = max(sent.get((kind, host_id), 0), version)
                requests.append(
                    client.put(f"/v1/{paths[kind]}/{host_id}", json=_body(kind, version))
                )
            answers: list[httpx.Response] = await asyncio.gather(*requests)
            statuses.update(answer.status_code for answer in answers)
            for answer in answers:
                if answer.status_code >= 500:
                    continue
                if answer.request.url.path == "/v1/batch":
                    results = answer.json()["results"]
                    assert {r["status"] for r in results} <= {200, 202, 409}, answer.text
                else:
                    assert answer.status_code in (200, 202, 409), answer.text

        failed = sum(count for status, count in statuses.items() if status >= 500)
        assert failed == 0, f"{failed} of {sum(statuses.values())} answered 5xx: {statuses}"
        # One lock order for every writer: not one deadlock, so not one retry was needed.
        contended = [r.getMessage() for r in caplog.records if "contention" in r.getMessage()]
        assert contended == []
        for kind, host_id in keys:
            stored = (await client.get(f"/v1/{paths[kind]}/{host_id}")).json()
            want = sent[(kind, host_id)]
            assert stored["version"] == want, (kind, host_id)
            assert _content_of(kind, stored["data"]) == _expected_content(kind, want)


WORKER_ROUNDS = 5
WORKER_BATCHES = 4
WORKER_RECORDS = 120


@pytest.fixture
async def pushing(database_url: str, tmp_path: Path) -> AsyncIterator[Linked]:
    async with linked(database_url, tmp_path, START, worker=True) as value:
        yield value


async def test_the_push_worker_and_concurrent_batches_never_deadlock(
    database_url: str, pushing: Linked, caplog: pytest.LogCaptureFixture
) -> None:
    """The worker marks and settles the rows it pushes while batches rewrite them: both lock
    in the one order, so neither waits on the other in a cycle."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers at BEGIN IMMEDIATE: no lock order to get wrong")
    caplog.set_level(logging.INFO, logger="syncsvc.unit_of_work")
    tenant = await connected_tenant(pushing)
    rng = random.Random(SEED)
    ids = [f"cust-{n:04d}" for n in range(WORKER_RECORDS)]
    statuses: Counter[int] = Counter()
    for round_number in range(WORKER_ROUNDS):
        requests = []
        for batch in range(WORKER_BATCHES):
            version = round_number * 10 + batch + 1
            chosen = rng.sample(ids, k=WORKER_RECORDS * 3 // 4)
            operations = [
                {
                    "kind": "customer",
                    "id": host_id,
                    "data": customer(
                        version=version, name=f"{host_id} v{version}", customer_number=host_id
                    ),
                }
                for host_id in chosen
            ]
            requests.append(
                pushing.service.post(
                    "/v1/batch", json={"operations": operations}, headers=tenant.headers
                )
            )
        # Each committed batch wakes the worker, which pushes while the next ones write.
        answers = await asyncio.gather(*requests)
        statuses.update(answer.status_code for answer in answers)
    await asyncio.wait_for(pushing.app.state.syncsvc.push_wakeup.caught_up(), 120)
    assert set(statuses) == {200}, statuses
    assert [r.getMessage() for r in caplog.records if "contention" in r.getMessage()] == []
    overview = (await pushing.service.get("/v1/sync/status", headers=tenant.headers)).json()
    assert overview["records"]["customer"]["synced"] == WORKER_RECORDS, overview
