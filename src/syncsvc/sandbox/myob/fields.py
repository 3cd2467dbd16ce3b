"""Reading a record's fields as MYOB does: text with its length limit, `{UID}` links, money
to the cent, payment terms and when a sale falls due; the 409 of a stale RowVersion."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from syncsvc.sandbox.myob.errors import MyobError, required, serialization, validation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NUMBER_LENGTH = 13  # invoice Number and ReceiptNumber: String(13)
PAYMENT_TERMS = (
    "CashOnDelivery",
    "Prepaid",
    "InAGivenNumberOfDays",
    "OnADayOfTheMonth",
    "NumberOfDaysAfterEOM",
    "DayOfMonthAfterEOM",
)

Record = dict[str, Any]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def stale_row_version() -> MyobError:
    return MyobError(
        409,
        "IncorrectRowVersionSupplied",
        "An update operation requires a valid RowVersion from the current entity being modified",
        "RowVersion",
    )


def text_field(body: Record, field: str, limit: int, *, needed: bool = False) -> str | None:
    value = body.get(field)
    if value is None or value == "":
        if needed:
            raise required(field)
        return None
    if not isinstance(value, str):
        raise serialization(field, value)
    if len(value) > limit:
        raise validation("MaxLength", f"{field} cannot be longer than {limit} characters", field)
    return value


def uid_of(body: Record, field: str) -> str | None:
    link = body.get(field)
    if link is None:
        return None
    if not isinstance(link, dict) or not isinstance(link.get("UID"), str):
        raise serialization(f"{field}.UID", link)
    return str(link["UID"]).lower()


def _end_of_month(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)


def _on_day(month_start: date, day: int) -> date:
    return month_start.replace(day=min(max(day, 1), _end_of_month(month_start).day))


def due_date(issued: date, terms: Record) -> date:
    """When a sale falls due under MYOB's payment terms."""
    kind = terms.get("PaymentIsDue", "InAGivenNumberOfDays")
    days = int(terms.get("BalanceDueDate") or 0)
    if kind in {"CashOnDelivery", "Prepaid"}:
        return issued
    if kind == "InAGivenNumberOfDays":
        return issued + timedelta(days=days)
    if kind == "NumberOfDaysAfterEOM":
        return _end_of_month(issued) + timedelta(days=days)
    next_month = _end_of_month(issued) + timedelta(days=1)
    if kind == "DayOfMonthAfterEOM":
        return _on_day(next_month, days)
    # OnADayOfTheMonth: this month's day if still ahead, else next month's.
    this_month = _on_day(issued.replace(day=1), days)
    return this_month if this_month >= issued else _on_day(next_month, days)
