"""Pacing on a fake clock: never over the minute or concurrency limit, headers respected."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from syncsvc.kit.clock import FrozenClock
from syncsvc.providers.base import RateLimits
from syncsvc.providers.pacing import DailyLimitReached, RateBudget

XERO_LIMITS = RateLimits(
    per_minute=60,
    concurrent=5,
    per_day=5000,
    minute_remaining_header="x-minlimit-remaining",
    day_remaining_header="x-daylimit-remaining",
)


def budget(limits: RateLimits = XERO_LIMITS) -> tuple[RateBudget, FrozenClock]:
    clock = FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    async def fake_sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    return RateBudget(limits, clock, fake_sleep), clock


async def test_sixty_calls_a_minute_and_no_more() -> None:
    pacer, clock = budget()
    starts: list[datetime] = []
    for _ in range(150):
        async with pacer.slot():
            starts.append(clock())
    for index in range(60, len(starts)):
        assert starts[index] - starts[index - 60] >= timedelta(minutes=1)
    # 150 calls need two full minutes of waiting, and no more than that.
    assert starts[-1] - starts[0] == timedelta(minutes=2)


async def test_never_more_than_five_in_flight() -> None:
    pacer, _ = budget()
    in_flight = 0
    peak = 0

    async def call() -> None:
        nonlocal in_flight, peak
        async with pacer.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            in_flight -= 1

    await asyncio.gather(*(call() for _ in range(40)))
    assert peak == 5


async def test_headers_tighten_the_budget() -> None:
    pacer, clock = budget()
    pacer.observe({"x-minlimit-remaining": "2"})
    seen = clock()
    for _ in range(2):
        async with pacer.slot():
            pass
    assert clock() == seen
    async with pacer.slot():
        pass
    assert clock() >= seen + timedelta(minutes=1)


async def test_pause_holds_every_call() -> None:
    pacer, clock = budget()
    start = clock()
    pacer.pause_until(start + timedelta(seconds=42))
    async with pacer.slot():
        assert clock() == start + timedelta(seconds=42)


async def test_day_limit_spent_refuses_then_one_call_finds_out_an_hour_later() -> None:
    pacer, clock = budget()
    pacer.observe({"x-daylimit-remaining": "0"})
    with pytest.raises(DailyLimitReached) as refused:
        async with pacer.slot():
            pass
    assert refused.value.resets_at == clock() + timedelta(hours=1)
    clock.advance(minutes=59)
    with pytest.raises(DailyLimitReached):
        async with pacer.slot():
            pass
    clock.advance(minutes=1)
    async with pacer.slot():  # the provider's answer says whether the day has reset
        pass


async def test_headers_do_not_count_calls_the_provider_already_counted() -> None:
    """On a clock that does not move between calls, the calls before an answer share its
    instant; only those started after it come off what the answer says is left."""
    pacer, clock = budget()
    seen = clock()
    for _ in range(30):
        async with pacer.slot():
            pass
    pacer.observe({"x-minlimit-remaining": "30"})
    for _ in range(30):
        async with pacer.slot():
            pass
    assert clock() == seen  # the minute's sixty, without a wait
    async with pacer.slot():
        pass
    assert clock() == seen + timedelta(minutes=1)


QUICKBOOKS_LIMITS = RateLimits(per_minute=500, per_second=10, concurrent=10, batch_per_minute=40)


async def spend(pacer: RateBudget, calls: int, *, batch: bool = False) -> None:
    """Make `calls` calls, one after another, each as soon as the budget lets it."""
    for _ in range(calls):
        async with pacer.slot(batch=batch):
            pass


async def test_the_forty_first_batch_call_in_a_minute_waits() -> None:
    pacer, clock = budget(QUICKBOOKS_LIMITS)
    starts: list[datetime] = []
    for _ in range(81):
        async with pacer.slot(batch=True):
            starts.append(clock())
    for index in range(40, len(starts)):
        assert starts[index] - starts[index - 40] >= timedelta(minutes=1)
    # 40 a minute: the 41st starts a minute after the 1st, the 81st two minutes after.
    assert starts[40] - starts[0] == timedelta(minutes=1)
    assert starts[-1] - starts[0] == timedelta(minutes=2)


async def test_plain_calls_do_not_wait_on_the_batch_window() -> None:
    pacer, clock = budget(QUICKBOOKS_LIMITS)
    started = clock()
    await spend(pacer, 40, batch=True)
    # The batch minute is spent; a query or a single write still goes (10 a second).
    await spend(pacer, 10)
    assert clock() - started < timedelta(seconds=10)
    await spend(pacer, 1, batch=True)
    assert clock() == started + timedelta(minutes=1)


async def test_a_batch_call_counts_against_the_minute_too() -> None:
    limits = RateLimits(per_minute=5, batch_per_minute=40)
    pacer, clock = budget(limits)
    started = clock()
    await spend(pacer, 3, batch=True)
    await spend(pacer, 2)
    assert clock() == started
    await spend(pacer, 1)  # the sixth call of the minute, three of them batches
    assert clock() == started + timedelta(minutes=1)


async def test_without_a_batch_limit_batch_calls_pace_as_plain_ones() -> None:
    pacer, clock = budget()  # Xero's limits name no batch minute
    started = clock()
    await spend(pacer, 60, batch=True)
    assert clock() == started
