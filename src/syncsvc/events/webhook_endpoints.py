"""The host's webhook: register it, read its state, remove it, and see each delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from sqlalchemy import delete

from syncsvc.events.delivery import last_event_seq
from syncsvc.events.repository import WebhookRepository
from syncsvc.models import HostWebhook
from syncsvc.models.base import INPUT_INT_MAX
from syncsvc.problems import DecimalJSONRoute, Problem, ProblemError
from syncsvc.state import AppStateDep, SessionDep
from syncsvc.tenants.auth import TenantId

router = APIRouter(prefix="/v1/webhook", tags=["events"], route_class=DecimalJSONRoute)
# Beyond the 401 (and for a body 413, 415, 422) that `api_contract` adds to every such route.
_NOT_REGISTERED: dict[int | str, dict[str, object]] = {
    404: {"model": Problem, "description": "No webhook is registered"}
}


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="Where events are POSTed, one per request.")
    secret: str = Field(
        min_length=16,
        max_length=200,
        description="Signs each delivery: `X-Syncsvc-Signature: t=TIMESTAMP,v1=HEX`, HEX the "
        "HMAC-SHA256 of `TIMESTAMP.` and the raw body. Never shown again.",
    )
    after: Annotated[int, Field(ge=0, le=INPUT_INT_MAX)] | None = Field(
        default=None,
        description="Deliver events after this id; default: only events raised from now on.",
    )


class WebhookOut(BaseModel):
    url: str
    delivered_through: int = Field(description="Every event up to this id has been delivered.")
    attempts: int = Field(description="Failed attempts on the next event so far.")
    failing_since: datetime | None
    next_attempt_at: datetime | None


class DeliveryOut(BaseModel):
    event_id: int
    attempt: int
    outcome: str = Field(description="`delivered`, `failed` (retried), or `abandoned`.")
    status_code: int | None
    error: str | None
    duration_ms: int
    attempted_at: datetime


class DeliveryPage(BaseModel):
    deliveries: list[DeliveryOut] = Field(description="Newest first.")


def _out(webhook: HostWebhook) -> WebhookOut:
    return WebhookOut(
        url=webhook.url,
        delivered_through=webhook.delivered_seq,
        attempts=webhook.attempts,
        failing_since=webhook.failing_since,
        next_attempt_at=webhook.next_attempt_at,
    )


def _not_registered() -> ProblemError:
    return ProblemError(404, "Not found", "No webhook is registered.", slug="not-found")


@router.put("", response_model=WebhookOut, summary="Register the webhook")
async def put_webhook(
    body: WebhookIn, tenant_id: TenantId, session: SessionDep, state: AppStateDep
) -> WebhookOut:
    now = state.clock()
    secret = state.cipher.encrypt(body.secret.encode())
    webhook = await session.get(HostWebhook, tenant_id)
    if webhook is None:
        start = body.after if body.after is not None else await last_event_seq(session, tenant_id)
        webhook = HostWebhook(
            tenant_id=tenant_id,
            url=str(body.url),
            secret_ciphertext=secret,
            delivered_seq=start,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        session.add(webhook)
    else:
        webhook.url, webhook.secret_ciphertext, webhook.updated_at = str(body.url), secret, now
        webhook.next_attempt_at, webhook.attempts, webhook.failing_since = None, 0, None
        if body.after is not None:
            webhook.delivered_seq = body.after
    await session.flush()
    return _out(webhook)


@router.get("", response_model=WebhookOut, responses=_NOT_REGISTERED, summary="The webhook's state")
async def get_webhook(tenant_id: TenantId, session: SessionDep) -> WebhookOut:
    webhook = await session.get(HostWebhook, tenant_id)
    if webhook is None:
        raise _not_registered()
    return _out(webhook)


@router.delete("", status_code=204, responses=_NOT_REGISTERED, summary="Stop deliveries")
async def delete_webhook(tenant_id: TenantId, session: SessionDep) -> Response:
    removed = await session.execute(delete(HostWebhook).where(HostWebhook.tenant_id == tenant_id))
    if not getattr(removed, "rowcount", 0):
        raise _not_registered()
    return Response(status_code=204)


@router.get(
    "/deliveries",
    response_model=DeliveryPage,
    summary="Delivery attempts and the host's answers, newest first",
)
async def get_deliveries(
    tenant_id: TenantId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryPage:
    rows = await WebhookRepository(session, tenant_id).deliveries(limit)
    return DeliveryPage(
        deliveries=[
            DeliveryOut(
                event_id=row.event_seq,
                attempt=row.attempt,
                outcome=row.outcome,
                status_code=row.status_code,
                error=row.error,
                duration_ms=row.duration_ms,
                attempted_at=row.attempted_at,
            )
            for row in rows
        ]
    )
