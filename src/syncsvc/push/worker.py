"""The push worker: for each connection with due records (held under a lease), customers,
then invoices, credit notes and payments, then suppliers, their invoices and expenses (the
kinds the package takes), in batches of the package's size, each record once.
Connections are pushed side by side, at most `concurrency` at a time, each within its own
call budget, so one tenant's long push never holds the others back.

Nothing is held locked while the package is called: due records are read and the transaction
ends; each batch's outcomes are written in one new transaction, conditioned on the hash that
was pushed (a record the host changed meanwhile stays due). Records are marked in flight
before each write, so a crash or a lost answer is resolved by a look-up before the next one.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import ActiveToken, NotConnected
from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.cipher import TokenCipherError
from syncsvc.kit.clock import Clock
from syncsvc.models import Connection
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.documents import State
from syncsvc.providers.errors import Misconfigured, NeedsReauth, RateLimited, RecordError, Transient
from syncsvc.providers.pacing import DailyLimitReached
from syncsvc.push import outcomes, writing
from syncsvc.push.leases import connections_with_due_work, release_lease, renew_lease, take_lease
from syncsvc.push.outcomes import Result
from syncsvc.push.planning import (
    ORDER,
    UNSUPPORTED_RECHECK,
    Blocked,
    Context,
    Dependencies,
    Due,
    Planned,
    Waiting,
    dependencies_of,
    drafts_to_check,
    plan_credit_note,
    plan_customer,
    plan_expense,
    plan_invoice,
    plan_payment,
    plan_supplier,
    plan_supplier_invoice,
    unsupported,
)
from syncsvc.push.policy import Action, decide
from syncsvc.push.prepare import package_settings, policy_for
from syncsvc.push.repository import PushRepository
from syncsvc.settings.service import SettingsService

log = logging.getLogger(__name__)
# Connections pushed at once: each spends its time waiting on its package, not the CPU, and
# holds no database connection while it waits (bench/push.py --tenants: 50 tenants at 64
# finish in 1.3x the time of one).
DEFAULT_CONCURRENCY = 64


class Stop(Exception):
    """The connection cannot go on now (rate limited, re-authorisation, lease lost)."""


class PushWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: ProviderHub,
        clock: Clock,
        *,
        owner: str | None = None,
        rng: random.Random | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.sessions = sessions
        self.hub = hub
        self.clock = clock
        self.owner = owner or uuid.uuid4().hex
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.concurrency = max(1, concurrency)

    async def run_once(self) -> int:
        """Push every connection that has due records now; returns the records settled."""
        async with transaction(self.sessions) as session:
            candidates = await connections_with_due_work(session, self.clock(), self.owner)
        slots = asyncio.Semaphore(self.concurrency)

        async def one(connection_id: int) -> int:
            async with slots:
                return await self._leased(connection_id)

        settled = await asyncio.gather(*(one(c) for c in candidates))
        return sum(settled)

    async def _leased(self, connection_id: int) -> int:
        async with transaction(self.sessions) as session:
            if not await take_lease(session, connection_id, self.owner, self.clock()):
                return 0
            connection = await session.get(Connection, connection_id)
            assert connection is not None
            tenant_id = connection.tenant_id
        try:
            return await self._push_connection(connection_id, tenant_id)
        finally:
            async with transaction(self.sessions) as session:
                await release_lease(session, connection_id, self.owner)

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
        ctx = await self._context(connection_id, tenant_id, active)
        settled = 0
        try:
            for kind in ORDER:
                settled += await self._push_kind(ctx, kind)
        except Stop:
            pass
        except (RateLimited, DailyLimitReached, NeedsReauth) as exc:
            await self._stop_for(ctx, exc)
        except Transient as exc:
            # A read made while planning failed: nothing was written; the next run retries.
            log.warning(
                "push interrupted", extra={"tenant_id": str(tenant_id), "reason": exc.message}
            )
        return settled

    async def _context(
        self, connection_id: int, tenant_id: uuid.UUID, active: ActiveToken
    ) -> Context:
        facts = self.hub.adapter(active.provider).facts
        async with self.sessions() as session:
            settings_service = SettingsService(session, tenant_id, self.clock)
            settings = await settings_service.account_settings()
            overrides = await settings_service.overrides()
        books = self.hub.books(active, settings=package_settings(settings, facts))
        policy = policy_for(settings, overrides, facts, books.capabilities.draft_documents)
        budget = self.hub.budget(active.provider, active.organisation_id)
        return Context(
            tenant_id, connection_id, books, policy, facts.display_name, budget, active.provider
        )

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
                repository = PushRepository(session, ctx.tenant_id)
                rows = await repository.due(kind.value, self.clock(), ctx.batch_size, after)
                batch = [Due.of(row) for row in rows]
                dependencies = await self._dependencies(repository, kind, batch)
            if not batch:
                return settled
            after = batch[-1].id
            results: list[Result] = []
            try:
                await self._push_batch(ctx, kind, batch, dependencies, results)
            finally:
                async with transaction(self.sessions) as session:
                    await outcomes.record(session, ctx.tenant_id, kind, results, self.clock())
            settled += sum(1 for r in results if r.state is SyncState.SYNCED)

    async def _dependencies(
        self, repository: PushRepository, kind: RecordKind, batch: list[Due]
    ) -> Dependencies:
        found: Dependencies = {}
        for wanted_kind, host_ids in dependencies_of(kind, batch).items():
            found[wanted_kind] = await repository.by_keys(wanted_kind.value, host_ids)
        if kind is RecordKind.PAYMENT:  # a surcharge invoice goes to the invoice's customer
            invoices = found.get(RecordKind.INVOICE, {}).values()
            customers = {r.payload["customer_id"] for r in invoices}
            found[RecordKind.CUSTOMER] = await repository.by_keys(
                RecordKind.CUSTOMER.value, customers
            )
        return found

    async def _push_batch(
        self,
        ctx: Context,
        kind: RecordKind,
        batch: list[Due],
        dependencies: Dependencies,
        results: list[Result],
    ) -> None:
        if refusal := unsupported(ctx, kind):
            # Nothing is sent; looked at again now and then (and at once on a retry).
            again = self.clock() + UNSUPPORTED_RECHECK
            results.extend(outcomes.blocked(due, refusal, again) for due in batch)
            return
        states: dict[str, State] = {}
        if to_read := drafts_to_check(ctx, kind, batch, dependencies):
            found = await ctx.books.find(RecordKind.INVOICE, to_read)
            states = {key: remote.state for key, remote in found.items()}
        plans: list[Planned] = []
        for due in batch:
            try:
                plans.append(self._plan(ctx, kind, due, dependencies, states))
            except Waiting:
                continue  # what it needs is on its way: looked at again next time
            except Blocked as reason:
                recheck = self.clock() + reason.recheck if reason.recheck else None
                results.append(outcomes.blocked(due, str(reason), recheck))
            except (Misconfigured, RecordError) as exc:
                results.append(outcomes.failed(due, exc.message))
        results.extend(outcomes.synced(p.due) for p in plans if p.item is None)
        writes = [p for p in plans if p.item is not None]
        if not writes:
            return
        async with transaction(self.sessions) as session:
            await PushRepository(session, ctx.tenant_id).mark_in_flight([p.due.id for p in writes])
        if kind is not RecordKind.PAYMENT:
            await self._guarded(
                ctx, writes, results, writing.write_documents(ctx, kind, writes, results)
            )
            return
        for plan in (p for p in writes if p.item is not None and p.item.remove):
            await self._guarded(ctx, [plan], results, writing.remove_payment(ctx, plan, results))
        entered = [p for p in writes if p.item is not None and not p.item.remove]
        if entered:
            await self._guarded(
                ctx, entered, results, writing.write_payments(ctx, entered, results)
            )

    def _plan(
        self,
        ctx: Context,
        kind: RecordKind,
        due: Due,
        dependencies: Dependencies,
        states: dict[str, State],
    ) -> Planned:
        if kind is RecordKind.CUSTOMER:
            return plan_customer(ctx, due)
        if kind is RecordKind.INVOICE:
            return plan_invoice(ctx, due, dependencies)
        if kind is RecordKind.CREDIT_NOTE:
            return plan_credit_note(ctx, due, dependencies)
        if kind is RecordKind.SUPPLIER:
            return plan_supplier(ctx, due)
        if kind is RecordKind.SUPPLIER_INVOICE:
            return plan_supplier_invoice(ctx, due, dependencies)
        if kind is RecordKind.EXPENSE:
            return plan_expense(ctx, due, dependencies)
        return plan_payment(ctx, due, dependencies, states)

    async def _guarded(
        self, ctx: Context, group: list[Planned], results: list[Result], work: Awaitable[None]
    ) -> None:
        """Run one group's writes; a transient failure sends the whole group round again
        (marked uncertain when the write may have been applied), a rate limit or a lost
        grant stops the connection."""
        settled_before = {r.due.id for r in results}
        try:
            await work
        except (RateLimited, DailyLimitReached, NeedsReauth) as exc:
            await self._stop_for(ctx, exc)
            raise Stop from exc
        except Transient as exc:
            answered = {r.due.id for r in results} - settled_before
            for plan in group:
                if plan.due.id in answered:
                    continue
                decision = decide(exc, plan.due.attempts + 1, self.clock(), self.rng)
                if decision.action is Action.FAIL_RECORD:
                    # The last write may have landed: looked up first if it is retried.
                    results.append(outcomes.failed(plan.due, decision.reason, uncertain=True))
                else:
                    results.append(
                        outcomes.again(plan.due, exc.message, decision.at, uncertain=exc.uncertain)
                    )

    # --- the connection ----------------------------------------------------------------------

    async def _stop_for(
        self, ctx: Context, error: RateLimited | DailyLimitReached | NeedsReauth
    ) -> None:
        if isinstance(error, NeedsReauth):
            await self._needs_reauth(ctx, error)
        elif isinstance(error, DailyLimitReached):
            await self._pause_until(ctx, error.resets_at, str(error))
        else:
            self.hub.count_rate_limited(ctx.provider, error.scope)
            decision = decide(error, 1, self.clock(), self.rng)
            assert decision.at is not None
            if ctx.budget is not None:
                ctx.budget.pause_until(decision.at)
            await self._pause_until(ctx, decision.at, decision.reason)

    async def _needs_reauth(self, ctx: Context, error: NeedsReauth) -> None:
        async with transaction(self.sessions) as session:
            await PushRepository(session, ctx.tenant_id).needs_reauth(
                ctx.connection_id, error.message
            )
            await EventRepository(session, ctx.tenant_id).append(
                EventType.CONNECTION_NEEDS_REAUTH.value, {"reason": error.message}, self.clock()
            )

    async def _pause_until(self, ctx: Context, until: datetime, reason: str) -> None:
        async with transaction(self.sessions) as session:
            await PushRepository(session, ctx.tenant_id).pause(ctx.connection_id, until, reason)
