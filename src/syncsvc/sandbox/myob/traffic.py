"""MYOB's rate limits, held against the API key across every company file it reaches: 8 calls
a second and 1,000,000 a day, both refused with 403 `RateLimitError` and no headers (FACTS.md
section 3), on the sandbox's scaled clock. Faults, lost and held answers are Xero's generic
machinery (`sandbox.xero.traffic`), reused."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syncsvc.sandbox.myob.errors import MyobError
from syncsvc.sandbox.xero.traffic import Traffic

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


@dataclass
class KeyLimits:
    enabled: bool = True
    per_second: int = 8
    per_day: int = 1_000_000


def rate_limited(window: str) -> MyobError:
    message = {
        "second": "API key has exceeded the per second rate limit",
        "day": "API key has exceeded the daily rate limit",
    }[window]
    return MyobError(403, "RateLimitError", message, "Header: x-myobapi-key")


class MyobTraffic(Traffic):
    """Xero's `Traffic` gives faults, `lose_answer`, `hold_answer` and `release_held`; the
    admission rules here are MYOB's."""

    def reset(self) -> None:
        super().reset()
        self.key_limits = KeyLimits()
        self._second: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._key_day: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self.refusals: Counter[str] = Counter()

    def refuse(self, name: str) -> None:
        self.refusals[name] += 1

    def admit_key(self, api_key: str, route: str) -> MyobError | None:
        """Count the call against its key; a refusal is what MYOB answers instead."""
        self.requests += 1
        self.by_route[route] += 1
        if self.faults.latency_seconds:
            self.clock.advance(self.faults.latency_seconds)
        now = self.clock()
        if self.faults.burst_429 > 0:  # Xero's name for a burst: here, MYOB's 403
            self.faults.burst_429 -= 1
            return self._limited("second")
        if self.key_limits.enabled:
            second, day = self._second[api_key], self._key_day[api_key]
            self._trim(second, now, SECOND)
            self._trim(day, now, DAY)
            if len(day) >= self.key_limits.per_day:
                return self._limited("day")
            if len(second) >= self.key_limits.per_second:
                return self._limited("second")
            second.append(now)
            day.append(now)
        if self.faults.error_rate and self.faults.rng.random() < self.faults.error_rate:
            self.failed += 1
            return MyobError(500, "InternalServerError", "An unexpected error occurred")
        return None

    def _limited(self, window: str) -> MyobError:
        self.throttled += 1
        return rate_limited(window)

    def headers(self, tenant_id: str) -> dict[str, str]:
        return {}  # MYOB names no rate-limit headers

    def stats(self) -> dict[str, Any]:
        return {
            **super().stats(),
            "refusals": dict(sorted(self.refusals.items())),
            "limits": dict(vars(self.key_limits)),
        }
