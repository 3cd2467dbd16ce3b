"""Running a reconciliation from the service's stored copy of the host's records: Xero read in
pages of 1,000 (never one call per invoice) within the organisation's call budget; with `fix`,
what differs is pushed again at once and payments are moved across, and each row says what
the fix did — or, with Xero's own words, why it could not."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import NotConnected
from syncsvc.db import transaction
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.clock import Clock
from syncsvc.models import Connection, Reconciliation, SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.errors import NeedsReauth, ProviderError
from syncsvc.providers.xero.reads import pages, parse_date
from syncsvc.pull.repository import PullRepository
from syncsvc.push.worker import PushWorker
from syncsvc.reconciliation.compare import (
    HostInvoice,
    HostPayment,
    Row,
    XeroPayment,
    compare_invoice,
    compare_payments,
    payments_summary,
    summary,
)
from syncsvc.records.lock_order import by_key, lock_in_order
from syncsvc.settings.service import SettingsService

log = logging.getLogger(__name__)
CHUNK = 500

# What a person can do about a refusal, by Xero's words.
ADVICE = (
    ("lock date", "the date is in a locked period: change the lock date in Xero, or the date"),
    ("reconciled", "a reconciled payment: unreconcile it in Xero first"),
    ("valid status for modification", "paid or voided in Xero: remove its payments there first"),
    ("archived", "the contact is archived in Xero: restore it there"),
)


def advice_for(message: str | None) -> str:
    text = (message or "").lower()
    for phrase, advice in ADVICE:
        if phrase in text:
            return advice
    return "correct the record in the host (or the setting it names) and it is pushed again"


@dataclass(frozen=True)
class Run:
    """One reconciliation under way: where it reads and writes, and what it covers."""

    sessions: async_sessionmaker[AsyncSession]
    hub: ProviderHub
    clock: Clock
    job_id: uuid.UUID
    tenant_id: uuid.UUID
    connection_id: int
    date_from: date
    date_to: date
    fix: bool

    def xero_dates(self) -> str:
        """The range as a Xero `where` on `Date`."""
        first, last = self.date_from, self.date_to
        return (
            f"Date >= DateTime({first.year},{first.month},{first.day})"
            f" AND Date <= DateTime({last.year},{last.month},{last.day})"
        )

    async def progress(self, progress: dict[str, Any]) -> None:
        async with transaction(self.sessions) as session:
            await session.execute(
                update(Reconciliation)
                .where(Reconciliation.id == self.job_id)
                .values(progress=progress)
            )


async def run_reconciliation(
    sessions: async_sessionmaker[AsyncSession],
    hub: ProviderHub,
    clock: Clock,
    job_id: uuid.UUID,
) -> None:
    async with sessions() as session:
        job = await session.get(Reconciliation, job_id)
        assert job is not None
        kind = job.kind
        connection_id = await session.scalar(
            select(Connection.id).where(Connection.tenant_id == job.tenant_id)
        )
        run = Run(
            sessions,
            hub,
            clock,
            job_id,
            job.tenant_id,
            connection_id or 0,
            job.date_from,
            job.date_to,
            job.fix,
        )
    try:
        if connection_id is None:
            raise NotConnected(str(run.tenant_id))
        if kind == "payments":
            found, calls = await _payments(run)
            await _finish(run, rows=found, summary=payments_summary(found), calls=calls)
        else:
            rows, calls = await _invoices(run)
            await _finish(
                run, rows=[row.as_dict() for row in rows], summary=summary(rows), calls=calls
            )
    except (NotConnected, NeedsReauth):
        await _finish(run, error="not connected to an accounting package")
    except ProviderError as exc:
        await _finish(run, error=f"the accounting package: {exc.message}")
    except Exception:
        # Never left `running` for ever: the report says it failed, the log says why.
        log.exception("reconciliation failed", extra={"reconciliation_id": str(job_id)})
        await _finish(run, error="the reconciliation failed; see the service's logs")


async def _invoices(run: Run) -> tuple[list[Row], int]:
    sessions, clock, tenant_id = run.sessions, run.clock, run.tenant_id
    async with sessions() as session:
        hosts, payments, pushed = await _host_side(session, run)
        settings = await SettingsService(session, tenant_id, clock).account_settings()
    if not settings.push_line_items:  # Xero holds summary lines: lines are not compared
        hosts = [replace(host, lines=None) for host in hosts]
    client = run.hub.client(await run.hub.tokens.active(run.tenant_id))
    where = f'Type=="ACCREC" AND {run.xero_dates()}'
    by_id: dict[str, dict[str, Any]] = {}
    by_number: dict[str, dict[str, Any]] = {}
    calls = 0
    async for page in pages(client, "Invoices", {"where": where}):
        calls += 1
        for document in page:
            by_id[str(document.get("InvoiceID"))] = document
            by_number.setdefault(str(document.get("InvoiceNumber")), document)
        await run.progress({"pages_read": calls, "xero_invoices": len(by_id)})
    rows = []
    for host in hosts:
        xero = by_id.get(host.provider_id or "") or by_number.get(host.number)
        rows.append(
            compare_invoice(
                host, xero, payments.get(host.host_id, []), pushed, settings.rounding_account
            )
        )
    await run.progress({"pages_read": calls, "invoices_checked": len(rows)})
    if run.fix:
        await _fix(run, rows)
    return rows, calls


async def _payments(run: Run) -> tuple[list[dict[str, Any]], int]:
    sessions, tenant_id = run.sessions, run.tenant_id
    first, last = run.date_from.isoformat(), run.date_to.isoformat()
    async with sessions() as session:
        invoice_host_ids = {
            str(provider_id): host_id
            for host_id, provider_id in await session.execute(
                select(SyncRecord.host_id, SyncRecord.provider_id).where(
                    SyncRecord.tenant_id == tenant_id,
                    SyncRecord.kind == RecordKind.INVOICE.value,
                    SyncRecord.provider_id.is_not(None),
                )
            )
        }
        records = list(
            await session.scalars(
                select(SyncRecord).where(
                    SyncRecord.tenant_id == tenant_id,
                    SyncRecord.kind == RecordKind.PAYMENT.value,
                )
            )
        )
    pushed = {str(r.provider_id) for r in records if r.provider_id}
    host = [
        HostPayment(
            r.host_id,
            str(r.payload["invoice_id"]),
            Decimal(str(r.payload["amount"])).quantize(Decimal("0.01")),
            str(r.payload["date"]),
            r.provider_id,
        )
        for r in records
        if not r.deleted and first <= str(r.payload["date"]) <= last
    ]
    client = run.hub.client(await run.hub.tokens.active(run.tenant_id))
    where = run.xero_dates()
    xero: list[XeroPayment] = []
    calls = 0
    async for page in pages(client, "Payments", {"where": where}):
        calls += 1
        for document in page:
            if document.get("Status") == "DELETED":
                continue
            day = parse_date(document.get("Date"))
            xero.append(
                XeroPayment(
                    str(document.get("PaymentID")),
                    str((document.get("Invoice") or {}).get("InvoiceID")),
                    Decimal(str(document.get("Amount"))).quantize(Decimal("0.01")),
                    day.isoformat() if day else None,
                )
            )
        await run.progress({"pages_read": calls, "xero_payments": len(xero)})
    rows = compare_payments(host, xero, invoice_host_ids, pushed)
    if run.fix:
        await _fix_payments(run, rows)
    return rows, calls


async def _fix_payments(run: Run, rows: list[dict[str, Any]]) -> None:
    sessions, hub, clock, tenant_id = run.sessions, run.hub, run.clock, run.tenant_id
    connection_id = run.connection_id
    to_push = sorted(r["payment_id"] for r in rows if r["outcome"] == "missing_in_xero")
    now = clock()
    linked = [r["payment_id"] for r in rows if r.get("matched_by") == "entered_on_both_sides"]
    async with transaction(sessions) as session:
        # Several statements write these rows: their locks are taken first, in the lock order.
        payment = RecordKind.PAYMENT.value
        await lock_in_order(
            session, tenant_id, by_key((payment, host_id) for host_id in [*to_push, *linked])
        )
        await _requeue(session, tenant_id, RecordKind.PAYMENT.value, to_push, now)
        for row in rows:
            if row.get("matched_by") != "entered_on_both_sides":
                continue
            # The same payment was keyed into Xero: the host's record is that one, not pushed
            # again (unless the host changes it).
            await session.execute(
                update(SyncRecord)
                .where(
                    SyncRecord.tenant_id == tenant_id,
                    SyncRecord.kind == RecordKind.PAYMENT.value,
                    SyncRecord.host_id == row["payment_id"],
                    SyncRecord.provider_id.is_(None),
                )
                .values(
                    provider_id=row["provider_payment_id"],
                    pushed_hash=SyncRecord.payload_hash,
                    state=SyncState.SYNCED.value,
                    synced_at=now,
                    updated_at=now,
                )
            )
            row["fix"] = {"result": "fixed", "done": ["linked to the payment entered in Xero"]}
        events = EventRepository(session, tenant_id)
        pulled = PullRepository(session, tenant_id, connection_id)
        missing = [r for r in rows if r["outcome"] == "missing_in_host"]
        reported = await pulled.reported("Payments", (r["provider_payment_id"] for r in missing))
        told: dict[str, tuple[str, str]] = {}
        for row in missing:
            if row["provider_payment_id"] not in reported:
                await events.append(
                    EventType.PAYMENT_RECEIVED.value,
                    {
                        "invoice_id": row["invoice_id"],
                        "payment_id": None,
                        "amount": row["amount"],
                        "date": row["date"],
                        "provider": {"payment_id": row["provider_payment_id"]},
                    },
                    now,
                )
                told[row["provider_payment_id"]] = ("AUTHORISED", "")
            row["fix"] = {"result": "fixed", "done": ["sent to the host as payment.received"]}
        await pulled.remember("Payments", told, now)
    if not to_push:
        return
    await PushWorker(sessions, hub, clock).run_once()
    async with sessions() as session:
        states = {
            r.host_id: r
            for r in await session.scalars(
                select(SyncRecord).where(
                    SyncRecord.tenant_id == tenant_id,
                    SyncRecord.kind == RecordKind.PAYMENT.value,
                    SyncRecord.host_id.in_(to_push),
                )
            )
        }
    for row in rows:
        if row["outcome"] != "missing_in_xero":
            continue
        record = states.get(row["payment_id"])
        if record is not None and record.state == SyncState.SYNCED.value:
            row["fix"] = {"result": "fixed", "done": ["pushed to Xero"]}
        else:
            reason = record.last_error if record is not None else None
            row["fix"] = {"result": "not fixed", "reason": reason, "what_to_do": advice_for(reason)}


async def _requeue(
    session: AsyncSession, tenant_id: uuid.UUID, kind: str, host_ids: list[str], now: Any
) -> None:
    """Due again now, looked up in Xero before it is written (it may be there after all)."""
    for chunk in _chunks(host_ids):
        await session.execute(
            update(SyncRecord)
            .where(
                SyncRecord.tenant_id == tenant_id,
                SyncRecord.kind == kind,
                SyncRecord.host_id.in_(chunk),
            )
            .values(
                state=SyncState.PENDING.value,
                pushed_hash=None,
                attempts=0,
                next_attempt_at=None,
                last_error=None,
                write_uncertain=True,
                updated_at=now,
            )
        )


async def _host_side(
    session: AsyncSession, run: Run
) -> tuple[list[HostInvoice], dict[str, list[HostPayment]], set[str]]:
    tenant_id, date_from, date_to = run.tenant_id, run.date_from, run.date_to
    issue_date = SyncRecord.payload["issue_date"].as_string()
    invoices = list(
        await session.scalars(
            select(SyncRecord)
            .where(
                SyncRecord.tenant_id == tenant_id,
                SyncRecord.kind == RecordKind.INVOICE.value,
                issue_date >= date_from.isoformat(),
                issue_date <= date_to.isoformat(),
            )
            .order_by(SyncRecord.host_id)
        )
    )
    customer_ids = {r.payload["customer_id"] for r in invoices}
    contacts: dict[str, str | None] = {}
    for chunk in _chunks(sorted(customer_ids)):
        for record in await session.scalars(
            select(SyncRecord).where(
                SyncRecord.tenant_id == tenant_id,
                SyncRecord.kind == RecordKind.CUSTOMER.value,
                SyncRecord.host_id.in_(chunk),
            )
        ):
            contacts[record.host_id] = record.provider_id
    all_payments = list(
        await session.scalars(
            select(SyncRecord).where(
                SyncRecord.tenant_id == tenant_id, SyncRecord.kind == RecordKind.PAYMENT.value
            )
        )
    )
    pushed = {str(r.provider_id) for r in all_payments if r.provider_id}
    in_range = {r.host_id for r in invoices}
    payments: dict[str, list[HostPayment]] = {}
    for record in all_payments:
        invoice_id = record.payload.get("invoice_id")
        if record.deleted or invoice_id not in in_range:
            continue
        payments.setdefault(invoice_id, []).append(
            HostPayment(
                record.host_id,
                invoice_id,
                Decimal(str(record.payload["amount"])),
                str(record.payload["date"]),
                record.provider_id,
            )
        )
    hosts = [
        HostInvoice(
            r.host_id,
            str(r.payload["number"]),
            "void" if r.deleted else str(r.payload.get("status") or "approved"),
            Decimal(str(r.payload["total"])) if r.payload.get("total") is not None else None,
            r.provider_id,
            contacts.get(r.payload["customer_id"]),
            tuple(
                (
                    str(line["description"]),
                    Decimal(str(line["quantity"])),
                    Decimal(str(line["unit_price"])),
                )
                for line in r.payload.get("lines") or []
            ),
        )
        for r in invoices
    ]
    return hosts, payments, pushed


async def _fix(run: Run, rows: list[Row]) -> None:
    """Push again what is missing or different, and host payments Xero lacks; tell the host
    of Xero payments it lacks. Then say, per row, what came of it."""
    sessions, hub, clock, tenant_id = run.sessions, run.hub, run.clock, run.tenant_id
    connection_id = run.connection_id
    requeue: dict[str, set[str]] = {
        RecordKind.INVOICE.value: set(),
        RecordKind.PAYMENT.value: set(),
    }
    for row in rows:
        if row.outcome in ("missing", "different"):
            requeue[RecordKind.INVOICE.value].add(row.host_id)
        for missing in row.payments_missing_in_xero:
            requeue[RecordKind.PAYMENT.value].add(missing["payment_id"])
    now = clock()
    async with transaction(sessions) as session:
        for kind, host_ids in requeue.items():
            await _requeue(session, tenant_id, kind, sorted(host_ids), now)
        events = EventRepository(session, tenant_id)
        pulled = PullRepository(session, tenant_id, connection_id)
        told: dict[str, tuple[str, str]] = {}
        for row in rows:
            reported = await pulled.reported(
                "Payments", (p["provider_payment_id"] for p in row.payments_missing_in_host)
            )
            for payment in row.payments_missing_in_host:
                if payment["provider_payment_id"] not in reported:
                    await events.append(
                        EventType.PAYMENT_RECEIVED.value,
                        {
                            "invoice_id": row.host_id,
                            "payment_id": None,
                            "amount": payment["amount"],
                            "date": payment["date"],
                            "provider": {
                                "payment_id": payment["provider_payment_id"],
                                "invoice_id": row.provider_id,
                            },
                        },
                        now,
                    )
                    told[payment["provider_payment_id"]] = ("AUTHORISED", "")
        await pulled.remember("Payments", told, now)
    if requeue[RecordKind.INVOICE.value] or requeue[RecordKind.PAYMENT.value]:
        await PushWorker(sessions, hub, clock).run_once()
    async with sessions() as session:
        states: dict[tuple[str, str], SyncRecord] = {}
        for kind, host_ids in requeue.items():
            for chunk in _chunks(sorted(host_ids)):
                for record in await session.scalars(
                    select(SyncRecord).where(
                        SyncRecord.tenant_id == tenant_id,
                        SyncRecord.kind == kind,
                        SyncRecord.host_id.in_(chunk),
                    )
                ):
                    states[(kind, record.host_id)] = record
    for row in rows:
        pushed_again = (
            [(RecordKind.INVOICE.value, row.host_id)]
            if row.outcome
            in (
                "missing",
                "different",
            )
            else []
        )
        pushed_again += [
            (RecordKind.PAYMENT.value, p["payment_id"]) for p in row.payments_missing_in_xero
        ]
        refusals = [
            states[key].last_error
            for key in pushed_again
            if key in states and states[key].state != SyncState.SYNCED.value
        ]
        if refusals:
            row.fix = {
                "result": "not fixed",
                "reason": refusals[0],
                "what_to_do": advice_for(refusals[0]),
            }
        elif pushed_again or row.payments_missing_in_host:
            done = []
            if pushed_again:
                done.append("pushed again")
            if row.payments_missing_in_host:
                done.append("Xero's payments sent to the host as payment.received")
            row.fix = {"result": "fixed", "done": done}


async def _finish(
    run: Run,
    *,
    rows: list[dict[str, Any]] | None = None,
    summary: dict[str, int] | None = None,
    calls: int = 0,
    error: str | None = None,
) -> None:
    async with transaction(run.sessions) as session:
        await session.execute(
            update(Reconciliation)
            .where(Reconciliation.id == run.job_id)
            .values(
                status="failed" if error else "done",
                summary=summary,
                rows=rows,
                calls=calls,
                error=error,
                finished_at=run.clock(),
            )
        )


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]
