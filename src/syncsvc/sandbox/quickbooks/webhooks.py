"""QuickBooks' webhooks in the CloudEvents format, current since Intuit made the move from
`eventNotifications` mandatory in 2026 (FACTS.md section 6): a JSON array of events
`{specversion, id, source, type: "qbo.invoice.updated.v1", datacontenttype, time,
intuitentityid, intuitaccountid, data}`, at most 100 a delivery, signed `intuit-signature` =
base64 HMAC-SHA256 of the raw body with the app's verifier token. Events are for Customer,
Invoice, Payment and CreditMemo changes in companies the app is connected to; they are
queued and sent when flushed (tests decide when), kept until the receiver answers 200."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from syncsvc.kit.signatures import hmac_sha256_base64
from syncsvc.sandbox.quickbooks.company import NOTIFIED
from syncsvc.sandbox.quickbooks.store import DEFAULT_CLIENT, QuickBooksStore

MAX_EVENTS = 100
OPERATIONS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided"}


@dataclass
class Delivery:
    status: int | None
    events: int
    error: str | None = None


@dataclass
class Webhooks:
    store: QuickBooksStore
    transport: httpx.AsyncBaseTransport | None = None
    url: str | None = None
    client_id: str = DEFAULT_CLIENT[0]
    # Intuit may send `application/cloudevents+json` (FACTS.md section 6): settable to test
    # a receiver against it.
    content_type: str = "application/json"
    read_up_to: dict[str, int] = field(default_factory=dict)  # realm -> changes turned to events
    pending: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    def reset(self) -> None:
        self.read_up_to.clear()
        self.pending.clear()
        self.deliveries.clear()

    def _connected(self, realm_id: str) -> bool:
        return any(
            t.grant.realm_id == realm_id
            and t.grant.client_id == self.client_id
            and not t.grant.revoked
            for t in self.store.refresh_tokens.values()
        )

    def collect(self) -> None:
        """Turn every company's new changes into queued events (only companies the app is
        connected to produce them)."""
        for realm_id, company in self.store.companies.items():
            start = self.read_up_to.get(realm_id, 0)
            self.read_up_to[realm_id] = len(company.changes)
            if not self._connected(realm_id):
                continue
            for change in company.changes[start:]:
                if change.entity not in NOTIFIED:
                    continue
                self.pending.append(
                    {
                        "specversion": "1.0",
                        "id": str(uuid.uuid4()),
                        "source": "intuit.sandbox",
                        "type": f"qbo.{change.entity.lower()}.{OPERATIONS[change.operation]}.v1",
                        "datacontenttype": "application/json",
                        "time": change.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                        "intuitentityid": change.entity_id,
                        "intuitaccountid": realm_id,
                        "data": {},
                    }
                )

    def signature(self, body: bytes) -> str:
        app = self.store.apps[self.client_id]
        return hmac_sha256_base64(app.verifier_token.encode(), body)

    async def _send(self, body: bytes) -> Delivery:
        assert self.url is not None
        async with httpx.AsyncClient(transport=self.transport, timeout=3) as client:
            try:
                answer = await client.post(
                    self.url,
                    content=body,
                    headers={
                        "Content-Type": self.content_type,
                        "intuit-signature": self.signature(body),
                    },
                )
            except httpx.HTTPError as exc:
                return Delivery(None, 0, type(exc).__name__)
        return Delivery(answer.status_code, 0)

    async def flush(self) -> list[Delivery]:
        """Send what is queued, 100 events a delivery, in order; stop at the first delivery
        the receiver does not take (it is sent again on the next flush, as Intuit retries)."""
        self.collect()
        sent: list[Delivery] = []
        while self.url is not None and self.pending:
            events = self.pending[:MAX_EVENTS]
            delivery = await self._send(json.dumps(events).encode())
            delivery.events = len(events)
            self.deliveries.append(delivery)
            sent.append(delivery)
            if delivery.status != 200:
                break
            del self.pending[: len(events)]
        return sent
