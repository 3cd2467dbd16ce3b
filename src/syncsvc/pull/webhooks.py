"""Xero's webhooks in: the signature checked on the raw body in constant time, each event
kept once (a repeated delivery changes nothing), and the connections it names polled at once.

Xero sends no payment events: a payment shows as an INVOICE update, so an INVOICE event polls
payments and invoices, a CONTACT event polls contacts (FACTS.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.db import dialect_insert
from syncsvc.kit.signatures import constant_time_equals, hmac_sha256_base64
from syncsvc.models import Connection, ProviderNotification
from syncsvc.models.enums import ConnectionStatus

RESOURCES_BY_CATEGORY = {
    "INVOICE": ("Payments", "Invoices"),
    "CONTACT": ("Contacts",),
    "CREDITNOTE": ("Invoices",),
}


def signature_is_valid(body: bytes, signature: str | None, key: str) -> bool:
    if not signature or not key:
        return False
    return constant_time_equals(hmac_sha256_base64(key.encode(), body), signature)


def events_of(body: bytes) -> list[dict[str, Any]] | None:
    """The delivery's events; None when the body is not a Xero delivery."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return None
    return events


def event_key(event: Mapping[str, Any]) -> str:
    parts = [str(event.get(k)) for k in ("tenantId", "eventCategory", "eventType", "resourceId")]
    parts.append(str(event.get("eventDateUtc")))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


async def take_in(
    session: AsyncSession, events: list[dict[str, Any]], now: datetime
) -> dict[int, set[str]]:
    """Keep the events not seen before; returns connection id -> resources to poll now."""
    if not events:
        return {}
    insert = dialect_insert(session)
    fresh: list[dict[str, Any]] = []
    for event in events:
        statement = (
            insert(ProviderNotification)
            .values(
                provider="xero",
                event_key=event_key(event),
                organisation_id=str(event.get("tenantId"))[:100],
                category=str(event.get("eventCategory"))[:30],
                resource_id=str(event.get("resourceId"))[:100],
                received_at=now,
            )
            .on_conflict_do_nothing(index_elements=["provider", "event_key"])
            .returning(ProviderNotification.id)
        )
        if await session.scalar(statement) is not None:  # kept now: not seen before
            fresh.append(event)
    organisations = {str(e.get("tenantId")) for e in fresh}
    if not organisations:
        return {}
    connections = await session.execute(
        select(Connection.id, Connection.organisation_id).where(
            Connection.provider == "xero",
            Connection.status == ConnectionStatus.ACTIVE.value,
            Connection.organisation_id.in_(organisations),
        )
    )
    by_organisation: dict[str, list[int]] = {}
    for connection_id, organisation_id in connections:
        by_organisation.setdefault(str(organisation_id), []).append(int(connection_id))
    wanted: dict[int, set[str]] = {}
    for event in fresh:
        resources = RESOURCES_BY_CATEGORY.get(str(event.get("eventCategory")), ())
        for connection_id in by_organisation.get(str(event.get("tenantId")), []):
            wanted.setdefault(connection_id, set()).update(resources)
    return wanted
