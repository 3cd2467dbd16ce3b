"""QuickBooks' limits per company (FACTS.md section 3): 500 calls a minute, 10 at once, 40
batch calls a minute (and, when switched on, 10 a second), answered 429 with fault 3001.
Counting, faults, lost and held answers are the Xero emulator's `Traffic`, reused; only the
limits and the refusal differ."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncsvc.sandbox.xero.traffic import MINUTE, Refusal, Traffic

SECOND = timedelta(seconds=1)
BATCH_ROUTE = "POST /batch"


@dataclass
class QuickBooksLimits:
    enabled: bool = True
    per_minute: int = 500
    concurrent: int = 10
    batch_per_minute: int = 40
    # Intuit's limits page also names 10 a second (the older policy: 10 at once); off unless
    # switched on, so callers that pace by the minute and by concurrency are not refused.
    per_second: int | None = None
    # QuickBooks has answered 429 in XML even to JSON requests; "json" answers a Fault JSON.
    throttle_format: str = "xml"


class QuickBooksTraffic(Traffic):
    def reset(self) -> None:
        super().reset()
        self.limits = QuickBooksLimits()  # type: ignore[assignment]
        self._batch: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._second: defaultdict[str, deque[datetime]] = defaultdict(deque)
        self._route = ""

    @property
    def qbo_limits(self) -> QuickBooksLimits:
        assert isinstance(self.limits, QuickBooksLimits)
        return self.limits

    def admit(self, tenant_id: str, route: str) -> Refusal | None:
        self._route = route
        return super().admit(tenant_id, route)

    def _windows(self, tenant_id: str, now: datetime) -> tuple[deque[datetime], ...]:
        """The company's windows, trimmed to now (Xero's day and app windows unused here)."""
        self._day[tenant_id].clear()
        self._app_minute.clear()
        minute, second, batch = (
            self._minute[tenant_id],
            self._second[tenant_id],
            self._batch[tenant_id],
        )
        self._trim(minute, now, MINUTE)
        self._trim(second, now, SECOND)
        self._trim(batch, now, MINUTE)
        return minute, second, batch

    def _over_limit(self, tenant_id: str, now: datetime) -> Refusal | None:
        limits = self.qbo_limits
        minute, second, batch = self._windows(tenant_id, now)
        if self._in_flight[tenant_id] >= limits.concurrent:
            return self._throttle("concurrent", 1)
        if len(minute) >= limits.per_minute:
            return self._throttle("minute", (minute[0] + MINUTE - now).total_seconds())
        if limits.per_second is not None and len(second) >= limits.per_second:
            return self._throttle("second", 1)
        if self._route == BATCH_ROUTE:
            if len(batch) >= limits.batch_per_minute:
                return self._throttle("batch", (batch[0] + MINUTE - now).total_seconds())
            batch.append(now)
        second.append(now)
        return None

    def _throttle(self, problem: str, retry_after: float) -> Refusal:
        """QuickBooks documents no rate-limit headers (no Retry-After): the gate writes
        fault 3001; which limit was hit is told only in the sandbox's own header."""
        self.throttled += 1
        return Refusal(429, {"X-Sandbox-Limit": problem}, {})

    def headers(self, tenant_id: str) -> dict[str, str]:
        self._windows(tenant_id, self.clock())
        return {}
