"""MYOB's error answer: `{"Errors": [{Name, Message, AdditionalDetails, ErrorCode, Severity,
LearnMore}], "Information": ...}` (FACTS.md section 4), raised anywhere, answered in one place."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

LEARN_MORE = "https://developer.myob.com/api/myob-business-api/api-overview/error-messages"


class MyobError(Exception):
    def __init__(
        self,
        status: int,
        name: str,
        message: str,
        details: str | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
        self.details = details
        self.code = code

    def body(self) -> dict[str, Any]:
        return {
            "Errors": [
                {
                    "Name": self.name,
                    "Message": self.message,
                    "AdditionalDetails": self.details,
                    "ErrorCode": self.code,
                    "Severity": "Error",
                    "LearnMore": LEARN_MORE,
                }
            ],
            "Information": f"{self.name}: {self.message}",
        }

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def required(field: str) -> MyobError:
    return MyobError(400, "Required", f"{field} is required", field, 100)


def not_found(what: str, field: str) -> MyobError:
    return MyobError(400, "NotFound", f"{what} was not found", field, 150)


def serialization(field: str, value: object) -> MyobError:
    return MyobError(
        400, "SerializationError", f"Error converting value {value!r} for '{field}'", field, 50
    )


def validation(name: str, message: str, field: str | None = None) -> MyobError:
    return MyobError(400, name, message, field)


def in_lock_period(field: str = "Date") -> MyobError:
    # The name as integrators report it, MYOB's misspelling kept (FACTS.md section 4).
    return MyobError(
        400,
        "BusinessEvent_DateOccured_InLockPeriod",
        "You may not record transactions before the lock date",
        field,
    )
