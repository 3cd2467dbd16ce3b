"""Xero's webhooks: CONTACT, INVOICE and CREDITNOTE events (never PAYMENT: a payment shows
as an INVOICE update), signed with `x-xero-signature` = base64 HMAC-SHA256 of the raw body
with the webhook key, and the intent-to-receive check that sends one good and one bad
signature. Deliveries are queued and sent when flushed, so tests decide when."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from syncsvc.kit.signatures import hmac_sha256_base64
from syncsvc.sandbox.xero.store import XeroStore


@dataclass
class Delivery:
    status: int | None
    events: int
    error: str | None = None


@dataclass
class Webhooks:
    store: XeroStore
    transport: httpx.AsyncBaseTransport | None = None
    url: str | None = None
    key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    sequence: int = 0
    pending: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    def collect(self) -> None:
        """Turn every organisation's recorded changes into queued events."""
        for organisation in self.store.organisations.values():
            books = organisation.documents
            for category, resource_id, kind in books.changes:
                self.sequence += 1
                resource = {"CONTACT": "Contacts", "INVOICE": "Invoices"}.get(
                    category, "CreditNotes"
                )
                self.pending.append(
                    {
                        "resourceUrl": f"https://api.xero.com/api.xro/2.0/{resource}/{resource_id}",
                        "resourceId": resource_id,
                        "eventDateUtc": self.store.clock().strftime("%Y-%m-%dT%H:%M:%S.%f"),
                        "eventType": kind,
                        "eventCategory": category,
                        "tenantId": organisation.tenant_id,
                        "tenantType": "ORGANISATION",
                        "sequence": self.sequence,
                    }
                )
            books.changes.clear()

    def _payload(self, events: list[dict[str, Any]]) -> bytes:
        sequences = [event.pop("sequence") for event in events] or [self.sequence]
        return json.dumps(
            {
                "events": events,
                "firstEventSequence": min(sequences),
                "lastEventSequence": max(sequences),
                "entropy": secrets.token_hex(10).upper(),
            }
        ).encode()

    async def _send(self, body: bytes, signature: str) -> Delivery:
        assert self.url is not None
        async with httpx.AsyncClient(transport=self.transport, timeout=5) as client:
            try:
                answer = await client.post(
                    self.url,
                    content=body,
                    headers={"Content-Type": "application/json", "x-xero-signature": signature},
                )
            except httpx.HTTPError as exc:
                return Delivery(None, 0, type(exc).__name__)
        return Delivery(answer.status_code, 0)

    async def flush(self) -> list[Delivery]:
        """Send what is queued in one signed delivery; kept queued if the receiver fails."""
        self.collect()
        if self.url is None or not self.pending:
            return []
        events = [dict(event) for event in self.pending]
        body = self._payload(events)
        delivery = await self._send(body, hmac_sha256_base64(self.key.encode(), body))
        delivery.events = len(events)
        self.deliveries.append(delivery)
        if delivery.status is not None and 200 <= delivery.status < 300:
            self.pending.clear()
        return [delivery]

    async def intent_to_receive(self) -> dict[str, Any]:
        """Xero's check: a correctly signed empty delivery must get 200, a wrongly signed one
        401; only then does Xero start sending events."""
        body = self._payload([])
        good = await self._send(body, hmac_sha256_base64(self.key.encode(), body))
        bad = await self._send(body, hmac_sha256_base64(b"not-the-key", body))
        return {
            "good_signature_status": good.status,
            "bad_signature_status": bad.status,
            "passed": good.status == 200 and bad.status == 401,
        }
