"""Typed HTTP to one MYOB company file, and the one place where MYOB's answers become the
provider error tree (FACTS.md sections 3, 4 and 7):

    403 RateLimitError (and 429)                 RateLimited (second: 1 s; day: an hour)
    401 / an OAuth token refused                 NeedsReauth
    403 otherwise (access denied, key inactive)  NeedsReauth: only a person can fix it
    5xx / GatewayTimeout / transport             Transient (uncertain for writes)
    409 IncorrectRowVersionSupplied              Conflict (books re-read and retry first)
    BusinessEvent_DateOccured_InLockPeriod,
    DatePriorToBeginningOfFinancialYear (25008)  Locked(LOCKED_PERIOD)
    TransactionsCannotBeDeleted (25003)          Locked(RECONCILED): must be reversed
    SaleHasPayments                              Locked(PAID)
    404 on a record                              NotFound (gone)
    anything else                                Rejected, in MYOB's own words

Every call carries the bearer token, the API key (`x-myobapi-key`, the OAuth client id) and
`x-myobapi-version: v2`, and goes through the app-wide call budget. Bodies travel with
Decimals as exact JSON numbers; answers are read with Decimals.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from syncsvc.providers.base import ProviderFacts, TokenSet
from syncsvc.providers.errors import (
    Conflict,
    Locked,
    NeedsReauth,
    ProviderError,
    RateLimited,
    Reason,
    RecordError,
    Rejected,
    Transient,
)
from syncsvc.providers.http import retry_after_seconds, send
from syncsvc.providers.pacing import RateBudget

SECOND_WAIT = 1.0  # the per-second window: a second on
DAY_WAIT = 3600.0  # the day's window: no Retry-After, look again in an hour
LOCKED_NAMES = {
    "BusinessEvent_DateOccured_InLockPeriod": Reason.LOCKED_PERIOD,
    "DatePriorToBeginningOfFinancialYear": Reason.LOCKED_PERIOD,
    "TransactionsCannotBeDeleted": Reason.RECONCILED,
    "SaleHasPayments": Reason.PAID,
}
LOCKED_CODES = {25008: Reason.LOCKED_PERIOD, 25003: Reason.RECONCILED}
DUPLICATE_NAMES = {"DuplicateInvoiceNumber", "DuplicateReceiptNumber"}

Body = dict[str, Any]


class NotFound(Rejected):
    """The record is not there (deleted in MYOB)."""


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        # JSON numbers travel as doubles: refuse rather than send a different amount.
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise Rejected(f"{value} has more digits than MYOB can take")
        return as_float
    raise TypeError(f"{type(value).__name__} is not JSON")


def wire_json(body: Any) -> bytes:
    return json.dumps(body, default=_number, separators=(",", ":")).encode()


def read_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None


def errors_of(body: Any) -> list[Body]:
    """MYOB's error items, from `{"Errors": [...]}` or a bare array (FACTS.md section 4)."""
    if isinstance(body, dict):
        body = body.get("Errors")
    if not isinstance(body, list):
        return []
    return [item for item in body if isinstance(item, dict)]


def _words(error: Body, status: int) -> str:
    message = str(error.get("Message") or "").strip()
    name = str(error.get("Name") or "").strip()
    text = f"{name}: {message}" if name and message else (message or name)
    return text or f"MYOB answered {status}"


def record_error(status: int, body: Any) -> RecordError:
    """A refusal of one record as the error that says what to do with it."""
    errors = errors_of(body)
    first = errors[0] if errors else {}
    name = str(first.get("Name") or "")
    code = first.get("ErrorCode")
    message = _words(first, status)
    field = str(first.get("AdditionalDetails") or "") or None
    if name in LOCKED_NAMES:
        return Locked(message, field=field, reason=LOCKED_NAMES[name])
    if isinstance(code, int | Decimal) and int(code) in LOCKED_CODES:
        return Locked(message, field=field, reason=LOCKED_CODES[int(code)])
    if status == 409 or name == "IncorrectRowVersionSupplied":
        return Conflict(message, field=field)
    if status == 404:
        return NotFound(message, field=field)
    if name in DUPLICATE_NAMES:
        return Rejected(message, field=field, reason=Reason.DUPLICATE)
    return Rejected(message, field=field)


def error_for(response: httpx.Response, *, uncertain_write: bool) -> ProviderError:
    status = response.status_code
    body = read_json(response)
    first = (errors_of(body) or [{}])[0]
    name = str(first.get("Name") or "")
    if name == "RateLimitError" or status == 429:
        daily = "daily" in str(first.get("Message") or "").lower()
        default = DAY_WAIT if daily else SECOND_WAIT
        return RateLimited(
            f"MYOB refused the call for its rate limit: {_words(first, status)}",
            retry_after=retry_after_seconds(response, default),
            scope="day" if daily else "second",
        )
    if status == 401:
        return NeedsReauth(f"MYOB refused the token: {_words(first, status)}")
    if status == 403:
        return NeedsReauth(f"MYOB refused access to the company file: {_words(first, status)}")
    if status >= 500:
        return Transient(
            f"MYOB answered {status}: {_words(first, status)}", uncertain=uncertain_write
        )
    return record_error(status, body)


class MyobClient:
    """Calls to one company file (`base`: its URI) with one access token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        facts: ProviderFacts,
        token: TokenSet,
        api_key: str,
        base: str,
        *,
        budget: RateBudget | None = None,
    ) -> None:
        self.http = http
        self.facts = facts
        self.token = token
        self.api_key = api_key
        self.base = base.rstrip("/")
        self.budget = budget

    def _headers(self, content_type: str | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.token.access_token}",
            "x-myobapi-key": self.api_key,
            "x-myobapi-version": "v2",
            "Accept": "application/json",
        }
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def url(self, path: str) -> str:
        """A path below the company file, or a full address MYOB gave (`NextPageLink`),
        which must be below it too: the token goes nowhere else."""
        if "://" not in path:
            return f"{self.base}/{path.lstrip('/')}"
        if (
            path == self.base
            or path.startswith(f"{self.base}/")
            or path.startswith(f"{self.base}?")
        ):
            return path
        raise Transient(f"MYOB named a page outside the company file: {path[:200]}")

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if self.budget is None:
            return await send(self.http, method, url, **kwargs)
        async with self.budget.slot():
            response = await send(self.http, method, url, **kwargs)
        if response.status_code in (403, 429):
            first = (errors_of(read_json(response)) or [{}])[0]
            if response.status_code == 429 or first.get("Name") == "RateLimitError":
                daily = "daily" in str(first.get("Message") or "").lower()
                wait = retry_after_seconds(response, DAY_WAIT if daily else SECOND_WAIT)
                self.budget.pause_until(self.budget.clock() + timedelta(seconds=wait))
        return response

    async def get(self, path: str, params: dict[str, str] | None = None) -> Body:
        """One record or page; `path` may be a full `NextPageLink`."""
        response = await self._send("GET", self.url(path), headers=self._headers(), params=params)
        return self._answer(response, uncertain=False)

    async def post(self, path: str, body: Body) -> tuple[Body, str | None]:
        """Create: the saved record (`returnBody`) and its `Location`."""
        return await self._write("POST", path, body)

    async def put(self, path: str, body: Body) -> tuple[Body, str | None]:
        return await self._write("PUT", path, body)

    async def delete(self, path: str) -> None:
        response = await self._send("DELETE", self.url(path), headers=self._headers())
        if response.status_code >= 400:
            raise error_for(response, uncertain_write=True)

    async def _write(self, method: str, path: str, body: Body) -> tuple[Body, str | None]:
        response = await self._send(
            method,
            self.url(path),
            headers=self._headers("application/json"),
            params={"returnBody": "true"},
            content=wire_json(body),
        )
        answer = self._answer(response, uncertain=True)
        return answer, response.headers.get("location")

    @staticmethod
    def _answer(response: httpx.Response, *, uncertain: bool) -> Body:
        if response.status_code >= 400:
            raise error_for(response, uncertain_write=uncertain)
        body = read_json(response)
        if not isinstance(body, dict):
            raise Transient("MYOB answered something that is not JSON", uncertain=uncertain)
        return body


def uid_from_location(location: str | None) -> str | None:
    """The new record's UID: the last segment of its `Location`."""
    if not location:
        return None
    return location.rstrip("/").rsplit("/", 1)[-1] or None
