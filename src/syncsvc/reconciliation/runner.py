"""Running a reconciliation from the service's stored copy of the host's records: the package
read in pages (never one call per invoice) within the organisation's call budget; with `fix`,
what differs is pushed again at once and payments are moved across, and each row says what
the fix did — or, in the package's own words, why it could not."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.connections.hub import ProviderHub
from syncsvc.connections.token_store import NotConnected
from syncsvc.db import transaction
from syncsvc.events import payloads
from syncsvc.events.repository import EventRepository
from syncsvc.events.schemas import EventType
from syncsvc.kit.clock import Clock
from syncsvc.models import Reconciliation, SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.base import Books, Dated
from syncsvc.providers.documents import Remote, SalesDocument, State
from syncsvc.providers.errors import NeedsReauth, ProviderError, Reason
from syncsvc.pull.repository import PullRepository
from syncsvc.push.worker import PushWorker
from syncsvc.reconciliation.bills import reconcile_bills
from syncsvc.reconciliation.compare import (
    Row,
    compare_invoice,
    compare_payments,
    ordered,
    payments_summary,
    provider_payment,
    summary,
)
from syncsvc.reconciliation.repository import (
    ReconciliationRepository,
    host_payment,
    set_progress,
    update_report,
)
from syncsvc.settings.service import SettingsService

log = logging.getLogger(__name__)

# What a person can do about a refusal, by its reason ({name}: the package's name).
ADVICE = {
    Reason.LOCKED_PERIOD.value: "the date is in a locked period: change the lock date in "
    "{name}, or the date",
    Reason.RECONCILED.value: "a reconciled payment: unreconcile it in {name} first",
    Reason.PAID.value: "paid or voided in {name}: remove its payments there first",
    Reason.ARCHIVED_CONTACT.value: "the contact is archived in {name}: restore it there",
}
GENERAL_ADVICE = "correct the record in the host (or the setting it names) and it is pushed again"


def advice_for(reason: str | None, package: str) -> str:
    return ADVICE.get(reason or "", GENERAL_ADVICE).format(name=package)


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

    async def progress(self, progress: dict[str, Any]) -> None:
        async with transaction(self.sessions) as session:
            await set_progress(session, self.job_id, progress)

    async def books(self) -> tuple[Books, str]:
        """The books to read, and the package's name as people know it; the report says
        which package it was run against."""
        active = await self.hub.tokens.active(self.tenant_id)
        async with transaction(self.sessions) as session:
            await update_report(session, self.job_id, {"provider": active.provider})
        return self.hub.books(active), self.hub.adapter(active.provider).facts.display_name


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
        connection_id = await ReconciliationRepository(session, job.tenant_id).connection_id()
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
        elif kind == "bills":
            found, counts, calls = await reconcile_bills(run)
            await _finish(run, rows=found, summary=counts, calls=calls)
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
    async with run.sessions() as session:
        repository = ReconciliationRepository(session, run.tenant_id)
        hosts, payments, pushed = await repository.host_side(run.date_from, run.date_to)
        settings = await SettingsService(session, run.tenant_id, run.clock).account_settings()
    if not settings.push_line_items:  # the package holds summary lines: lines not compared
        hosts = [replace(host, lines=None) for host in hosts]
    books, package = await run.books()
    by_id: dict[str, Remote[SalesDocument]] = {}
    by_number: dict[str, Remote[SalesDocument]] = {}
    calls = 0
    async for page in books.scan(RecordKind.INVOICE, Dated(run.date_from, run.date_to)):
        calls += 1
        for remote in page:
            by_id[str(remote.link.id)] = remote
            by_number.setdefault(remote.document.number, remote)
        await run.progress({"pages_read": calls, "provider_invoices": len(by_id)})
    rows: list[Row] = []
    for host in hosts:
        held = by_id.get(host.provider_id or "") or by_number.get(host.number)
        rows.append(
            compare_invoice(
                host, held, payments.get(host.host_id, []), pushed, settings.rounding_account
            )
        )
    rows = ordered(rows)
    await run.progress({"pages_read": calls, "invoices_checked": len(rows)})
    if run.fix:
        await _fix(run, rows, package)
    return rows, calls


async def _payments(run: Run) -> tuple[list[dict[str, Any]], int]:
    first, last = run.date_from.isoformat(), run.date_to.isoformat()
    async with run.sessions() as session:
        repository = ReconciliationRepository(session, run.tenant_id)
        invoice_host_ids = await repository.invoice_host_ids()
        records = await repository.payments()
    pushed = {str(r.provider_id) for r in records if r.provider_id}
    host = [
        host_payment(r)
        for r in records
        if not r.deleted and first <= str(r.payload["date"]) <= last
    ]
    books, package = await run.books()
    found = []
    calls = 0
    async for page in books.scan(RecordKind.PAYMENT, Dated(run.date_from, run.date_to)):
        calls += 1
        found += [provider_payment(r) for r in page if r.state is not State.GONE]
        await run.progress({"pages_read": calls, "provider_payments": len(found)})
    rows = compare_payments(host, found, invoice_host_ids, pushed)
    if run.fix:
        await _fix_payments(run, rows, package)
    return rows, calls


async def _tell_host(
    session: AsyncSession, run: Run, missing: list[tuple[str, str | None, dict[str, Any]]]
) -> None:
    """Payments the package has and the host lacks, as `payment.received`, once each:
    (host invoice id, the package's invoice id, the report's payment)."""
    now = run.clock()
    pulled = PullRepository(session, run.tenant_id, run.connection_id)
    reported = await pulled.reported(
        RecordKind.PAYMENT, (p["provider_payment_id"] for _, _, p in missing)
    )
    events = EventRepository(session, run.tenant_id)
    told: dict[str, tuple[str, str]] = {}
    for invoice_id, provider_invoice_id, payment in missing:
        if payment["provider_payment_id"] in reported:
            continue
        await events.append(
            EventType.PAYMENT_RECEIVED.value,
            payloads.payment(
                invoice_id,
                None,
                amount=Decimal(str(payment["amount"])),
                date=payment["date"],
                provider_payment_id=payment["provider_payment_id"],
                provider_invoice_id=provider_invoice_id,
            ),
            now,
        )
        told[payment["provider_payment_id"]] = (State.OPEN.value, "")
    await pulled.remember(RecordKind.PAYMENT, told, now)


async def _after_push(
    run: Run, wanted: dict[RecordKind, set[str]]
) -> dict[tuple[RecordKind, str], SyncRecord]:
    """Push what was requeued now, then read how each record ended."""
    if not any(wanted.values()):
        return {}
    await PushWorker(run.sessions, run.hub, run.clock).run_once()
    states: dict[tuple[RecordKind, str], SyncRecord] = {}
    async with run.sessions() as session:
        repository = ReconciliationRepository(session, run.tenant_id)
        for kind, host_ids in wanted.items():
            for host_id, record in (await repository.records(kind, sorted(host_ids))).items():
                states[(kind, host_id)] = record
    return states


def _not_fixed(record: SyncRecord | None, package: str) -> dict[str, Any]:
    reason = record.last_error if record is not None else None
    code = record.last_error_reason if record is not None else None
    return {"result": "not fixed", "reason": reason, "what_to_do": advice_for(code, package)}


async def _fix_payments(run: Run, rows: list[dict[str, Any]], package: str) -> None:
    to_push = sorted(r["payment_id"] for r in rows if r["outcome"] == "missing_in_provider")
    now = run.clock()
    linked = [r["payment_id"] for r in rows if r.get("matched_by") == "entered_on_both_sides"]
    async with transaction(run.sessions) as session:
        repository = ReconciliationRepository(session, run.tenant_id)
        await repository.lock([(RecordKind.PAYMENT, host_id) for host_id in [*to_push, *linked]])
        await repository.requeue(RecordKind.PAYMENT, to_push, now)
        for row in rows:
            if row.get("matched_by") == "entered_on_both_sides":
                await repository.link_payment(row["payment_id"], row["provider_payment_id"], now)
                row["fix"] = {
                    "result": "fixed",
                    "done": [f"linked to the payment entered in {package}"],
                }
        missing = [r for r in rows if r["outcome"] == "missing_in_host"]
        await _tell_host(session, run, [(r["invoice_id"], None, r) for r in missing])
        for row in missing:
            # Told, not fixed: until the host records it, the two sides still differ.
            row["fix"] = {
                "result": "sent to the host",
                "done": ["sent to the host as payment.received"],
                "what_to_do": "record it in the host",
            }
    states = await _after_push(run, {RecordKind.PAYMENT: set(to_push)})
    for row in rows:
        if row["outcome"] != "missing_in_provider":
            continue
        record = states.get((RecordKind.PAYMENT, row["payment_id"]))
        if record is not None and record.state == SyncState.SYNCED.value:
            row["fix"] = {"result": "fixed", "done": [f"pushed to {package}"]}
        else:
            row["fix"] = _not_fixed(record, package)


def _pushed_again(row: Row) -> bool:
    """Missing or different rows are pushed again, except an invoice voided in the package:
    writing to it would be refused, and voiding is the package user's decision."""
    voided_there = row.provider_state in ("void", "gone")
    return row.outcome == "missing" or (row.outcome == "different" and not voided_there)


async def _fix(run: Run, rows: list[Row], package: str) -> None:
    """Push again what is missing or different, and host payments the package lacks; tell
    the host of the package's payments it lacks. Then say, per row, what came of it."""
    wanted: dict[RecordKind, set[str]] = {RecordKind.INVOICE: set(), RecordKind.PAYMENT: set()}
    for row in rows:
        if _pushed_again(row):
            wanted[RecordKind.INVOICE].add(row.host_id)
        for missing in row.payments_missing_in_provider:
            wanted[RecordKind.PAYMENT].add(missing["payment_id"])
    async with transaction(run.sessions) as session:
        repository = ReconciliationRepository(session, run.tenant_id)
        await repository.lock([(k, host_id) for k, ids in wanted.items() for host_id in ids])
        for kind, host_ids in wanted.items():
            await repository.requeue(kind, sorted(host_ids), run.clock())
        await _tell_host(
            session,
            run,
            [(r.host_id, r.provider_id, p) for r in rows for p in r.payments_missing_in_host],
        )
    states = await _after_push(run, wanted)
    for row in rows:
        pushed_again = [(RecordKind.INVOICE, row.host_id)] if _pushed_again(row) else []
        pushed_again += [
            (RecordKind.PAYMENT, p["payment_id"]) for p in row.payments_missing_in_provider
        ]
        refused = [
            states[key]
            for key in pushed_again
            if key in states and states[key].state != SyncState.SYNCED.value
        ]
        if refused:
            row.fix = _not_fixed(refused[0], package)
        elif row.outcome == "different" and not pushed_again:
            row.fix = {"result": "left alone", "what_to_do": row.what_to_do}
        elif row.payments_missing_in_host:
            # The host has been told; until it records them, the two sides still differ.
            done = ["pushed again"] if pushed_again else []
            done.append(f"{package}'s payments sent to the host as payment.received")
            row.fix = {
                "result": "sent to the host",
                "done": done,
                "what_to_do": "record them in the host",
            }
        elif pushed_again:
            row.fix = {"result": "fixed", "done": ["pushed again"]}


async def _finish(
    run: Run,
    *,
    rows: list[dict[str, Any]] | None = None,
    summary: dict[str, int] | None = None,
    calls: int = 0,
    error: str | None = None,
) -> None:
    async with transaction(run.sessions) as session:
        await update_report(
            session,
            run.job_id,
            {
                "status": "failed" if error else "done",
                "summary": summary,
                "rows": rows,
                "calls": calls,
                "error": error,
                "finished_at": run.clock(),
            },
        )
