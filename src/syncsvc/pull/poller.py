"""The pull engine: what happened in Xero to the documents this service created comes back to
the host as events.

Per connection and resource a cursor: each poll reads what changed since the cursor less an
overlap (so a change in the same second as the last read is not missed), and moves the cursor
to the newest change it saw, never past the moment the read began, never back. What was
already reported (`pulled_documents`) makes a repeated sighting say nothing. Only documents
the service created (and payments on them) are looked at; the rest of the organisation is
left alone. Payments the service itself pushed are not news.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import NotConnected
from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.cipher import TokenCipherError
from syncsvc.kit.clock import Clock
from syncsvc.models import Connection, PulledDocument, SyncRecord
from syncsvc.models.enums import RecordKind
from syncsvc.providers.errors import NeedsReauth, RateLimited, Transient
from syncsvc.providers.pacing import DailyLimitReached
from syncsvc.providers.xero.reads import changed_since, parse_date, parse_datetime
from syncsvc.pull.repository import (
    PullRepository,
    connections_to_poll,
    release_poll_lease,
    take_poll_lease,
)
from syncsvc.settings.service import SettingsService

if TYPE_CHECKING:
    from syncsvc.state import AppState

log = logging.getLogger(__name__)
OVERLAP = timedelta(seconds=5)
RESOURCES = ("Payments", "Invoices", "Contacts")


@dataclass
class Sighting:
    """What one resource's read amounts to: events to send, documents to remember."""

    events: list[tuple[EventType, dict[str, Any]]] = field(default_factory=list)
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)


def poller_for(state: AppState) -> Poller:
    """The app's poller: every connection each SYNCSVC_POLL_INTERVAL_SECONDS, leases held
    under this replica's name."""
    worker = state.settings.worker
    return Poller(
        state.sessions,
        state.providers,
        state.clock,
        interval=timedelta(seconds=worker.poll_interval_seconds),
        owner=worker.worker_id,
    )


class Poller:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: ProviderHub,
        clock: Clock,
        *,
        interval: timedelta = timedelta(minutes=5),
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.hub = hub
        self.clock = clock
        self.interval = interval
        self.owner = owner or uuid.uuid4().hex
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets

    async def run_once(self) -> int:
        """Poll every connection that is due; returns the events raised."""
        async with self.sessions() as session:
            due = await connections_to_poll(session, self.clock())
        raised = 0
        for connection_id in due:
            raised += await self.poll(connection_id)
        return raised

    async def poll(self, connection_id: int, resources: tuple[str, ...] = RESOURCES) -> int:
        """One poll of one connection (of `resources`: a webhook's targeted poll reads only
        what its events name), unless another is under way on any replica. Returns the
        events raised."""
        async with transaction(self.sessions) as session:
            if not await take_poll_lease(session, connection_id, self.owner, self.clock()):
                return 0
            connection = await session.get(Connection, connection_id)
            assert connection is not None
            tenant_id, connected_at = connection.tenant_id, connection.created_at
        result = 0
        try:
            result = await self._poll(connection_id, tenant_id, connected_at, resources)
        finally:
            # Spread the next polls of many connections over the interval.
            jitter = self.interval * self.rng.uniform(-0.1, 0.1)
            async with transaction(self.sessions) as session:
                await release_poll_lease(
                    session, connection_id, self.owner, self.clock() + self.interval + jitter
                )
        return result

    async def _poll(
        self,
        connection_id: int,
        tenant_id: uuid.UUID,
        connected_at: datetime,
        resources: tuple[str, ...],
    ) -> int:
        try:
            active = await self.hub.tokens.active(tenant_id)
        except (NotConnected, NeedsReauth, TokenCipherError):
            return 0
        client = self.hub.client(active)
        async with self.sessions() as session:
            settings = await SettingsService(session, tenant_id, self.clock).account_settings()
        raised = 0
        try:
            for resource in resources:
                if resource == "Contacts" and not settings.pull_customer_updates:
                    continue
                began = self.clock()
                async with self.sessions() as session:
                    cursor = await PullRepository(session, tenant_id, connection_id).cursor(
                        resource
                    )
                since = (cursor or connected_at) - OVERLAP
                documents = await changed_since(client, resource, since)
                raised += await self._take_in(tenant_id, connection_id, resource, documents, began)
        except (RateLimited, DailyLimitReached, Transient, NeedsReauth) as exc:
            # What was read is kept; the rest waits for the next poll.
            log.warning(
                "poll interrupted",
                extra={"tenant_id": str(tenant_id), "reason": str(exc)},
            )
        return raised

    async def _take_in(
        self,
        tenant_id: uuid.UUID,
        connection_id: int,
        resource: str,
        documents: list[dict[str, Any]],
        began: datetime,
    ) -> int:
        """Turn one resource's changes into events, remember them and move the cursor, in
        one transaction: a crash re-reads them, and what was reported stays reported."""
        now = self.clock()
        async with transaction(self.sessions) as session:
            repository = PullRepository(session, tenant_id, connection_id)
            if resource == "Payments":
                sighting = await _payments(repository, documents)
            elif resource == "Invoices":
                sighting = await _invoices(repository, documents)
            else:
                sighting = await _contacts(repository, documents)
            events = EventRepository(session, tenant_id)
            for event_type, data in sighting.events:
                await events.append(event_type.value, data, now)
            await repository.remember(resource, sighting.seen, now)
            newest = max(
                (moment for d in documents if (moment := parse_datetime(d.get("UpdatedDateUTC")))),
                default=None,
            )
            # Everything changed before the read began (less the overlap, for clock skew and
            # writes still landing) has been read: the cursor goes that far, or to the newest
            # change seen, never past the read's start.
            position = began - OVERLAP if newest is None else max(newest, began - OVERLAP)
            await repository.advance(resource, min(position, began), now)
        return len(sighting.events)


async def _payments(repository: PullRepository, documents: list[dict[str, Any]]) -> Sighting:
    sighting = Sighting()
    on_invoices = [d for d in documents if d.get("PaymentType", "ACCRECPAYMENT") == "ACCRECPAYMENT"]
    invoice_ids = {str((d.get("Invoice") or {}).get("InvoiceID")) for d in on_invoices}
    invoices = await repository.records_by_provider_id(RecordKind.INVOICE, invoice_ids)
    pushed = await repository.records_by_provider_id(
        RecordKind.PAYMENT, (str(d.get("PaymentID")) for d in on_invoices)
    )
    reported = await repository.reported("Payments", (str(d.get("PaymentID")) for d in on_invoices))
    for document in on_invoices:
        payment_id = str(document.get("PaymentID"))
        invoice = invoices.get(str((document.get("Invoice") or {}).get("InvoiceID")))
        if invoice is None:
            continue  # not on a document this service created
        status = str(document.get("Status") or "AUTHORISED")
        sighting.seen[payment_id] = (status, _fingerprint(document))
        host_payment = pushed.get(payment_id)
        if host_payment is not None:  # the host's own payment: news only if Xero deleted it
            if status == "DELETED" and not host_payment.deleted:
                previous = reported.get(payment_id)
                if previous is None or previous.status != "DELETED":
                    sighting.events.append(
                        (EventType.PAYMENT_DELETED, _payment_data(document, invoice, host_payment))
                    )
            continue
        previous = reported.get(payment_id)
        if status == "AUTHORISED" and previous is None:
            sighting.events.append(
                (EventType.PAYMENT_RECEIVED, _payment_data(document, invoice, None))
            )
        elif status == "DELETED" and previous is not None and previous.status != "DELETED":
            sighting.events.append(
                (EventType.PAYMENT_DELETED, _payment_data(document, invoice, None))
            )
    return sighting


def _payment_data(
    document: dict[str, Any], invoice: SyncRecord, host_payment: SyncRecord | None
) -> dict[str, Any]:
    paid_on = parse_date(document.get("Date"))
    return {
        "invoice_id": invoice.host_id,
        "payment_id": host_payment.host_id if host_payment is not None else None,
        "amount": str(Decimal(str(document.get("Amount"))).quantize(Decimal("0.01"))),
        "date": paid_on.isoformat() if paid_on else None,
        "account_code": (document.get("Account") or {}).get("Code"),
        "reference": document.get("Reference"),
        "provider": {
            "payment_id": document.get("PaymentID"),
            "invoice_id": (document.get("Invoice") or {}).get("InvoiceID"),
            "reconciled": bool(document.get("IsReconciled")),
        },
    }


async def _invoices(repository: PullRepository, documents: list[dict[str, Any]]) -> Sighting:
    sighting = Sighting()
    invoices = await repository.records_by_provider_id(
        RecordKind.INVOICE, (str(d.get("InvoiceID")) for d in documents)
    )
    reported = await repository.reported("Invoices", invoices)
    paid_now = [
        d for d in documents if d.get("Status") == "PAID" and str(d.get("InvoiceID")) in invoices
    ]
    own_payments = await repository.payments_on(
        invoices[str(d.get("InvoiceID"))].host_id for d in paid_now
    )
    for document in documents:
        invoice_id = str(document.get("InvoiceID"))
        invoice = invoices.get(invoice_id)
        if invoice is None:
            continue
        status = str(document.get("Status"))
        sighting.seen[invoice_id] = (status, _fingerprint(document))
        previous: PulledDocument | None = reported.get(invoice_id)
        if previous is not None and previous.status == status:
            continue
        if status == "PAID" and not _paid_by_host(invoice, document, own_payments):
            fully_paid = parse_date(document.get("FullyPaidOnDate"))
            sighting.events.append(
                (
                    EventType.INVOICE_PAID,
                    {
                        "invoice_id": invoice.host_id,
                        "amount_paid": str(document.get("AmountPaid")),
                        "fully_paid_on": fully_paid.isoformat() if fully_paid else None,
                        "provider": {"invoice_id": invoice_id},
                    },
                )
            )
        voided_by_host = invoice.deleted or invoice.payload.get("status") == "void"
        if status in ("VOIDED", "DELETED") and not voided_by_host:
            sighting.events.append(
                (
                    EventType.INVOICE_VOIDED,
                    {
                        "invoice_id": invoice.host_id,
                        "status": status.lower(),
                        "provider": {"invoice_id": invoice_id},
                    },
                )
            )
    return sighting


def _paid_by_host(invoice: SyncRecord, document: dict[str, Any], own: list[SyncRecord]) -> bool:
    """The host's own payments alone pay it: Xero saying PAID is the host's news, not ours."""
    total = Decimal(str(document.get("Total") or 0))
    paid = sum(
        (
            Decimal(str(p.payload["amount"]))
            for p in own
            if p.payload["invoice_id"] == invoice.host_id
        ),
        Decimal(0),
    )
    return paid >= total


async def _contacts(repository: PullRepository, documents: list[dict[str, Any]]) -> Sighting:
    sighting = Sighting()
    customers = await repository.records_by_provider_id(
        RecordKind.CUSTOMER, (str(d.get("ContactID")) for d in documents)
    )
    reported = await repository.reported("Contacts", customers)
    for document in documents:
        contact_id = str(document.get("ContactID"))
        customer = customers.get(contact_id)
        if customer is None:
            continue
        fingerprint = _fingerprint(_contact_fields(document))
        status = str(document.get("ContactStatus") or "ACTIVE")
        sighting.seen[contact_id] = (status, fingerprint)
        if document.get("UpdatedDateUTC") == customer.provider_version:
            continue  # as the service's own write left it: not news to the host
        previous = reported.get(contact_id)
        if previous is not None and previous.fingerprint == fingerprint:
            continue
        sighting.events.append(
            (
                EventType.CUSTOMER_UPDATED,
                {
                    "customer_id": customer.host_id,
                    **_contact_fields(document),
                    "provider": {"contact_id": contact_id},
                },
            )
        )
    return sighting


def _contact_fields(document: dict[str, Any]) -> dict[str, Any]:
    phones = [p for p in document.get("Phones") or [] if p.get("PhoneNumber")]
    return {
        "name": document.get("Name"),
        "email": document.get("EmailAddress"),
        "phone": phones[0].get("PhoneNumber") if phones else None,
        "status": str(document.get("ContactStatus") or "ACTIVE").lower(),
        "addresses": [
            {
                key: address.get(source)
                for key, source in (
                    ("type", "AddressType"),
                    ("line1", "AddressLine1"),
                    ("line2", "AddressLine2"),
                    ("city", "City"),
                    ("region", "Region"),
                    ("postal_code", "PostalCode"),
                    ("country", "Country"),
                )
                if address.get(source)
            }
            for address in document.get("Addresses") or []
            if address.get("AddressLine1") or address.get("City")
        ],
    }


def _fingerprint(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
