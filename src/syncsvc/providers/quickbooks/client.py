"""Typed HTTP to one QuickBooks company, and the one place where QuickBooks' answers and
fault codes become the provider error tree (FACTS.md sections 3-5):

    401 / AuthenticationFault / invalid_grant      NeedsReauth
    429 / 3001 ThrottleExceeded                    RateLimited (60 s without Retry-After)
    5xx / SystemFault / transport                  Transient (uncertain for writes)
    5010 Stale Object                              Conflict (books re-read and retry first)
    6240 Duplicate Name                            Rejected(NAME_TAKEN)
    6140 Duplicate Doc Num                         Rejected(DUPLICATE)
    6200 / 6210 Account Period Closed              Locked(LOCKED_PERIOD)
    6540 deposited, 6480 bank-matched              Locked(RECONCILED)
    610 inactive customer                          Rejected(ARCHIVED_CONTACT) when it names one
    anything else                                  Rejected, in QuickBooks' own words

Bodies travel as JSON with Decimals as exact numbers; answers are read with Decimals.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
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

THROTTLE_WAIT = 60.0  # "wait 60 seconds before retrying" (FACTS.md section 3)
MINOR_VERSION = "75"
LOCKED_CODES = {
    "6200": Reason.LOCKED_PERIOD,
    "6210": Reason.LOCKED_PERIOD,
    "6540": Reason.RECONCILED,
    "6480": Reason.RECONCILED,
}
REFUSED_CODES = {"6240": Reason.NAME_TAKEN, "6140": Reason.DUPLICATE}
_XML_CODE = re.compile(r'<Error\s+code="(\d+)"')

Body = dict[str, Any]


def _number(value: Any) -> float:
    if isinstance(value, Decimal):
        as_float = float(value)
        # JSON numbers travel as doubles; refuse rather than send a different amount.
        if Decimal(repr(as_float)) != value:
            raise Rejected(f"{value} has more digits than QuickBooks can take")
        return as_float
    raise TypeError(f"{type(value).__name__} is not JSON")


def wire_json(body: Any) -> bytes:
    return json.dumps(body, default=_number, separators=(",", ":")).encode()


def read_json(response: httpx.Response) -> Any:
    """An answer with its numbers as Decimals, never floats."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None


class NotFound(Rejected):
    """610: the object is not there (deleted), or inactive."""


def fault_errors(fault: Any) -> list[Body]:
    if not isinstance(fault, dict):
        return []
    errors = fault.get("Error") or []
    return [error for error in errors if isinstance(error, dict)]


def record_error(fault: Any) -> RecordError:
    """One item's (or one call's) Fault as the error that says what to do with the record."""
    errors = fault_errors(fault)
    first = errors[0] if errors else {}
    code = str(first.get("code") or "")
    words = [str(first.get(k)) for k in ("Message", "Detail") if first.get(k)]
    message = ": ".join(words) or "QuickBooks refused the record without saying why"
    if code:
        message = f"{message} ({code})"
    element = str(first.get("element") or "") or None
    lowered = message.lower()
    if code in LOCKED_CODES:
        return Locked(message, field=element, reason=LOCKED_CODES[code])
    if "account period closed" in lowered or "account period has closed" in lowered:
        # One report has this message under 5010 (FACTS.md section 5): the words decide.
        return Locked(message, field=element, reason=Reason.LOCKED_PERIOD)
    if code == "5010":
        return Conflict(message, field=element)
    if code in REFUSED_CODES:
        return Rejected(message, field=element, reason=REFUSED_CODES[code])
    if code == "610":
        reason = Reason.ARCHIVED_CONTACT if "customer" in lowered else Reason.OTHER
        return NotFound(message, field=element, reason=reason)
    return Rejected(message, field=element)


def is_stale(error: RecordError | None) -> bool:
    return isinstance(error, Conflict)


def error_for(response: httpx.Response, *, uncertain_write: bool) -> ProviderError:
    """Map a non-2xx QuickBooks answer (JSON, or XML as its throttle answers) to the error
    class that says what to do next."""
    status = response.status_code
    body = read_json(response)
    fault = body.get("Fault") if isinstance(body, dict) else None
    code = str((fault_errors(fault) or [{}])[0].get("code") or "")
    if not code:
        found = _XML_CODE.search(response.text)
        code = found.group(1) if found else ""
    if status == 429 or code == "3001":
        return RateLimited(
            "QuickBooks throttled the call (3001)",
            retry_after=retry_after_seconds(response, THROTTLE_WAIT),
        )
    fault_type = str(fault.get("type") or "") if isinstance(fault, dict) else ""
    if status == 401 or fault_type == "AuthenticationFault":
        return NeedsReauth(f"QuickBooks refused the token ({status})")
    if status == 403 or fault_type == "AuthorizationFault":
        return NeedsReauth(f"QuickBooks refused access to the company ({status})")
    if status >= 500:
        return Transient(f"QuickBooks answered {status}", uncertain=uncertain_write)
    if fault is not None:
        return record_error(fault)
    return Rejected(f"QuickBooks answered {status}: {response.text[:200]}")


class QuickBooksClient:
    """Calls to one company (realm) with one access token, within its call budget."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        facts: ProviderFacts,
        token: TokenSet,
        realm_id: str,
        *,
        budget: RateBudget | None = None,
    ) -> None:
        self.http = http
        self.facts = facts
        self.token = token
        self.base = f"{facts.api_base_url}/{realm_id}"
        self.budget = budget

    async def _send(
        self, method: str, url: str, *, batch: bool = False, **kwargs: Any
    ) -> httpx.Response:
        if self.budget is None:
            return await send(self.http, method, url, **kwargs)
        async with self.budget.slot(batch=batch):
            response = await send(self.http, method, url, **kwargs)
        if response.status_code == 429:
            wait = timedelta(seconds=retry_after_seconds(response, THROTTLE_WAIT))
            self.budget.pause_until(self.budget.clock() + wait)
        return response

    def _headers(self, content_type: str | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.token.access_token}",
            "Accept": "application/json",
        }
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    async def get(self, path: str, params: dict[str, str] | None = None) -> Body:
        response = await self._send(
            "GET",
            f"{self.base}/{path}",
            headers=self._headers(),
            params={**(params or {}), "minorversion": MINOR_VERSION},
        )
        return self._answer(response, uncertain=False)

    async def query(self, statement: str) -> Body:
        """One page of a query: the entity's list under its name (absent when none)."""
        answer = await self.get("query", {"query": statement})
        found = answer.get("QueryResponse")
        return found if isinstance(found, dict) else {}

    async def post(
        self,
        path: str,
        body: Any,
        *,
        params: dict[str, str] | None = None,
        batch: bool = False,
    ) -> Body:
        """`batch`: a `/batch` call, which QuickBooks also counts against its own minute."""
        response = await self._send(
            "POST",
            f"{self.base}/{path}",
            batch=batch,
            headers=self._headers("application/json"),
            params={**(params or {}), "minorversion": MINOR_VERSION},
            content=wire_json(body),
        )
        return self._answer(response, uncertain=True)

    @staticmethod
    def _answer(response: httpx.Response, *, uncertain: bool) -> Body:
        if response.status_code >= 400:
            raise error_for(response, uncertain_write=uncertain)
        body = read_json(response)
        if not isinstance(body, dict):
            raise Transient("QuickBooks answered something that is not JSON", uncertain=uncertain)
        if "Fault" in body and len(body) <= 2:  # a 200 that still carries a Fault
            raise record_error(body["Fault"])
        return body


def quoted(value: str) -> str:
    """A literal for QuickBooks' query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
