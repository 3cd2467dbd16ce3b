"""The push worker: for each connection with due records (held under a lease), customers
then invoices then payments, in batches of the provider's size, each record once.

Nothing is held locked while the provider is called: due records are read and the
transaction ends; outcomes are written in a new one, conditioned on the hash that was pushed
(a record the host changed meanwhile stays due). A batch whose answer was lost marks its
records uncertain; before they are written again they are looked up by the key the service
set (contact number, invoice number), so a crash or a lost answer never makes a duplicate.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import NotConnected
from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.cipher import TokenCipherError
from syncsvc.kit.clock import Clock
from syncsvc.models import Connection, SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.base import LookupItem, LookupKind
from syncsvc.providers.errors import (
    Misconfigured,
    NeedsReauth,
    RateLimited,
    RecordError,
    Transient,
)
from syncsvc.providers.xero import mapping
from syncsvc.providers.xero.client import XeroClient
from syncsvc.providers.xero.writes import WriteItem, WriteOutcome, find, write
from syncsvc.push.leases import (
    connections_with_due_work,
    release_lease,
    renew_lease,
    take_lease,
)
from syncsvc.push.policy import Action, decide
from syncsvc.push.repository import PushRepository
from syncsvc.records.canonical import Customer, Invoice, Payment
from syncsvc.settings.schemas import AccountSettings, Overrides
from syncsvc.settings.service import SettingsService

log = logging.getLogger(__name__)
ORDER = (RecordKind.CUSTOMER, RecordKind.INVOICE, RecordKind.PAYMENT)


@dataclass(frozen=True)
class Due:
    """A due record as read, with the hash being pushed."""

    id: int
    host_id: str
    payload: dict[str, Any]
    payload_hash: str
    deleted: bool
    provider_id: str | None
    write_uncertain: bool
    attempts: int


@dataclass
class Planned:
    due: Due
    item: WriteItem | None  # None: nothing to send (e.g. a void of what Xero never had)
    resource: str = ""


class Stop(Exception):
    """The connection cannot go on now (rate limited, re-authorisation, not connected)."""


class PushWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: ProviderHub,
        clock: Clock,
        *,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.hub = hub
        self.clock = clock
        self.owner = owner or uuid.uuid4().hex
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.calls = 0

    async def run_once(self) -> int:
        """Push every connection that has due records now; returns the records settled."""
        async with transaction(self.sessions) as session:
            candidates = await connections_with_due_work(session, self.clock())
        settled = 0
        for connection_id in candidates:
            async with transaction(self.sessions) as session:
                if not await take_lease(session, connection_id, self.owner, self.clock()):
                    continue
                connection = await session.get(Connection, connection_id)
                assert connection is not None
                tenant_id = connection.tenant_id
            try:
                settled += await self._push_connection(connection_id, tenant_id)
            finally:
                async with transaction(self.sessions) as session:
                    await release_lease(session, connection_id, self.owner)
        return settled

    async def _push_connection(self, connection_id: int, tenant_id: uuid.UUID) -> int:
        try:
            active = await self.hub.tokens.active(tenant_id)
        except (NotConnected, NeedsReauth):
            return 0
        except TokenCipherError:
            log.error(
                "connection tokens cannot be decrypted: check SYNCSVC_SECRET_KEY",
                extra={"tenant_id": str(tenant_id)},
            )
            return 0
        adapter = self.hub.adapter(active.provider)
        client = XeroClient(self.hub.http, adapter.facts, active.token, active.organisation_id)
        async with self.sessions() as session:
            settings_service = SettingsService(session, tenant_id, self.clock)
            settings = await settings_service.account_settings()
            overrides = await settings_service.overrides()
        context = Context(
            tenant_id,
            connection_id,
            client,
            settings,
            overrides,
            adapter.facts.batch_size,
            self.hub,
            active.organisation_id,
            active.provider,
        )
        settled = 0
        try:
            for kind in ORDER:
                settled += await self._push_kind(context, kind)
        except Stop:
            pass
        except RateLimited as exc:  # on a read made while planning
            await self._pause(context, exc)
        except NeedsReauth as exc:
            await self._needs_reauth(context, exc)
        except Transient as exc:
            # A read made while planning failed: nothing was written; the next run retries.
            log.warning(
                "push interrupted", extra={"tenant_id": str(tenant_id), "reason": exc.message}
            )
        return settled

    async def _push_kind(self, ctx: Context, kind: RecordKind) -> int:
        settled = 0
        after = 0
        while True:
            async with transaction(self.sessions) as session:
                # Renewed before every batch: a long push keeps its connection; a worker
                # whose lease ran out (it stalled) stops instead of racing the new holder.
                if not await renew_lease(session, ctx.connection_id, self.owner, self.clock()):
                    raise Stop
            async with self.sessions() as session:
                rows = await PushRepository(session, ctx.tenant_id).due(
                    kind.value, self.clock(), ctx.batch_size, after
                )
                batch = [_due(row) for row in rows]
                dependencies = await self._dependencies(session, ctx, kind, batch)
            if not batch:
                return settled
            after = batch[-1].id
            plans = [await self._plan(ctx, kind, due, dependencies) for due in batch]
            settled += await self._send(ctx, kind, [p for p in plans if p is not None])

    async def _dependencies(
        self, session: AsyncSession, ctx: Context, kind: RecordKind, batch: list[Due]
    ) -> dict[str, SyncRecord]:
        repository = PushRepository(session, ctx.tenant_id)
        if kind is RecordKind.INVOICE:
            return await repository.by_keys(
                RecordKind.CUSTOMER.value, (d.payload["customer_id"] for d in batch)
            )
        if kind is RecordKind.PAYMENT:
            return await repository.by_keys(
                RecordKind.INVOICE.value, (d.payload["invoice_id"] for d in batch)
            )
        return {}

    async def _plan(
        self, ctx: Context, kind: RecordKind, due: Due, dependencies: dict[str, SyncRecord]
    ) -> Planned | None:
        """The write for one record, or None after recording why it waits or failed."""
        try:
            if kind is RecordKind.CUSTOMER:
                return self._plan_customer(due)
            if kind is RecordKind.INVOICE:
                return await self._plan_invoice(ctx, due, dependencies)
            return await self._plan_payment(ctx, due, dependencies)
        except _Waiting:
            return None  # what it needs is on its way: looked at again next time
        except _Blocked as blocked:
            await self._settle(ctx, due, state=SyncState.BLOCKED, error=str(blocked))
        except (Misconfigured, RecordError) as exc:
            await self._fail(ctx, kind, due, exc.message)
        return None

    def _plan_customer(self, due: Due) -> Planned:
        customer = Customer.model_validate({"version": 0, **due.payload})
        number = mapping.contact_number(customer, due.host_id)
        body = mapping.contact_body(customer, due.host_id, contact_id=due.provider_id)
        if due.deleted:
            if due.provider_id is None:
                return Planned(due, None)
            body = {
                "ContactID": due.provider_id,
                "ContactNumber": number,
                "ContactStatus": "ARCHIVED",
            }
        return Planned(due, WriteItem(number, body), "Contacts")

    async def _plan_invoice(
        self, ctx: Context, due: Due, customers: dict[str, SyncRecord]
    ) -> Planned:
        invoice = Invoice.model_validate({"version": 0, **due.payload})
        if due.deleted:
            invoice = invoice.model_copy(update={"status": "void"})
        customer = _ready(customers, invoice.customer_id, "customer")
        existing_status = None
        if due.provider_id and invoice.status == "void":
            found = await find(ctx.client, "Invoices", [invoice.number])
            existing_status = found.get(invoice.number, {}).get("Status")
        plan = mapping.invoice_plan(
            invoice,
            due.host_id,
            mapping.InvoiceContext(
                ctx.settings,
                ctx.overrides,
                str(customer.provider_id),
                await ctx.tax_rates(),
                await ctx.account_tax_types(),
                invoice_id=due.provider_id,
                existing_status=existing_status,
            ),
        )
        if plan.outcome is mapping.Outcome.NOTHING:
            return Planned(due, None)
        plan.body.setdefault("InvoiceNumber", invoice.number)
        return Planned(due, WriteItem(invoice.number, plan.body), "Invoices")

    async def _plan_payment(
        self, ctx: Context, due: Due, invoices: dict[str, SyncRecord]
    ) -> Planned:
        payment = Payment.model_validate({"version": 0, **due.payload})
        if due.deleted:
            if due.provider_id is None:
                return Planned(due, None)
            body = mapping.delete_payment_body(due.provider_id)
            return Planned(due, WriteItem(due.host_id, body), "Payments/delete")
        invoice_record = _ready(invoices, payment.invoice_id, "invoice")
        invoice = Invoice.model_validate({"version": 0, **invoice_record.payload})
        if invoice.status == "draft" or ctx.settings.invoice_status == "draft":
            raise _Blocked(f"invoice {payment.invoice_id} is a draft in Xero: approve it first")
        body = mapping.payment_body(
            payment, str(invoice_record.provider_id), ctx.settings, ctx.overrides
        )
        body["Reference"] = payment.reference or f"syncsvc:{due.host_id}"
        return Planned(due, WriteItem(body["Reference"], body), "Payments")

    async def _send(self, ctx: Context, kind: RecordKind, plans: list[Planned]) -> int:
        settled = 0
        for plan in [p for p in plans if p.item is None]:
            await self._settle(ctx, plan.due, state=SyncState.SYNCED)
            settled += 1
        by_resource: dict[str, list[Planned]] = {}
        for plan in plans:
            if plan.item is not None:
                by_resource.setdefault(plan.resource, []).append(plan)
        for resource, group in by_resource.items():
            settled += await self._write_group(ctx, kind, resource, group)
        return settled

    async def _write_group(
        self, ctx: Context, kind: RecordKind, resource: str, group: list[Planned]
    ) -> int:
        try:
            if resource == "Payments/delete":
                outcomes = [await self._delete_payment(ctx, plan) for plan in group]
            else:
                await self._adopt_uncertain(ctx, resource, group)
                items = [plan.item for plan in group if plan.item is not None]
                self.calls += 1
                outcomes = await write(ctx.client, resource, items)
        except RateLimited as exc:
            await self._pause(ctx, exc)
            raise Stop from exc
        except NeedsReauth as exc:
            await self._needs_reauth(ctx, exc)
            raise Stop from exc
        except Transient as exc:
            for plan in group:
                await self._retry(ctx, kind, plan.due, exc)
            return 0
        settled = 0
        for plan, outcome in zip(group, outcomes, strict=True):
            if outcome.error is not None:
                await self._fail(ctx, kind, plan.due, outcome.error.message)
            else:
                await self._settle(ctx, plan.due, state=SyncState.SYNCED, outcome=outcome)
                settled += 1
        return settled

    async def _adopt_uncertain(self, ctx: Context, resource: str, group: list[Planned]) -> None:
        """Records whose last write may have been applied: find them first, and update what
        is found instead of creating it again."""
        uncertain = [p for p in group if p.due.write_uncertain and p.item is not None]
        if not uncertain:
            return
        self.calls += 1
        found = await find(ctx.client, resource, [p.item.key for p in uncertain if p.item])
        id_field = {"Contacts": "ContactID", "Invoices": "InvoiceID"}.get(resource)
        for plan in uncertain:
            assert plan.item is not None
            document = found.get(plan.item.key)
            if document is not None and id_field is not None:
                plan.item.body[id_field] = document[id_field]

    async def _delete_payment(self, ctx: Context, plan: Planned) -> WriteOutcome:
        assert plan.item is not None
        assert plan.due.provider_id is not None
        self.calls += 1
        await ctx.client.write("POST", f"Payments/{plan.due.provider_id}", plan.item.body)
        return WriteOutcome(plan.item.key, plan.due.provider_id, None, None, None)

    # --- outcomes ------------------------------------------------------------------------------

    async def _settle(
        self,
        ctx: Context,
        due: Due,
        *,
        state: SyncState,
        error: str | None = None,
        outcome: WriteOutcome | None = None,
    ) -> None:
        now = self.clock()
        values: dict[str, Any] = {"state": state.value, "last_error": error, "updated_at": now}
        if state is SyncState.SYNCED:
            # Pushed what was read; if the host changed it since, it is still due.
            values.update(
                pushed_hash=due.payload_hash,
                state=case(
                    (SyncRecord.payload_hash == due.payload_hash, SyncState.SYNCED.value),
                    else_=SyncState.PENDING.value,
                ),
                attempts=0,
                write_uncertain=False,
                synced_at=now,
            )
            if outcome is not None and outcome.provider_id:
                values.update(
                    provider_id=outcome.provider_id,
                    provider_key=outcome.key,
                    provider_version=outcome.updated,
                )
        async with transaction(self.sessions) as session:
            await session.execute(
                update(SyncRecord)
                .where(SyncRecord.id == due.id, SyncRecord.tenant_id == ctx.tenant_id)
                .values(**values)
            )

    async def _fail(self, ctx: Context, kind: RecordKind, due: Due, message: str) -> None:
        now = self.clock()
        async with transaction(self.sessions) as session:
            await session.execute(
                update(SyncRecord)
                .where(SyncRecord.id == due.id, SyncRecord.tenant_id == ctx.tenant_id)
                .values(
                    state=SyncState.FAILED.value,
                    last_error=message,
                    attempts=due.attempts + 1,
                    updated_at=now,
                )
            )
            await EventRepository(session, ctx.tenant_id).append(
                EventType.SYNC_FAILED.value,
                {"kind": kind.value, "id": due.host_id, "message": message},
                now,
            )
        log.info("record refused", extra={"kind": kind.value, "reason": message})

    async def _retry(self, ctx: Context, kind: RecordKind, due: Due, error: Transient) -> None:
        decision = decide(error, due.attempts + 1, self.clock(), self.rng)
        if decision.action is Action.FAIL_RECORD:
            await self._fail(ctx, kind, due, decision.reason)
            return
        async with transaction(self.sessions) as session:
            await session.execute(
                update(SyncRecord)
                .where(SyncRecord.id == due.id, SyncRecord.tenant_id == ctx.tenant_id)
                .values(
                    attempts=due.attempts + 1,
                    next_attempt_at=decision.at,
                    last_error=error.message,
                    write_uncertain=SyncRecord.write_uncertain | error.uncertain,
                )
            )

    async def _needs_reauth(self, ctx: Context, error: NeedsReauth) -> None:
        async with transaction(self.sessions) as session:
            await PushRepository(session, ctx.tenant_id).needs_reauth(
                ctx.connection_id, error.message
            )
            await EventRepository(session, ctx.tenant_id).append(
                EventType.CONNECTION_NEEDS_REAUTH.value, {"reason": error.message}, self.clock()
            )

    async def _pause(self, ctx: Context, error: RateLimited) -> None:
        decision = decide(error, 1, self.clock(), self.rng)
        assert decision.at is not None
        async with transaction(self.sessions) as session:
            await PushRepository(session, ctx.tenant_id).pause(
                ctx.connection_id, decision.at, decision.reason
            )


class _Blocked(Exception):
    """What the record needs failed or never came: it waits, and says why."""


class _Waiting(Exception):
    """What the record needs is still on its way."""


def _ready(records: dict[str, SyncRecord], host_id: str, label: str) -> SyncRecord:
    record = records.get(host_id)
    if record is None:
        raise _Blocked(f"{label} {host_id} has not been received from the host")
    if record.state in (SyncState.FAILED.value, SyncState.BLOCKED.value):
        raise _Blocked(f"waiting on {label} {host_id}, which {record.state}: {record.last_error}")
    if record.provider_id is None:
        raise _Waiting(host_id)
    return record


def _due(row: SyncRecord) -> Due:
    return Due(
        row.id,
        row.host_id,
        row.payload,
        row.payload_hash,
        row.deleted,
        row.provider_id,
        row.write_uncertain,
        row.attempts,
    )


@dataclass
class Context:
    tenant_id: uuid.UUID
    connection_id: int
    client: XeroClient
    settings: AccountSettings
    overrides: Overrides
    batch_size: int
    hub: ProviderHub
    organisation_id: str
    provider: str

    async def _lookup(self, kind: LookupKind) -> list[LookupItem]:
        key = (str(self.tenant_id), self.organisation_id, kind.value)
        cached = self.hub.cached_lookup(key)
        if cached is None:
            items = await self.hub.adapter(self.provider).lookups(
                self.hub.http, self.client.token, self.organisation_id, kind
            )
            cached = self.hub.remember_lookup(key, items)
        return cached.items

    async def tax_rates(self) -> dict[str, Decimal]:
        """The organisation's tax rates (percent by tax type), from the lookup cache."""
        items = await self._lookup(LookupKind.TAX_RATES)
        return {item.code: Decimal(str(item.details.get("rate") or 0)) for item in items}

    async def account_tax_types(self) -> dict[str, str]:
        """Each account's own default tax type, from the lookup cache."""
        items = await self._lookup(LookupKind.ACCOUNTS)
        return {i.code: str(i.details["tax_type"]) for i in items if i.details.get("tax_type")}
