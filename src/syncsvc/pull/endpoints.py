"""`POST /webhooks/xero`: Xero's deliveries, answered within its 5 seconds; the polls they
trigger run after the answer is sent."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.background import BackgroundTask

from syncsvc.db import transaction
from syncsvc.oplog import refused_webhook
from syncsvc.pull.poller import RESOURCES, poller_for
from syncsvc.pull.webhooks import events_of, signature_is_valid, take_in
from syncsvc.state import AppState, AppStateDep

router = APIRouter(tags=["provider webhooks"])


@router.post(
    "/webhooks/xero",
    status_code=200,
    summary="Xero's webhook deliveries (and its intent-to-receive check)",
    responses={401: {"description": "Signature missing or wrong: nothing is kept"}},
)
async def xero_webhook(request: Request, state: AppStateDep) -> Response:
    body = await request.body()
    key = state.settings.providers.xero_webhook_key
    signature = request.headers.get("x-xero-signature")
    if key is None or not signature_is_valid(body, signature, key.get_secret_value()):
        return refused_webhook("xero", body, key_set=key is not None)
    events = events_of(body)
    if events is None:
        return Response(status_code=401)  # signed, yet not a delivery: Xero never sends it
    async with transaction(state.sessions) as session:
        wanted = await take_in(session, events, state.clock())
    if not wanted:
        return Response(status_code=200)
    return Response(status_code=200, background=BackgroundTask(_poll, state, wanted))


async def _poll(state: AppState, wanted: dict[int, set[str]]) -> None:
    poller = poller_for(state)
    for connection_id, resources in wanted.items():
        await poller.poll(connection_id, tuple(r for r in RESOURCES if r in resources))
