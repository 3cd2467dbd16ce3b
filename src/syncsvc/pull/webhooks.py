"""Provider webhooks in: each notification kept once (a repeated delivery changes nothing),
and the connections it names polled at once for what it names. The signature is checked by
the provider package (`Package.webhook`), on the raw body, in constant time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.db import dialect_insert
from syncsvc.models import Connection, ProviderNotification
from syncsvc.models.enums import ConnectionStatus, RecordKind
from syncsvc.providers.base import Notification


async def take_in(
    session: AsyncSession, provider: str, notifications: list[Notification], now: datetime
) -> dict[int, set[RecordKind]]:
    """Keep the notifications not seen before; returns connection id -> kinds to poll now."""
    if not notifications:
        return {}
    insert = dialect_insert(session)
    fresh: list[Notification] = []
    for notification in notifications:
        statement = (
            insert(ProviderNotification)
            .values(
                provider=provider,
                event_key=notification.event_key[:64],
                organisation_id=notification.organisation_id[:100],
                category=notification.category[:30],
                resource_id=notification.resource_id[:100],
                received_at=now,
            )
            .on_conflict_do_nothing(index_elements=["provider", "event_key"])
            .returning(ProviderNotification.id)
        )
        if await session.scalar(statement) is not None:  # kept now: not seen before
            fresh.append(notification)
    organisations = {n.organisation_id for n in fresh}
    if not organisations:
        return {}
    connections = await session.execute(
        select(Connection.id, Connection.organisation_id).where(
            Connection.provider == provider,
            Connection.status == ConnectionStatus.ACTIVE.value,
            Connection.organisation_id.in_(organisations),
        )
    )
    by_organisation: dict[str, list[int]] = {}
    for connection_id, organisation_id in connections:
        by_organisation.setdefault(str(organisation_id), []).append(int(connection_id))
    wanted: dict[int, set[RecordKind]] = {}
    for notification in fresh:
        for connection_id in by_organisation.get(notification.organisation_id, []):
            wanted.setdefault(connection_id, set()).update(notification.kinds)
    return wanted
