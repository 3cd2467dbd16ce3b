"""`GET /metrics` in Prometheus' text format, and the middleware that counts answers."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncsvc.metrics.registry import RequestCounter, gauge
from syncsvc.models import Connection, SyncRecord
from syncsvc.state import AppStateDep

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Prometheus metrics: answers by route and status, records by state, connections",
)
async def metrics(state: AppStateDep) -> PlainTextResponse:
    async with state.sessions() as session:
        records = await session.execute(
            select(SyncRecord.kind, SyncRecord.state, func.count()).group_by(
                SyncRecord.kind, SyncRecord.state
            )
        )
        record_samples = [({"kind": k, "state": s}, float(n)) for k, s, n in records]
        connections = await session.execute(
            select(Connection.provider, Connection.status, func.count()).group_by(
                Connection.provider, Connection.status
            )
        )
        connection_samples = [({"provider": p, "status": s}, float(n)) for p, s, n in connections]
    lines = state.requests.render()
    lines += gauge("syncsvc_records", "Host records by kind and sync state.", record_samples)
    lines += gauge(
        "syncsvc_connections", "Accounting connections by provider and status.", connection_samples
    )
    lines += gauge(
        "syncsvc_token_refreshes",
        "Token refreshes made by this process.",
        [({}, float(state.providers.tokens.refreshes))],
    )
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


class RequestMetrics:
    """Counts every answer under its route template (never the raw path: ids stay out)."""

    def __init__(self, app: ASGIApp, counter: RequestCounter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            self.counter.observe(
                scope["method"], _route(scope), status, time.perf_counter() - started
            )


def _route(scope: Scope) -> str:
    """The matched route's template, which routing leaves in the scope."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"
