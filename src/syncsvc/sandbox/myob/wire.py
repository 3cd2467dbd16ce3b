"""MYOB's JSON conventions: money as plain numbers (read as Decimal, never float), dates and
timestamps as `YYYY-MM-DDTHH:MM:SS[.fff]` with no offset (the sandbox keeps them in UTC)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi.responses import JSONResponse

from syncsvc.sandbox.myob.errors import MyobError, serialization


class Rel(str):
    """A record's address below its company file (`Contact/Customer/{uid}`): answered as a
    full URI on the host the company file lives on, whichever address the caller used."""

    __slots__ = ()


def to_wire(value: Any, base: str = "") -> Any:
    if isinstance(value, Rel):
        return f"{base}/{value}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{value.microsecond // 1000:03d}"
        )
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: to_wire(item, base) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(item, base) for item in value]
    return value


def answer(
    body: Any, base: str = "", status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(to_wire(body, base), status_code=status, headers=headers)


def read_body(raw: bytes) -> dict[str, Any]:
    """A JSON object with every number as Decimal; anything else is MYOB's 400."""
    try:
        value = json.loads(raw or b"null", parse_float=Decimal, parse_int=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MyobError(400, "SerializationError", f"Invalid JSON: {exc}", None, 50) from exc
    if not isinstance(value, dict):
        raise MyobError(
            400, "SerializationError", "The request body must be a JSON object", None, 50
        )
    return value


def parse_date(value: Any, field: str) -> date:
    """`Date` as MYOB takes it: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`; the day is kept. (A
    date already parsed is what an update's unchanged field holds.)"""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise serialization(field, value)
    try:
        return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError as exc:
        raise serialization(field, value) from exc


# MYOB's money columns hold 13 digits before the point: a larger number is not money.
MONEY_LIMIT = Decimal("1e13")


def parse_money(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise serialization(field, value)
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise serialization(field, value) from exc
    if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
        raise serialization(field, value)
    return amount


def parse_whole(value: Any, field: str, default: int = 0) -> int:
    """A whole number (a RowID, a count of days); absent is `default`."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise serialization(field, value)
    number = parse_money(value, field)
    if number != number.to_integral_value():
        raise serialization(field, value)
    return int(number)


def parse_timestamp(text: str) -> datetime:
    """A `datetime'...'` literal or a `LastModified` value, read as UTC."""
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
