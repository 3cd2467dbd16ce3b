"""The push worker: for each connection with due records (held under a lease), customers,
then invoices, credit notes and payments, in batches of the provider's size, each record once.

Nothing is held locked while the provider is called: due records are read and the
transaction ends; each batch's outcomes are written in one new transaction, conditioned on
the hash that was pushed (a record the host changed meanwhile stays due). A write whose
answer was lost marks its records uncertain; before they are written again they are looked
up by the key the service set (contact number, invoice or credit-note number, payment
reference), so a crash or a lost answer never makes a duplicate.
"""

from __future__ import annotations

import logging
import random
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import NotConnected
from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.cipher import TokenCipherError
from syncsvc.kit.clock import Clock
from syncsvc.kit.money import to_cents
from syncsvc.models import Connection
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.errors import (
    Misconfigured,
    NeedsReauth,
    RateLimited,
    RecordError,
    Rejected,
    Transient,
)
from syncsvc.providers.pacing import DailyLimitReached
from syncsvc.providers.xero import mapping
from syncsvc.providers.xero.client import XeroClient
from syncsvc.providers.xero.writes import (
    WriteItem,
    WriteOutcome,
    contacts_named,
    find,
    write,
)
from syncsvc.push import outcomes
from syncsvc.push.leases import (
    connections_with_due_work,
    release_lease,
    renew_lease,
    take_lease,
)
from syncsvc.push.outcomes import Result
from syncsvc.push.planning import (
    DELETE_PAYMENT,
    ORDER,
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
    plan_invoice,
    plan_payment,
    voids_to_check,
)
from syncsvc.push.policy import Action, decide
from syncsvc.push.repository import PushRepository
from syncsvc.settings.service import SettingsService

log = logging.getLogger(__name__)
ID_FIELDS = {"Contacts": "ContactID", "Invoices": "InvoiceID", "CreditNotes": "CreditNoteID"}


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
    ) -> None:
        self.sessions = sessions
        self.hub = hub
        self.clock = clock
        self.owner = owner or uuid.uuid4().hex
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets

    async def run_once(self) -> int:
        """Push every connection that has due records now; returns the records settled."""
        async with transaction(self.sessions) as session:
            candidates = await connections_with_due_work(session, self.clock(), self.owner)
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
        client = self.hub.client(active)
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
        except RateLimited as exc:
            await self._pause(context, exc)
        except DailyLimitReached as exc:
            await self._pause_until(context, exc.resets_at, str(exc))
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
        xero_status: dict[str, str] = {}
        if to_read := voids_to_check(kind, batch) + drafts_to_check(ctx, kind, batch, dependencies):
            found = await find(ctx.client, "Invoices", to_read)
            xero_status = {number: str(doc.get("Status")) for number, doc in found.items()}
        plans: list[Planned] = []
        for due in batch:
            try:
                plans.append(await self._plan(ctx, kind, due, dependencies, xero_status))
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
        if kind is RecordKind.PAYMENT:
            await self._push_payments(ctx, writes, results)
        else:
            await self._guarded(ctx, writes, results, self._write_documents(ctx, writes, results))

    async def _plan(
        self,
        ctx: Context,
        kind: RecordKind,
        due: Due,
        dependencies: Dependencies,
        xero_status: dict[str, str],
    ) -> Planned:
        if kind is RecordKind.CUSTOMER:
            return plan_customer(ctx, due)
        if kind is RecordKind.INVOICE:
            return await plan_invoice(ctx, due, dependencies, xero_status)
        if kind is RecordKind.CREDIT_NOTE:
            return await plan_credit_note(ctx, due, dependencies)
        return plan_payment(ctx, due, dependencies, xero_status)

    async def _guarded(
        self, ctx: Context, group: list[Planned], results: list[Result], work: Any
    ) -> None:
        """Run one group's writes; a transient failure sends the whole group round again
        (marked uncertain when the write may have been applied), a rate limit or a lost
        grant stops the connection."""
        settled_before = {r.due.id for r in results}
        try:
            await work
        except RateLimited as exc:
            await self._pause(ctx, exc)
            raise Stop from exc
        except DailyLimitReached as exc:
            await self._pause_until(ctx, exc.resets_at, str(exc))
            raise Stop from exc
        except NeedsReauth as exc:
            await self._needs_reauth(ctx, exc)
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

    # --- contacts, invoices, credit notes -----------------------------------------------------

    async def _write_documents(
        self, ctx: Context, group: list[Planned], results: list[Result]
    ) -> None:
        resource = group[0].resource
        await self._adopt_uncertain(ctx, resource, group)
        items = [plan.item for plan in group if plan.item is not None]
        answers = await write(ctx.client, resource, items)
        if resource == "Contacts":
            answers = await self._resolve_contact_clashes(ctx, group, answers)
        for plan, answer in zip(group, answers, strict=True):
            if answer.error is not None:
                results.append(outcomes.failed(plan.due, answer.error.message))
            elif plan.allocations:
                results.append(await self._allocate(ctx, plan, answer))
            else:
                results.append(_synced(plan.due, answer))

    async def _resolve_contact_clashes(
        self, ctx: Context, group: list[Planned], answers: list[WriteOutcome]
    ) -> list[WriteOutcome]:
        """A contact refused because its number or name is held by another contact: one
        holding our number is ours (adopted and updated); one holding the name with the same
        email and no other number is the same customer, entered by hand (adopted); any other
        holder is someone else, and our contact's name is made unique. Never a duplicate."""
        clashes = [
            index
            for index, answer in enumerate(answers)
            if answer.error is not None and _clash(answer.error.message)
        ]
        if not clashes:
            return answers
        items = [item for index in clashes if (item := group[index].item) is not None]
        bodies = [item.body for item in items]
        by_number = await find(ctx.client, "Contacts", [b["ContactNumber"] for b in bodies])
        by_name = await contacts_named(ctx.client, [b["Name"] for b in bodies])
        for body in bodies:
            holder = by_number.get(body["ContactNumber"]) or by_name.get(body["Name"])
            if holder is not None and mapping.same_customer(holder, body):
                body["ContactID"] = holder["ContactID"]
            elif body["Name"] in by_name:
                body["Name"] = mapping.unique_contact_name(
                    body["Name"], body["ContactNumber"], {body["Name"]}
                )
        again = await write(ctx.client, "Contacts", items)
        answered = list(answers)
        for index, answer in zip(clashes, again, strict=True):
            answered[index] = answer
        return answered

    async def _adopt_uncertain(self, ctx: Context, resource: str, group: list[Planned]) -> None:
        """Records whose last write may have been applied: find them first, and update what
        is found instead of creating it again."""
        uncertain = [p for p in group if p.due.write_uncertain and p.item is not None]
        if not uncertain:
            return
        found = await find(ctx.client, resource, [p.item.key for p in uncertain if p.item])
        id_field = ID_FIELDS[resource]
        for plan in uncertain:
            assert plan.item is not None
            document = found.get(plan.item.key)
            if document is not None:
                plan.item.body[id_field] = document[id_field]

    async def _allocate(self, ctx: Context, plan: Planned, answer: WriteOutcome) -> Result:
        """Allocate what is not allocated yet: Xero's copy says what is, so a repeat (after
        a lost answer, or an edit of the credit note) never allocates twice."""
        note_id = str(answer.provider_id)
        already: dict[str, Decimal] = {}
        for existing in (answer.document or {}).get("Allocations") or []:
            invoice_id = str((existing.get("Invoice") or {}).get("InvoiceID"))
            already[invoice_id] = already.get(invoice_id, Decimal(0)) + to_cents(
                Decimal(str(existing.get("Amount")))
            )
        missing = []
        for allocation in plan.allocations:
            gap = allocation.amount - already.get(allocation.invoice_id, Decimal(0))
            already[allocation.invoice_id] = max(Decimal(0), -gap)
            if gap > 0:
                missing.append(
                    {
                        "Invoice": {"InvoiceID": allocation.invoice_id},
                        "Amount": gap,
                        "Date": allocation.date,
                    }
                )
        if not missing:
            return _synced(plan.due, answer)
        try:
            await ctx.client.write(
                "PUT", f"CreditNotes/{note_id}/Allocations", {"Allocations": missing}
            )
        except Transient as exc:
            decision = decide(exc, plan.due.attempts + 1, self.clock(), self.rng)
            return outcomes.again(plan.due, exc.message, decision.at, uncertain=True)
        except RecordError as exc:
            return outcomes.failed(plan.due, exc.message, provider_id=note_id)
        return _synced(plan.due, answer)

    # --- payments ----------------------------------------------------------------------------

    async def _push_payments(
        self, ctx: Context, plans: list[Planned], results: list[Result]
    ) -> None:
        deletes = [p for p in plans if p.resource == DELETE_PAYMENT]
        creates = [p for p in plans if p.resource != DELETE_PAYMENT]
        for plan in deletes:
            await self._guarded(ctx, [plan], results, self._delete_payment(ctx, plan, results))
        if creates:
            await self._guarded(ctx, creates, results, self._write_payments(ctx, creates, results))

    async def _delete_payment(self, ctx: Context, plan: Planned, results: list[Result]) -> None:
        assert plan.due.provider_id is not None
        refusal = await _delete_in_xero(ctx.client, plan.due.provider_id)
        if refusal is None and plan.surcharge_number is not None:
            refusal = await self._undo_surcharge(ctx, plan.surcharge_number)
        if refusal is not None:
            results.append(outcomes.failed(plan.due, refusal))
        else:
            results.append(outcomes.synced(plan.due))

    async def _undo_surcharge(self, ctx: Context, number: str) -> str | None:
        """A deleted payment takes its surcharge with it: the surcharge's payments are
        deleted and its invoice voided."""
        found = (await find(ctx.client, "Invoices", [number])).get(number)
        if found is None or found.get("Status") in ("VOIDED", "DELETED"):
            return None
        for payment in found.get("Payments") or []:
            if refusal := await _delete_in_xero(ctx.client, str(payment["PaymentID"])):
                return refusal
        answers = await write(
            ctx.client,
            "Invoices",
            [WriteItem(number, {"InvoiceID": found["InvoiceID"], "Status": "VOIDED"})],
        )
        return answers[0].error.message if answers[0].error else None

    async def _write_payments(
        self, ctx: Context, plans: list[Planned], results: list[Result]
    ) -> None:
        for plan in plans:  # Xero cannot edit a payment: the old one goes first
            if plan.replaces and (refusal := await _delete_in_xero(ctx.client, plan.replaces)):
                results.append(outcomes.failed(plan.due, refusal))
        refused = {r.due.id for r in results}
        plans = [p for p in plans if p.due.id not in refused]
        surcharge_ids = await self._surcharge_invoices(ctx, plans, results)
        refused = {r.due.id for r in results}
        plans = [p for p in plans if p.due.id not in refused]
        already = await self._payments_found(ctx, plans)
        items: list[WriteItem] = []
        for plan in plans:
            assert plan.item is not None
            if plan.item.key not in already:
                items.append(plan.item)
            if plan.surcharge and plan.due.id in surcharge_ids:
                body = {
                    **plan.surcharge.payment,
                    "Invoice": {"InvoiceID": surcharge_ids[plan.due.id]},
                }
                if body["Reference"] not in already:
                    items.append(WriteItem(body["Reference"], body))
        answers = {a.key: a for a in await write(ctx.client, "Payments", items)} if items else {}
        for plan in plans:
            assert plan.item is not None
            main = answers.get(plan.item.key) or already.get(plan.item.key)
            extra = None
            if plan.surcharge and plan.due.id in surcharge_ids:
                key = str(plan.surcharge.payment["Reference"])
                extra = answers.get(key) or already.get(key)
            problem = next((a.error for a in (main, extra) if a is not None and a.error), None)
            if main is None or problem is not None:
                message = problem.message if problem else "Xero did not answer for it"
                provider_id = main.provider_id if main is not None else None
                results.append(outcomes.failed(plan.due, message, provider_id=provider_id))
            else:
                results.append(_synced(plan.due, main))

    async def _surcharge_invoices(
        self, ctx: Context, plans: list[Planned], results: list[Result]
    ) -> dict[int, str]:
        """The surcharge invoices of these payments, found or written: record id -> Xero's
        invoice id. One read finds those already there (from an earlier try)."""
        with_surcharge = [p for p in plans if p.surcharge is not None]
        if not with_surcharge:
            return {}
        numbers = [p.surcharge.invoice.key for p in with_surcharge if p.surcharge]
        existing = await find(ctx.client, "Invoices", numbers)
        ids: dict[int, str] = {}
        to_write: list[Planned] = []
        for plan in with_surcharge:
            assert plan.surcharge is not None
            found = existing.get(plan.surcharge.invoice.key)
            if found is not None and found.get("Status") == "PAID" and not plan.replaces:
                ids[plan.due.id] = str(found["InvoiceID"])
                continue
            if found is not None:
                plan.surcharge.invoice.body["InvoiceID"] = found["InvoiceID"]
            to_write.append(plan)
        if to_write:
            items = [p.surcharge.invoice for p in to_write if p.surcharge]
            for plan, answer in zip(
                to_write, await write(ctx.client, "Invoices", items), strict=True
            ):
                if answer.error is not None:
                    results.append(outcomes.failed(plan.due, f"surcharge: {answer.error.message}"))
                else:
                    ids[plan.due.id] = str(answer.provider_id)
        return ids

    async def _payments_found(self, ctx: Context, plans: list[Planned]) -> dict[str, WriteOutcome]:
        """Payments whose last write may have been applied, as Xero has them (by reference,
        on the same invoice): those are not entered again."""
        keys: list[str] = []
        for plan in plans:
            if plan.due.write_uncertain and plan.item is not None:
                keys.append(plan.item.key)
                if plan.surcharge is not None:
                    keys.append(str(plan.surcharge.payment["Reference"]))
        if not keys:
            return {}
        found = await find(ctx.client, "Payments", keys)
        return {
            key: WriteOutcome(key, str(doc["PaymentID"]), doc.get("UpdatedDateUTC"), doc, None)
            for key, doc in found.items()
            if doc.get("Status") != "DELETED"
        }

    # --- the connection ----------------------------------------------------------------------

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
        ctx.client.budget_pause(decision.at)
        await self._pause_until(ctx, decision.at, decision.reason)

    async def _pause_until(self, ctx: Context, until: Any, reason: str) -> None:
        async with transaction(self.sessions) as session:
            await PushRepository(session, ctx.tenant_id).pause(ctx.connection_id, until, reason)


def _clash(message: str) -> bool:
    return "already assigned to another contact" in message or (
        "Another contact has this contact number" in message
    )


def _synced(due: Due, answer: WriteOutcome) -> Result:
    return outcomes.synced(due, answer.provider_id, answer.key, answer.updated)


async def _delete_in_xero(client: XeroClient, payment_id: str) -> str | None:
    """Delete one payment; None when done (or already gone), else Xero's refusal."""
    try:
        await client.write("POST", f"Payments/{payment_id}", {"Status": "DELETED"})
    except Rejected as exc:
        if "already" in exc.message.lower() or "not found" in exc.message.lower():
            return None
        return exc.message
    except RecordError as exc:
        return exc.message
    return None
