"""The app's Prometheus metrics on prometheus-client: one CollectorRegistry per app (built in
its lifespan, never the process-global default), so two apps in one process, as in tests,
count apart.

Code that records an outcome reaches the app's metrics through the database session it
already holds: the app's session factory puts them in every session's `info`. A session made
outside an app (the command line, a test's own factory) records into a detached set that is
never exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession

SESSION_KEY = "syncsvc.metrics"


class DatabaseGauges(Collector):
    """Gauges read from the database at each scrape (records, connections, queue age): the
    endpoint reads them, then renders, with no await in between, so a scrape is one reading."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], int] = {}
        self.connections: dict[tuple[str, str], int] = {}
        self.oldest_pending_age: dict[str, float] = {}

    def collect(self) -> Iterator[Metric]:
        records = GaugeMetricFamily(
            "syncsvc_records", "Host records by kind and sync state.", labels=["kind", "state"]
        )
        for (kind, state), count in sorted(self.records.items()):
            records.add_metric([kind, state], count)
        yield records
        connections = GaugeMetricFamily(
            "syncsvc_connections",
            "Accounting connections by provider and status.",
            labels=["provider", "status"],
        )
        for (provider, status), count in sorted(self.connections.items()):
            connections.add_metric([provider, status], count)
        yield connections
        age = GaugeMetricFamily(
            "syncsvc_queue_oldest_pending_age_seconds",
            "Age of the oldest pending record, by kind, across tenants (0: none pending).",
            labels=["kind"],
        )
        for kind, seconds in sorted(self.oldest_pending_age.items()):
            age.add_metric([kind], seconds)
        yield age


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "syncsvc_http_requests",
            "Answers given, by method, route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "syncsvc_http_request_duration_seconds",
            "Time to answer, by method, route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.records_pushed = Counter(
            "syncsvc_records_pushed",
            "Records the push engine settled, by kind and outcome "
            "(synced, failed, blocked, pending: to be tried again).",
            ["kind", "outcome"],
            registry=r,
        )
        self.events_raised = Counter(
            "syncsvc_events_raised",
            "Events added to tenants' feeds (pulled changes, sync failures, ...), by type.",
            ["type"],
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "syncsvc_webhook_deliveries",
            "Delivery attempts to hosts' webhooks, by outcome (delivered, failed, abandoned).",
            ["outcome"],
            registry=r,
        )
        self.rate_limit_waits = Counter(
            "syncsvc_rate_limit_waits",
            "Waits on a provider's rate limit: `scope` is the limit a 429 named (minute, day, "
            "...), or `paced` when the engine held a call back to stay within the limits.",
            ["provider", "scope"],
            registry=r,
        )
        self.rate_limit_wait_seconds = Counter(
            "syncsvc_rate_limit_wait_seconds",
            "Seconds calls were held back to stay within providers' rate limits.",
            ["provider"],
            registry=r,
        )
        self.token_refreshes = Counter(
            "syncsvc_token_refreshes",
            "Access-token refreshes made by this process.",
            registry=r,
        )
        self.database = DatabaseGauges()
        r.register(self.database)

    def session_info(self) -> dict[str, Any]:
        """What the app's session factory puts in every session's `info`."""
        return {SESSION_KEY: self}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.request_seconds.labels(*labels).observe(seconds)

    def pushed(self, kind: str, outcomes: Iterable[str]) -> None:
        for outcome in outcomes:
            self.records_pushed.labels(kind, outcome).inc()

    def read_database(
        self,
        records: Iterable[tuple[str, str, int]],
        connections: Iterable[tuple[str, str, int]],
        oldest_pending: Mapping[str, datetime],
        kinds: Iterable[str],
        now: datetime,
    ) -> None:
        self.database.records = {(kind, state): n for kind, state, n in records}
        self.database.connections = {(provider, status): n for provider, status, n in connections}
        self.database.oldest_pending_age = {
            kind: max(0.0, (now - oldest_pending[kind]).total_seconds())
            if kind in oldest_pending
            else 0.0
            for kind in kinds
        }


_DETACHED = Metrics()


def metrics_of(session: AsyncSession) -> Metrics:
    """The metrics of the app this session belongs to (detached ones outside an app)."""
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Metrics) else _DETACHED
