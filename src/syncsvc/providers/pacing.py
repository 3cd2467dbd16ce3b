"""Pacing calls within a package's published limits, so the provider never has to refuse:
at most `concurrent` calls in flight, `per_minute` in any rolling minute and `per_second` in
any rolling second, tightened by what the provider's remaining-budget headers report. Batch
calls (QuickBooks' `/batch`) also count against `batch_per_minute`, a rolling minute of their
own that plain calls never wait on. A budget is an organisation's, or the whole app's where
the package counts by API key.

Time and sleeping are injected, so tests drive a fake clock and nothing really waits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from syncsvc.kit.clock import Clock
from syncsvc.providers.base import RateLimits

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
DAY_LIMIT_RECHECK = timedelta(hours=1)
Sleep = Callable[[float], Awaitable[None]]


class DailyLimitReached(Exception):
    def __init__(self, resets_at: datetime) -> None:
        super().__init__(f"daily call limit reached; resets at {resets_at.isoformat()}")
        self.resets_at = resets_at


class RateBudget:
    def __init__(self, limits: RateLimits, clock: Clock, sleep: Sleep = asyncio.sleep) -> None:
        self.limits = limits
        self.clock = clock
        self.sleep = sleep
        self._starts: deque[datetime] = deque()
        self._second_starts: deque[datetime] = deque()
        self._batch_starts: deque[datetime] = deque()
        self._in_flight = 0
        self._released = asyncio.Condition()
        # What the provider last said is left: (remaining, when, calls started by then).
        self._minute_remaining: tuple[int, datetime, int] | None = None
        self._started = 0  # calls started, ever: what came after an observation is known
        self._day_remaining: int | None = None
        self._day_seen_at: datetime | None = None
        self._paused_until: datetime | None = None
        self.waited_seconds = 0.0

    def pause_until(self, until: datetime) -> None:
        """After a 429 or a day limit: no call starts before `until`."""
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from an answer's rate-limit headers (those the package's limits name)."""
        minute = _header(headers, self.limits.minute_remaining_header)
        if minute is not None:
            self._minute_remaining = (minute, self.clock(), self._started)
        day = _header(headers, self.limits.day_remaining_header)
        if day is not None:
            self._day_remaining = day
            self._day_seen_at = self.clock()

    def _wait_needed(self, now: datetime, *, batch: bool) -> float:
        """Seconds until a new call (a batch call, with `batch`) may start (0: now)."""
        if self._paused_until is not None and now < self._paused_until:
            return (self._paused_until - now).total_seconds()
        batch_per_minute = self.limits.batch_per_minute
        if batch and batch_per_minute is not None:
            while self._batch_starts and now - self._batch_starts[0] >= MINUTE:
                self._batch_starts.popleft()
            if len(self._batch_starts) >= batch_per_minute:
                return (self._batch_starts[0] + MINUTE - now).total_seconds()
        while self._starts and now - self._starts[0] >= MINUTE:
            self._starts.popleft()
        per_minute = self.limits.per_minute
        if per_minute is not None and len(self._starts) >= per_minute:
            return (self._starts[0] + MINUTE - now).total_seconds()
        while self._second_starts and now - self._second_starts[0] >= SECOND:
            self._second_starts.popleft()
        per_second = self.limits.per_second
        if per_second is not None and len(self._second_starts) >= per_second:
            return max(0.001, (self._second_starts[0] + SECOND - now).total_seconds())
        if self._minute_remaining is not None:
            # Counted by calls, not by time: on a coarse (or emulated) clock the calls
            # the provider already counted can carry the same instant as its answer.
            remaining, seen_at, started_then = self._minute_remaining
            started_since = self._started - started_then
            if remaining - started_since <= 0 and now - seen_at < MINUTE:
                return max(0.001, (seen_at + MINUTE - now).total_seconds())
        return 0.0

    @asynccontextmanager
    async def slot(self, *, batch: bool = False) -> AsyncIterator[None]:
        """Hold one call's place: waits for a concurrency slot and the minute budget (and,
        for a batch call, the batch minute's)."""
        if self._day_remaining is not None and self._day_remaining <= 0:
            # The header does not say when the day resets: wait an hour, then one call
            # finds out (its answer, or its 429's Retry-After, tells the rest).
            assert self._day_seen_at is not None
            retry_at = self._day_seen_at + DAY_LIMIT_RECHECK
            if self.clock() < retry_at:
                raise DailyLimitReached(retry_at)
            self._day_remaining = None
        concurrent = self.limits.concurrent
        async with self._released:
            while concurrent is not None and self._in_flight >= concurrent:
                await self._released.wait()
            self._in_flight += 1
        try:
            while (wait := self._wait_needed(self.clock(), batch=batch)) > 0:
                self.waited_seconds += wait
                await self.sleep(wait)
            started_at = self.clock()
            self._starts.append(started_at)
            if self.limits.per_second is not None:
                self._second_starts.append(started_at)
            if batch and self.limits.batch_per_minute is not None:
                self._batch_starts.append(started_at)
            self._started += 1
            yield
        finally:
            async with self._released:
                self._in_flight -= 1
                self._released.notify()


def _header(headers: Mapping[str, str], name: str | None) -> int | None:
    return None if name is None else _int(headers.get(name))


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
