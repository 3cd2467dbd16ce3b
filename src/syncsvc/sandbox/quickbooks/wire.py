"""QuickBooks Online's JSON conventions: the `{"<Entity>": {...}, "time": ...}` envelope,
`Fault` documents with Intuit's codes, ISO timestamps with their offset, and money read as
Decimal and answered as JSON numbers."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi.responses import JSONResponse

Doc = dict[str, Any]


def qbo_time(value: datetime) -> str:
    """`2026-11-23T09:00:00.000+00:00`: milliseconds and the offset, as QuickBooks answers."""
    return value.isoformat(timespec="milliseconds")


def to_wire(value: Any) -> Any:
    """Decimals as JSON numbers, datetimes in QuickBooks' form, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return qbo_time(value)
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    return value


def parse_body(raw: bytes) -> Any:
    """JSON with every number that has a fraction read as Decimal, never float."""
    return json.loads(raw or b"{}", parse_float=Decimal)


# Amounts past this are refused rather than carried (QuickBooks' own ceiling is lower).
MAX_AMOUNT = Decimal("1e13")


def invalid(element: str, detail: str) -> QboFault:
    return QboFault(2010, "Request has invalid or unsupported property", detail, element)


def date_of(value: Any, element: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise invalid(element, f"Invalid date {value!r}") from None


def decimal_of(value: Any, element: str = "") -> Decimal | None:
    """A JSON number or numeric string as Decimal; None for absent or empty values."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool | dict | list):
            raise InvalidOperation
        number = Decimal(str(value))
    except InvalidOperation:
        raise invalid(element, f"{element or 'value'} is not a number: {value!r}") from None
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        raise invalid(element, f"{element or 'value'} is out of range: {value!r}")
    return number


def text_of(value: Any, element: str) -> str:
    """A string property (numbers are read as their text, as QuickBooks does)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise invalid(element, f"{element} must be a string")
    return str(value)


def object_of(value: Any, element: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(element, f"{element} must be an object")
    return value


def objects_of(value: Any, element: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise invalid(element, f"{element} must be a list of objects")
    return value


class QboFault(Exception):
    """One QuickBooks error: its numeric `code`, `Message`, `Detail` and the `element` it
    names; answered with `status` (400 for validation and business rules)."""

    def __init__(
        self,
        code: int,
        message: str,
        detail: str,
        element: str = "",
        fault_type: str = "ValidationFault",
        status: int = 400,
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code = code
        self.message = message
        self.detail = detail
        self.element = element
        self.fault_type = fault_type
        self.status = status

    def fault(self) -> Doc:
        error: Doc = {"Message": self.message, "Detail": self.detail, "code": str(self.code)}
        if self.element:
            error["element"] = self.element
        return {"Error": [error], "type": self.fault_type}


def fault_response(fault: QboFault, now: datetime) -> JSONResponse:
    return JSONResponse({"Fault": fault.fault(), "time": qbo_time(now)}, status_code=fault.status)


def required(element: str) -> QboFault:
    return QboFault(
        2020,
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element,
    )


def not_found(entity: str, entity_id: str) -> QboFault:
    return QboFault(
        610,
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive or "
        f"doesn't exist. ({entity} {entity_id})",
        entity,
    )


def business(detail: str, element: str = "") -> QboFault:
    return QboFault(
        6000,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        element,
    )


def too_long(element: str, limit: int, supplied: int) -> QboFault:
    return QboFault(
        2050,
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{limit} "
        f"supported. Supplied length:{supplied}",
        element,
    )


def unsupported(detail: str) -> QboFault:
    return QboFault(500, "Unsupported Operation", detail)
