"""A write the database aborts for contention (a deadlock, a serialization failure, SQLite's
"database is locked") is run again whole in a fresh transaction; only when that keeps failing
is the host told 503 with Retry-After, and then nothing was changed."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError, OperationalError

from syncsvc.records.repository import RecordRepository
from syncsvc.unit_of_work import ContentionRetry, is_contention
from tests.factories import customer


def _deadlock() -> OperationalError:
    return OperationalError("INSERT ...", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


def _serialization_failure() -> OperationalError:
    return OperationalError(
        "UPDATE ...", {}, psycopg.errors.SerializationFailure("could not serialize access")
    )


def _sqlite_locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize("error", [_deadlock, _serialization_failure, _sqlite_locked])
def test_contention_is_recognised(error: Callable[[], OperationalError]) -> None:
    assert is_contention(error())


def test_other_database_errors_are_not_contention() -> None:
    unique = psycopg.errors.UniqueViolation("duplicate key")
    assert not is_contention(IntegrityError("INSERT ...", {}, unique))
    assert not is_contention(OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O")))
    assert not is_contention(ValueError("database is locked"))


def test_waits_are_jittered_below_a_doubling_cap() -> None:
    retry = ContentionRetry(first_wait=0.05, longest_wait=0.15, rng=random.Random(7))
    waits = [retry.wait_before(attempt) for attempt in (2, 3, 4, 5)]
    caps = [0.05, 0.1, 0.15, 0.15]
    assert all(0 <= wait <= cap for wait, cap in zip(waits, caps, strict=True))
    assert len(set(waits)) == len(waits)


class Contention:
    """Makes the upsert fail with `error` its first `times` calls, then lets it through;
    the waits the service asked for are recorded instead of slept."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, app: FastAPI, times: int) -> None:
        self.times = times
        self.calls = 0
        self.waits: list[float] = []
        self.error: Callable[[], OperationalError] = _deadlock
        real = RecordRepository.upsert

        async def upsert(repository: RecordRepository, *args: Any) -> Any:
            self.calls += 1
            written = await real(repository, *args)  # the attempt's writes happen ...
            if self.calls <= self.times:
                raise self.error()  # ... and are rolled back with its transaction
            return written

        async def sleep(seconds: float) -> None:
            self.waits.append(seconds)

        monkeypatch.setattr(RecordRepository, "upsert", upsert)
        state = app.state.syncsvc
        state.write_retry = ContentionRetry(attempts=4, rng=random.Random(1), sleep=sleep)


def _batch(*ids: str, version: int = 1) -> dict[str, Any]:
    return {
        "operations": [
            {"kind": "customer", "id": host_id, "data": customer(version=version)}
            for host_id in ids
        ]
    }


async def test_a_batch_that_meets_contention_is_applied_once_on_a_later_attempt(
    api: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    wakeup = app.state.syncsvc.push_wakeup
    poked_before = wakeup.requested
    contention = Contention(monkeypatch, app, times=2)
    answer = await api.post("/v1/batch", json=_batch("c1", "c2"))
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == [202, 202]
    assert contention.calls == 3
    assert len(contention.waits) == 2
    assert wakeup.requested == poked_before + 1  # once, for the attempt that committed
    stored = (await api.get("/v1/customers/c1")).json()
    assert stored["version"] == 1


async def test_a_put_that_keeps_meeting_contention_is_a_503_that_changed_nothing(
    api: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.put("/v1/customers/c9", json=customer(version=1))
    wakeup = app.state.syncsvc.push_wakeup
    poked_before = wakeup.requested
    contention = Contention(monkeypatch, app, times=10)
    contention.error = _sqlite_locked
    answer = await api.put("/v1/customers/c9", json=customer(version=2, name="Changed"))
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["type"] == "/problems/busy"
    assert contention.calls == 4  # every attempt, then no more
    assert wakeup.requested == poked_before
    stored = (await api.get("/v1/customers/c9")).json()
    assert stored["version"] == 1
    assert stored["data"]["name"] == customer()["name"]


async def test_refusals_are_not_retried(
    api: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    contention = Contention(monkeypatch, app, times=0)
    answer = await api.delete("/v1/invoices/never-sent")
    assert answer.status_code == 404
    assert contention.waits == []


async def test_contention_on_a_route_without_retries_is_still_a_503(
    api: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def overview(*_: Any) -> Any:
        raise _deadlock()

    monkeypatch.setattr("syncsvc.records.endpoints.sync_overview", overview)
    answer = await api.get("/v1/sync/status")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
