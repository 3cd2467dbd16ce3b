"""The pull engine: what happened in the accounting package to the documents this service
created comes back to the host as events.

Per connection and resource a cursor: each poll reads what changed since the cursor less an
overlap (so a change in the same second as the last read is not missed), and moves the cursor
to the newest change it saw, never past the moment the read began, never back. What was
already reported (`pulled_documents`) makes a repeated sighting say nothing. Only documents
the service created (and payments on them) are looked at; the rest of the organisation is
left alone. Payments the service itself pushed are not news. Where the package never reports
a deletion in its changes, the payments reported live are read again by id, and those gone
are `payment.deleted`. Bills the service created come back with the payments made on them in
the package: each payment `supplier_payment.received`, a bill paid in full `bill.paid`.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import NotConnected
from syncsvc.db import transaction
from syncsvc.events import payloads
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.cipher import TokenCipherError
from syncsvc.kit.clock import Clock
from syncsvc.models import Connection, PulledDocument, SyncRecord
from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import Books, ByIds, ChangedSince
from syncsvc.providers.documents import Contact, Receipt, Remote, SalesDocument, State
from syncsvc.providers.errors import NeedsReauth, RateLimited, Transient
from syncsvc.providers.pacing import DailyLimitReached
from syncsvc.pull.purchases import SUPPLIER_PAYMENT, bills
from syncsvc.pull.repository import (
    PullRepository,
    connections_to_poll,
    release_poll_lease,
    take_poll_lease,
)
from syncsvc.pull.sighting import Sighting, fingerprint
from syncsvc.push.repository import PushRepository
from syncsvc.settings.service import SettingsService

if TYPE_CHECKING:
    from syncsvc.state import AppState

log = logging.getLogger(__name__)
OVERLAP = timedelta(seconds=5)
RESOURCES = (
    RecordKind.PAYMENT,
    RecordKind.INVOICE,
    RecordKind.CUSTOMER,
    RecordKind.SUPPLIER_INVOICE,  # bills, with the payments made on them
)
# Resources read only once the service has put something there: kind -> the host records
# whose copies it holds (an owed expense is a bill too).
OPTIONAL = {RecordKind.SUPPLIER_INVOICE: (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE)}


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

    async def poll(self, connection_id: int, resources: tuple[RecordKind, ...] = RESOURCES) -> int:
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
        resources: tuple[RecordKind, ...],
    ) -> int:
        try:
            active = await self.hub.tokens.active(tenant_id)
        except (NotConnected, NeedsReauth, TokenCipherError):
            return 0
        books = self.hub.books(active)
        async with self.sessions() as session:
            settings = await SettingsService(session, tenant_id, self.clock).account_settings()
        raised = 0
        try:
            for kind in resources:
                if kind is RecordKind.CUSTOMER and not settings.pull_customer_updates:
                    continue
                if kind not in books.capabilities.writes:
                    continue  # the package holds none of the service's
                began = self.clock()
                async with self.sessions() as session:
                    repository = PullRepository(session, tenant_id, connection_id)
                    if kind in OPTIONAL and not await repository.holds_any(OPTIONAL[kind]):
                        continue  # nothing of the service's there: no call spent
                    cursor = await repository.cursor(kind)
                since = (cursor or connected_at) - OVERLAP
                remotes: list[Remote[Any]] = []
                async for page in books.scan(kind, ChangedSince(since)):
                    remotes += page
                raised += await self._take_in(tenant_id, connection_id, kind, remotes, began)
                if kind is RecordKind.PAYMENT and not books.capabilities.sees_deletions:
                    raised += await self._sweep_deletions(books, tenant_id, connection_id)
        except (RateLimited, DailyLimitReached) as exc:
            # What was read is kept; the rest waits for the next poll.
            if isinstance(exc, RateLimited):
                self.hub.count_rate_limited(active.provider, exc.scope)
                self.hub.budget(active.provider, active.organisation_id).pause_until(
                    self.clock() + timedelta(seconds=exc.retry_after)
                )
            log.warning("poll interrupted", extra={"tenant_id": str(tenant_id), "reason": str(exc)})
        except Transient as exc:
            log.warning("poll interrupted", extra={"tenant_id": str(tenant_id), "reason": str(exc)})
        except NeedsReauth as exc:
            async with transaction(self.sessions) as session:
                await PushRepository(session, tenant_id).needs_reauth(connection_id, exc.message)
                await EventRepository(session, tenant_id).append(
                    EventType.CONNECTION_NEEDS_REAUTH.value, {"reason": exc.message}, self.clock()
                )
        return raised

    async def _sweep_deletions(self, books: Books, tenant_id: uuid.UUID, connection_id: int) -> int:
        """The package reports no deletions: the payments known live are read by id."""
        async with self.sessions() as session:
            live = await PullRepository(session, tenant_id, connection_id).live_payments()
        gone: list[Remote[Any]] = []
        async for page in books.scan(RecordKind.PAYMENT, ByIds(tuple(sorted(live)))):
            for remote in page:
                if remote.state is State.GONE and (seen := live.get(str(remote.link.id))):
                    # Read by id, a deleted payment says nothing more: as it was last seen.
                    gone.append(replace(remote, document=_last_seen(seen)))
        if not gone:
            return 0
        return await self._take_in(tenant_id, connection_id, RecordKind.PAYMENT, gone, None)

    async def _take_in(
        self,
        tenant_id: uuid.UUID,
        connection_id: int,
        kind: RecordKind,
        remotes: list[Remote[Any]],
        began: datetime | None,
    ) -> int:
        """Turn one resource's changes into events, remember them and move the cursor, in
        one transaction: a crash re-reads them, and what was reported stays reported.
        `began`: when the read began (None: a read by id, which moves no cursor)."""
        now = self.clock()
        async with transaction(self.sessions) as session:
            repository = PullRepository(session, tenant_id, connection_id)
            if kind is RecordKind.PAYMENT:
                sighting = await _payments(repository, remotes)
            elif kind is RecordKind.INVOICE:
                sighting = await _invoices(repository, remotes)
            elif kind is RecordKind.SUPPLIER_INVOICE:
                sighting = await bills(repository, remotes)
            else:
                sighting = await _contacts(repository, remotes)
            events = EventRepository(session, tenant_id)
            for event_type, data in sighting.events:
                await events.append(event_type.value, data, now)
            await repository.remember(kind, sighting.seen, now, sighting.details)
            if sighting.payments_seen:
                await repository.remember(SUPPLIER_PAYMENT, sighting.payments_seen, now, {})
            if began is None:
                return len(sighting.events)
            newest = max((r.updated_at for r in remotes if r.updated_at), default=None)
            # Everything changed before the read began (less the overlap, for clock skew and
            # writes still landing) has been read: the cursor goes that far, or to the newest
            # change seen, never past the read's start.
            position = began - OVERLAP if newest is None else max(newest, began - OVERLAP)
            await repository.advance(kind, min(position, began), now)
        return len(sighting.events)


async def _payments(repository: PullRepository, remotes: list[Remote[Receipt]]) -> Sighting:
    sighting = Sighting()
    invoices = await repository.records_by_provider_id(
        RecordKind.INVOICE, {r.document.invoice for r in remotes}
    )
    ids = [str(r.link.id) for r in remotes]
    pushed = await repository.records_by_provider_id(RecordKind.PAYMENT, ids)
    reported = await repository.reported(RecordKind.PAYMENT, ids)
    for remote in remotes:
        payment_id = str(remote.link.id)
        previous = reported.get(payment_id)
        invoice = invoices.get(remote.document.invoice)
        if invoice is None:
            continue  # not on a document this service created
        gone = remote.state is State.GONE
        sighting.seen[payment_id] = (remote.state.value, fingerprint(_receipt_fields(remote)))
        sighting.details[payment_id] = _receipt_fields(remote)
        was_gone = previous is not None and previous.status == State.GONE.value
        host_payment = pushed.get(payment_id)
        if host_payment is not None:  # the host's own payment: news only if it was deleted
            if gone and not host_payment.deleted and not was_gone:
                sighting.events.append(
                    (EventType.PAYMENT_DELETED, _payment(invoice, host_payment, remote))
                )
            continue
        if not gone and previous is None:
            sighting.events.append((EventType.PAYMENT_RECEIVED, _payment(invoice, None, remote)))
        elif gone and previous is not None and not was_gone:
            sighting.events.append((EventType.PAYMENT_DELETED, _payment(invoice, None, remote)))
    return sighting


def _payment(
    invoice: SyncRecord, host_payment: SyncRecord | None, remote: Remote[Receipt]
) -> dict[str, Any]:
    host_id = host_payment.host_id if host_payment is not None else None
    return payloads.payment(invoice.host_id, host_id, remote)


def _receipt_fields(remote: Remote[Receipt]) -> dict[str, Any]:
    """What is kept of a payment seen: enough to say what a deletion took away."""
    receipt = remote.document
    return {
        "invoice": receipt.invoice,
        "amount": str(receipt.amount),
        "date": receipt.date.isoformat(),
        "account": receipt.deposit_account,
        "reference": receipt.reference,
    }


def _last_seen(details: dict[str, Any]) -> Receipt:
    return Receipt(
        invoice=str(details.get("invoice") or ""),
        amount=Decimal(str(details.get("amount") or 0)),
        date=date.fromisoformat(str(details.get("date") or "1970-01-01")),
        deposit_account=str(details.get("account") or ""),
        reference=details.get("reference"),
    )


async def _invoices(repository: PullRepository, remotes: list[Remote[SalesDocument]]) -> Sighting:
    sighting = Sighting()
    invoices = await repository.records_by_provider_id(
        RecordKind.INVOICE, (str(r.link.id) for r in remotes)
    )
    reported = await repository.reported(RecordKind.INVOICE, invoices)
    paid_now = [r for r in remotes if r.state is State.PAID and str(r.link.id) in invoices]
    own_payments = await repository.payments_on(invoices[str(r.link.id)].host_id for r in paid_now)
    for remote in remotes:
        invoice_id = str(remote.link.id)
        invoice = invoices.get(invoice_id)
        if invoice is None:
            continue
        status = remote.state.value
        sighting.seen[invoice_id] = (
            status,
            fingerprint({"state": status, "total": str(remote.total)}),
        )
        previous: PulledDocument | None = reported.get(invoice_id)
        if previous is not None and previous.status == status:
            continue
        if remote.state is State.PAID and not _paid_by_host(invoice, remote, own_payments):
            sighting.events.append(
                (EventType.INVOICE_PAID, payloads.invoice_paid(invoice.host_id, remote))
            )
        voided_by_host = invoice.deleted or invoice.payload.get("status") == "void"
        if remote.state in (State.VOID, State.GONE) and not voided_by_host:
            sighting.events.append(
                (
                    EventType.INVOICE_VOIDED,
                    payloads.invoice_voided(invoice.host_id, remote, remote.state is State.GONE),
                )
            )
    return sighting


def _paid_by_host(
    invoice: SyncRecord, remote: Remote[SalesDocument], own: list[SyncRecord]
) -> bool:
    """The host's own payments alone pay it: the package saying paid is the host's news, not
    ours."""
    total = remote.total or Decimal(0)
    paid = sum(
        (
            Decimal(str(p.payload["amount"]))
            for p in own
            if p.payload["invoice_id"] == invoice.host_id
        ),
        Decimal(0),
    )
    return paid >= total


async def _contacts(repository: PullRepository, remotes: list[Remote[Contact]]) -> Sighting:
    sighting = Sighting()
    customers = await repository.records_by_provider_id(
        RecordKind.CUSTOMER, (str(r.link.id) for r in remotes)
    )
    reported = await repository.reported(RecordKind.CUSTOMER, customers)
    for remote in remotes:
        contact_id = str(remote.link.id)
        customer = customers.get(contact_id)
        if customer is None:
            continue
        print_ = fingerprint(payloads.contact_fields(remote.document))
        sighting.seen[contact_id] = (remote.state.value, print_)
        if remote.link.version and remote.link.version == customer.provider_version:
            continue  # as the service's own write left it: not news to the host
        previous = reported.get(contact_id)
        if previous is not None and previous.fingerprint == print_:
            continue
        sighting.events.append(
            (EventType.CUSTOMER_UPDATED, payloads.customer_updated(customer.host_id, remote))
        )
    return sighting
