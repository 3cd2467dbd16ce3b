"""`GET /metrics` in Prometheus' text format, and the middleware that times every answer."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncsvc.connections.repository import connection_counts
from syncsvc.models.enums import RecordKind
from syncsvc.records.repository import oldest_pending_by_kind, record_counts
from syncsvc.state import AppState, AppStateDep

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    summary="Prometheus metrics: answers and latency by route, push, pull, delivery and "
    "rate-limit counters, records by state, queue age, connections",
)
async def metrics(state: AppStateDep) -> Response:
    async with state.sessions() as session:
        records = await record_counts(session)
        connections = await connection_counts(session)
        oldest = await oldest_pending_by_kind(session)
    state.metrics.read_database(
        records, connections, oldest, [kind.value for kind in RecordKind], state.clock()
    )
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """Times every answer under its route template (never the raw path: ids stay out), into
    the metrics the app's lifespan built."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            state: AppState | None = getattr(scope["app"].state, "syncsvc", None)
            if state is not None:
                state.metrics.observe_request(
                    scope["method"], _route(scope), status, time.perf_counter() - started
                )


def _route(scope: Scope) -> str:
    """The matched route's template, which routing leaves in the scope."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"
