"""Typed HTTP to Xero, and the one place where Xero's answers become typed errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from syncsvc.providers.base import ProviderFacts, TokenSet
from syncsvc.providers.errors import (
    Locked,
    NeedsReauth,
    ProviderError,
    RateLimited,
    Reason,
    Rejected,
    Transient,
)
from syncsvc.providers.http import retry_after_seconds, send
from syncsvc.providers.pacing import RateBudget

# Xero's words for a document that can no longer change (FACTS.md, "Errors you will see"),
# and why.
LOCKED_PHRASES = (
    ("period lock date", Reason.LOCKED_PERIOD),
    ("end of year lock date", Reason.LOCKED_PERIOD),
    ("locked periods cannot be changed", Reason.LOCKED_PERIOD),
    ("reconciled", Reason.RECONCILED),
    ("cannot be edited as it has a payment or credit note allocated", Reason.PAID),
)
# Xero's words for other refusals the engines act on.
REFUSAL_PHRASES = (
    ("already assigned to another contact", Reason.NAME_TAKEN),
    ("another contact has this contact number", Reason.NAME_TAKEN),
    ("valid status for modification", Reason.PAID),
    ("archived", Reason.ARCHIVED_CONTACT),
    ("already exists", Reason.DUPLICATE),
)


def validation_messages(body: Any) -> list[str]:
    """Every ValidationErrors message in a Xero error or element, nested ones included."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for error in node.get("ValidationErrors") or []:
                message = error.get("Message") if isinstance(error, dict) else None
                if message and message not in found:
                    found.append(str(message))
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    return found


def record_error(messages: list[str]) -> Rejected | Locked:
    """A refused element as Rejected, or Locked when Xero says the document cannot change."""
    text = "; ".join(messages) or "Xero refused the record without saying why"
    lowered = text.lower()
    for phrase, reason in LOCKED_PHRASES:
        if phrase in lowered:
            return Locked(text, reason=reason)
    for phrase, reason in REFUSAL_PHRASES:
        if phrase in lowered:
            return Rejected(text, reason=reason)
    return Rejected(text)


def error_for(response: httpx.Response, *, uncertain_write: bool) -> ProviderError:
    """Map a non-2xx Xero answer to the error class that says what to do next."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    detail = ""
    if isinstance(body, dict):
        detail = str(body.get("Detail") or body.get("Message") or body.get("error") or "")
    if status == 429:
        problem = response.headers.get("x-rate-limit-problem", "minute").lower()
        return RateLimited(
            f"Xero rate limit reached ({problem})",
            retry_after=retry_after_seconds(response),
            scope=problem,
        )
    if status in (401, 403):
        return NeedsReauth(f"Xero refused access ({status}): {detail or 'unauthorised'}")
    if status == 400:
        return record_error(validation_messages(body) or ([detail] if detail else []))
    if status == 404:
        return Rejected(f"Xero has no such resource: {response.request.url.path}")
    if status == 413:
        return Rejected("the request is over Xero's size limit")
    if status >= 500:
        return Transient(
            f"Xero answered {status}: {detail or 'server error'}", uncertain=uncertain_write
        )
    return Rejected(f"Xero answered {status}: {detail or response.text[:200]}")


def _number(value: Any) -> float:
    if isinstance(value, Decimal):
        as_float = float(value)
        # JSON numbers travel as doubles; refuse rather than send a different amount.
        if Decimal(repr(as_float)) != value:
            raise Rejected(f"{value} has more digits than Xero can take")
        return as_float
    raise TypeError(f"{type(value).__name__} is not JSON")


def wire_json(body: Any) -> bytes:
    """The body as Xero reads it: Decimals as JSON numbers, exactly."""
    return json.dumps(body, default=_number, separators=(",", ":")).encode()


class XeroClient:
    """Calls to one organisation with one access token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        facts: ProviderFacts,
        token: TokenSet,
        tenant_id: str,
        *,
        budget: RateBudget | None = None,
    ) -> None:
        self.http = http
        self.facts = facts
        self.token = token
        self.tenant_id = tenant_id
        self.budget = budget

    def budget_pause(self, until: datetime) -> None:
        if self.budget is not None:
            self.budget.pause_until(until)

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call, within the organisation's budget when there is one; the answer's
        rate-limit headers tighten the budget."""
        if self.budget is None:
            return await send(self.http, method, url, **kwargs)
        async with self.budget.slot():
            response = await send(self.http, method, url, **kwargs)
        self.budget.observe(response.headers)
        if response.status_code == 429:
            wait = timedelta(seconds=retry_after_seconds(response))
            self.budget.pause_until(self.budget.clock() + wait)
        return response

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.token.access_token}",
            str(self.facts.extra["tenant_header"]): self.tenant_id,
            "Accept": "application/json",
        }
        headers.update(extra or {})
        return headers

    async def get(
        self,
        resource: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = await self._send(
            "GET",
            f"{self.facts.api_base_url}/{resource}",
            headers=self._headers(headers),
            params=params,
        )
        if response.status_code >= 400:
            raise error_for(response, uncertain_write=False)
        return response.json()

    async def write(
        self,
        method: str,
        resource: str,
        body: Any,
        *,
        idempotency_key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """PUT or POST; a 200 with per-element errors (summarizeErrors=false) is returned
        for the caller to read element by element."""
        extra = {"Content-Type": "application/json"}
        if idempotency_key:
            extra["Idempotency-Key"] = idempotency_key
        response = await self._send(
            method,
            f"{self.facts.api_base_url}/{resource}",
            headers=self._headers(extra),
            params=params,
            content=wire_json(body),
        )
        if response.status_code >= 400:
            raise error_for(response, uncertain_write=True)
        return response.json()
