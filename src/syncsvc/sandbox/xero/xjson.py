"""Xero's JSON conventions: the response envelope and `/Date(ms+0000)/` timestamps."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def xero_date(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"/Date({int(value.timestamp() * 1000)}+0000)/"
    midnight = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return f"/Date({int(midnight.timestamp() * 1000)}+0000)/"


def to_wire(value: Any) -> Any:
    """Datetimes in Xero's format, Decimals as JSON numbers, recursively."""
    if isinstance(value, datetime):
        return xero_date(value)
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    return value


def envelope(resource: str, items: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    return {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": "syncsvc sandbox",
        "DateTimeUTC": xero_date(now),
        resource: to_wire(items),
    }
