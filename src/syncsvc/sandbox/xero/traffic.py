"""What happens to a call before and after it is served: Xero's rate limits with their
headers, injected faults, and the counts the control surface reports."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syncsvc.sandbox.clock import ScaledClock

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass
class Limits:
    enabled: bool = True
    per_minute: int = 60
    per_day: int = 5000
    concurrent: int = 5
    app_per_minute: int = 10_000


@dataclass
class Faults:
    """Faults are drawn from a seeded generator, so a run with the same seed fails alike."""

    error_rate: float = 0.0  # 5xx before the call is applied
    lost_rate: float = 0.0  # applied, then answered 5xx: the caller cannot know
    burst_429: int = 0  # the next N calls are refused with 429
    latency_seconds: float = 0.0  # emulated: moves the sandbox clock, never sleeps
    token_lost_answers: int = 0  # the next N token refreshes are applied, then lost
    lose_next: list[str] = field(default_factory=list)  # routes: the next answer lost, once
    # Routes whose next answer is held, once each, after the call was applied, until the
    # control surface releases it: the moment to kill a caller that cannot know the outcome.
    hold_next: list[str] = field(default_factory=list)
    seed: int = 0
    # Seeded on purpose: a fault run must repeat exactly.
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311

    def configure(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key != "rng" and hasattr(self, key):
                setattr(self, key, value)
        self.rng = random.Random(self.seed)  # noqa: S311


@dataclass
class Refusal:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


class Traffic:
    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        self.limits = Limits()
        self.faults = Faults()
        self._minute: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._day: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._app_minute: deque[datetime] = deque()
        self._in_flight: Counter[str] = Counter()
        self.requests = 0
        self.throttled = 0
        self.failed = 0  # 5xx before the call was applied
        self.lost_by_route: Counter[str] = Counter()  # applied, then the answer lost
        self.held = 0  # answers waiting for a release
        self._release = asyncio.Event()
        self.by_route: Counter[str] = Counter()

    @staticmethod
    def _trim(window: deque[datetime], now: datetime, span: timedelta) -> None:
        while window and now - window[0] >= span:
            window.popleft()

    def admit(self, tenant_id: str, route: str) -> Refusal | None:
        """Count the call against its organisation; a refusal is Xero's 429 (or a fault)."""
        self.requests += 1
        self.by_route[route] += 1
        if self.faults.latency_seconds:
            self.clock.advance(self.faults.latency_seconds)
        now = self.clock()
        if self.faults.burst_429 > 0:
            self.faults.burst_429 -= 1
            return self._throttle("minute", 1)
        if self.limits.enabled:
            refusal = self._over_limit(tenant_id, now)
            if refusal is not None:
                return refusal
        self._minute[tenant_id].append(now)
        self._day[tenant_id].append(now)
        self._app_minute.append(now)
        self._in_flight[tenant_id] += 1
        if self.faults.error_rate and self.faults.rng.random() < self.faults.error_rate:
            self._in_flight[tenant_id] -= 1
            self.failed += 1
            return Refusal(503, {}, {"Title": "Service Unavailable", "Status": 503})
        return None

    def _over_limit(self, tenant_id: str, now: datetime) -> Refusal | None:
        minute, day = self._minute[tenant_id], self._day[tenant_id]
        self._trim(minute, now, MINUTE)
        self._trim(day, now, DAY)
        self._trim(self._app_minute, now, MINUTE)
        if len(day) >= self.limits.per_day:
            return self._throttle("day", (day[0] + DAY - now).total_seconds())
        if self._in_flight[tenant_id] >= self.limits.concurrent:
            return self._throttle("concurrent", 1)
        if len(minute) >= self.limits.per_minute:
            return self._throttle("minute", (minute[0] + MINUTE - now).total_seconds())
        if len(self._app_minute) >= self.limits.app_per_minute:
            wait = (self._app_minute[0] + MINUTE - now).total_seconds()
            return self._throttle("appminute", wait)
        return None

    def _throttle(self, problem: str, retry_after: float) -> Refusal:
        self.throttled += 1
        return Refusal(
            429,
            {"Retry-After": str(max(1, int(retry_after + 0.999))), "X-Rate-Limit-Problem": problem},
            {"Title": "Too Many Requests", "Status": 429, "Detail": f"rate limit: {problem}"},
        )

    def release(self, tenant_id: str) -> None:
        if self._in_flight[tenant_id] > 0:
            self._in_flight[tenant_id] -= 1

    def lose_answer(self, route: str) -> bool:
        """Whether this (already applied) call's answer is lost."""
        lost = bool(self.faults.lost_rate) and self.faults.rng.random() < self.faults.lost_rate
        if route in self.faults.lose_next:
            self.faults.lose_next.remove(route)
            lost = True
        if lost:
            self.lost_by_route[route] += 1
        return lost

    async def hold_answer(self, route: str) -> None:
        """Wait for a release when this route's next answer is to be held."""
        if route not in self.faults.hold_next:
            return
        self.faults.hold_next.remove(route)
        self.held += 1
        try:
            await self._release.wait()
        finally:
            self.held -= 1

    def release_held(self) -> int:
        """Let every held answer go; returns how many there were."""
        count = self.held
        self._release.set()
        self._release = asyncio.Event()
        return count

    def headers(self, tenant_id: str) -> dict[str, str]:
        now = self.clock()
        minute, day = self._minute[tenant_id], self._day[tenant_id]
        self._trim(minute, now, MINUTE)
        self._trim(day, now, DAY)
        self._trim(self._app_minute, now, MINUTE)
        return {
            "X-MinLimit-Remaining": str(max(0, self.limits.per_minute - len(minute))),
            "X-DayLimit-Remaining": str(max(0, self.limits.per_day - len(day))),
            "X-AppMinLimit-Remaining": str(
                max(0, self.limits.app_per_minute - len(self._app_minute))
            ),
        }

    def stats(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "throttled": self.throttled,
            "failed": self.failed,
            "lost_by_route": dict(sorted(self.lost_by_route.items())),
            "held": self.held,
            "by_route": dict(sorted(self.by_route.items())),
        }
