"""Events delivered to the host's webhook: signed, in order per tenant, at least once.

Each event is one POST of the same JSON the feed gives, signed with
`X-Syncsvc-Signature: t=TIMESTAMP,v1=HEX` (HMAC-SHA256 with the tenant's secret of
`TIMESTAMP.` followed by the raw body), so the host can refuse a replay of an old delivery;
`X-Syncsvc-Event-Id` carries the event's id for the host's dedupe. An event the host does not
take (not 2xx, or no answer) blocks the ones after it, is retried with backoff and jitter, and
is given up 24 hours after it was raised (it stays in the feed); every attempt is recorded.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.db import transaction
from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import Clock
from syncsvc.kit.signatures import hmac_sha256_hex
from syncsvc.metrics.registry import metrics_of
from syncsvc.models import Event, HostWebhook, WebhookDelivery

log = logging.getLogger(__name__)
GIVE_UP_AFTER = timedelta(hours=24)
CLAIM = timedelta(minutes=2)  # a replica delivering a tenant holds it this long at most
BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=30)
BATCH = 100


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac_sha256_hex(secret.encode(), str(timestamp).encode() + b"." + body)
    return f"t={timestamp},v1={digest}"


def event_body(event: Event) -> bytes:
    document = {
        "id": event.seq,
        "type": event.type,
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), default=str).encode()


def backoff(attempts: int, rng: random.Random) -> timedelta:
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=rng.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))


class EventDeliverer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: TokenCipher,
        http: httpx.AsyncClient,
        clock: Clock,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.http = http
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets

    async def run_once(self) -> int:
        """Deliver what is due to every tenant's webhook; returns events delivered."""
        now = self.clock()
        async with self.sessions() as session:
            due = await session.scalars(
                select(HostWebhook.tenant_id).where(
                    or_(HostWebhook.next_attempt_at.is_(None), HostWebhook.next_attempt_at <= now),
                    exists().where(
                        Event.tenant_id == HostWebhook.tenant_id,
                        Event.seq > HostWebhook.delivered_seq,
                    ),
                )
            )
            tenants = list(due)
        delivered = 0
        for tenant_id in tenants:
            delivered += await self.deliver(tenant_id)
        return delivered

    async def deliver(self, tenant_id: uuid.UUID) -> int:
        """This tenant's undelivered events, oldest first, until one is not taken."""
        webhook = await self._claim(tenant_id)
        if webhook is None:
            return 0
        secret = self.cipher.decrypt(webhook.secret_ciphertext).decode()
        delivered_seq, attempts = webhook.delivered_seq, webhook.attempts
        failing_since = webhook.failing_since
        delivered = 0
        next_attempt_at: datetime | None = None
        async with self.sessions() as session:
            events = list(
                await session.scalars(
                    select(Event)
                    .where(Event.tenant_id == tenant_id, Event.seq > delivered_seq)
                    .order_by(Event.seq)
                    .limit(BATCH)
                )
            )
        for event in events:
            attempts += 1
            status, error, elapsed = await self._post(webhook.url, secret, event)
            now = self.clock()
            taken = status is not None and 200 <= status < 300
            given_up = not taken and now - event.created_at >= GIVE_UP_AFTER
            outcome = "delivered" if taken else "abandoned" if given_up else "failed"
            async with transaction(self.sessions) as session:
                session.add(
                    WebhookDelivery(
                        tenant_id=tenant_id,
                        event_seq=event.seq,
                        attempt=attempts,
                        status_code=status,
                        error=error,
                        outcome=outcome,
                        duration_ms=elapsed,
                        attempted_at=now,
                    )
                )
                metrics_of(session).webhook_deliveries.labels(outcome).inc()
            if taken or given_up:
                if given_up:
                    log.warning(
                        "event given up after 24 hours of failed deliveries",
                        extra={"tenant_id": str(tenant_id), "event": event.seq},
                    )
                delivered_seq, attempts, failing_since = event.seq, 0, None
                delivered += int(taken)
                continue
            failing_since = failing_since or now
            next_attempt_at = now + backoff(attempts, self.rng)
            break
        async with transaction(self.sessions) as session:
            await session.execute(
                update(HostWebhook)
                .where(HostWebhook.tenant_id == tenant_id)
                .values(
                    delivered_seq=delivered_seq,
                    attempts=attempts,
                    failing_since=failing_since,
                    next_attempt_at=next_attempt_at,
                    updated_at=self.clock(),
                )
            )
        return delivered

    async def _claim(self, tenant_id: uuid.UUID) -> HostWebhook | None:
        """Hold the tenant's webhook for this delivery run, unless another replica is on it."""
        now = self.clock()
        async with transaction(self.sessions) as session:
            result = await session.execute(
                update(HostWebhook)
                .where(
                    HostWebhook.tenant_id == tenant_id,
                    or_(HostWebhook.next_attempt_at.is_(None), HostWebhook.next_attempt_at <= now),
                )
                .values(next_attempt_at=now + CLAIM)
            )
            if not getattr(result, "rowcount", 0):
                return None
            return await session.get(HostWebhook, tenant_id)

    async def _post(
        self, url: str, secret: str, event: Event
    ) -> tuple[int | None, str | None, int]:
        body = event_body(event)
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "syncsvc-webhooks",
            "X-Syncsvc-Signature": signature_header(secret, timestamp, body),
            "X-Syncsvc-Event-Id": str(event.seq),
            "X-Syncsvc-Event-Type": event.type,
        }
        started = time.perf_counter()
        try:
            answer = await self.http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            elapsed = int((time.perf_counter() - started) * 1000)
            return None, f"{type(exc).__name__}: no answer from the webhook URL", elapsed
        elapsed = int((time.perf_counter() - started) * 1000)
        error = None if answer.is_success else answer.text[:200] or None
        return answer.status_code, error, elapsed


async def last_event_seq(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    value: Any = await session.scalar(
        select(func.coalesce(func.max(Event.seq), 0)).where(Event.tenant_id == tenant_id)
    )
    return int(value or 0)
