"""`POST /webhooks/{provider}`: a package's webhook deliveries, answered within its few
seconds; the polls they trigger run after the answer is sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.background import BackgroundTask

from syncsvc.connections.credentials import webhook_secret_for
from syncsvc.connections.hub import UnknownProvider
from syncsvc.db import transaction
from syncsvc.models.enums import RecordKind
from syncsvc.oplog import refused_webhook
from syncsvc.pull.poller import RESOURCES, poller_for
from syncsvc.pull.webhooks import take_in
from syncsvc.state import AppState, AppStateDep

router = APIRouter(tags=["provider webhooks"])


@router.post(
    "/webhooks/{provider}",
    status_code=200,
    summary="A package's webhook deliveries (Xero's intent-to-receive check included)",
    responses={
        401: {"description": "Signature missing or wrong: nothing is kept"},
        404: {"description": "No such package, or it sends no webhooks"},
    },
)
async def provider_webhook(
    provider: Annotated[str, Path(max_length=20)], request: Request, state: AppStateDep
) -> Response:
    try:
        package = state.providers.adapter(provider)
    except UnknownProvider:
        return Response(status_code=404)
    if not package.facts.capabilities.webhooks:
        return Response(status_code=404)
    body = await request.body()
    secret = webhook_secret_for(provider, state.settings.providers)
    notifications = None if not secret else package.webhook(request.headers, body, secret)
    if notifications is None:
        return refused_webhook(provider, body, key_set=bool(secret))
    async with transaction(state.sessions) as session:
        wanted = await take_in(session, provider, notifications, state.clock())
    if not wanted:
        return Response(status_code=200)
    return Response(status_code=200, background=BackgroundTask(_poll, state, wanted))


async def _poll(state: AppState, wanted: dict[int, set[RecordKind]]) -> None:
    poller = poller_for(state)
    for connection_id, kinds in wanted.items():
        await poller.poll(connection_id, tuple(k for k in RESOURCES if k in kinds))
