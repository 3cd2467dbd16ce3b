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


# Document dates are kept as ISO dates and answered as Xero does: `/Date(ms+0000)/`, with
# the ISO form beside them in `<Key>String`.
DATE_KEYS = ("Date", "DueDate", "FullyPaidOnDate", "ExpectedPaymentDate")


def to_wire(value: Any) -> Any:
    """Datetimes in Xero's format, Decimals as JSON numbers, recursively."""
    if isinstance(value, datetime):
        return xero_date(value)
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, dict):
        wire = {key: to_wire(item) for key, item in value.items() if item is not None}
        for key in DATE_KEYS:
            if isinstance(value.get(key), str) and len(value[key]) == 10:
                day = date.fromisoformat(value[key])
                wire[key] = xero_date(day)
                wire[f"{key}String"] = f"{value[key]}T00:00:00"
        return wire
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
