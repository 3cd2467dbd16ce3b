"""All SQL of reconciliation: the host's side of a range, requeueing what a fix pushes again,
linking a payment keyed into both sides, the records' states after a fix, and the report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.models import Connection, Reconciliation, SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.reconciliation.compare import HostInvoice, HostPayment
from syncsvc.records.lock_order import by_key, lock_in_order

CHUNK = 500


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


class ReconciliationRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _records(self, kind: RecordKind) -> Any:
        return select(SyncRecord).where(
            SyncRecord.tenant_id == self.tenant_id, SyncRecord.kind == kind.value
        )

    async def connection_id(self) -> int | None:
        return await self.session.scalar(
            select(Connection.id).where(Connection.tenant_id == self.tenant_id)
        )

    async def reports(self, limit: int) -> list[Reconciliation]:
        """The tenant's newest reports first."""
        rows = await self.session.scalars(
            select(Reconciliation)
            .where(Reconciliation.tenant_id == self.tenant_id)
            .order_by(Reconciliation.created_at.desc(), Reconciliation.id)
            .limit(limit)
        )
        return list(rows)

    async def report(self, report_id: uuid.UUID) -> Reconciliation | None:
        report = await self.session.get(Reconciliation, report_id)
        return report if report is not None and report.tenant_id == self.tenant_id else None

    async def provider(self) -> str | None:
        return await self.session.scalar(
            select(Connection.provider).where(Connection.tenant_id == self.tenant_id)
        )

    async def records(self, kind: RecordKind, host_ids: list[str]) -> dict[str, SyncRecord]:
        found: dict[str, SyncRecord] = {}
        for chunk in _chunks(sorted(set(host_ids))):
            for record in await self.session.scalars(
                self._records(kind).where(SyncRecord.host_id.in_(chunk))
            ):
                found[record.host_id] = record
        return found

    async def dated(
        self, kind: RecordKind, field: str, first: date, last: date
    ) -> list[SyncRecord]:
        """The records of `kind` whose date `field` is in the range, by host id."""
        when = SyncRecord.payload[field].as_string()
        return list(
            await self.session.scalars(
                self._records(kind)
                .where(when >= first.isoformat(), when <= last.isoformat())
                .order_by(SyncRecord.host_id)
            )
        )

    async def payments(self) -> list[SyncRecord]:
        return list(await self.session.scalars(self._records(RecordKind.PAYMENT)))

    async def invoice_host_ids(self) -> dict[str, str]:
        """The package's invoice id -> host invoice id, for the invoices pushed."""
        rows = await self.session.execute(
            select(SyncRecord.host_id, SyncRecord.provider_id).where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.kind == RecordKind.INVOICE.value,
                SyncRecord.provider_id.is_not(None),
            )
        )
        return {str(provider_id): host_id for host_id, provider_id in rows}

    async def host_side(
        self, first: date, last: date
    ) -> tuple[list[HostInvoice], dict[str, list[HostPayment]], set[str]]:
        """The host's invoices issued in the range, the payments on them, and the ids of
        every payment the service pushed."""
        invoices = await self.dated(RecordKind.INVOICE, "issue_date", first, last)
        customers = await self.records(
            RecordKind.CUSTOMER, [r.payload["customer_id"] for r in invoices]
        )
        all_payments = await self.payments()
        pushed = {str(r.provider_id) for r in all_payments if r.provider_id}
        in_range = {r.host_id for r in invoices}
        payments: dict[str, list[HostPayment]] = {}
        for record in all_payments:
            invoice_id = str(record.payload.get("invoice_id"))
            if record.deleted or invoice_id not in in_range:
                continue
            payments.setdefault(invoice_id, []).append(host_payment(record))
        hosts = []
        for r in invoices:
            customer = customers.get(r.payload["customer_id"])
            hosts.append(
                HostInvoice(
                    r.host_id,
                    str(r.payload["number"]),
                    "void" if r.deleted else str(r.payload.get("status") or "approved"),
                    Decimal(str(r.payload["total"]))
                    if r.payload.get("total") is not None
                    else None,
                    r.provider_id,
                    customer.provider_id if customer is not None else None,
                    tuple(
                        (
                            str(line["description"]),
                            Decimal(str(line["quantity"])),
                            Decimal(str(line["unit_price"])),
                        )
                        for line in r.payload.get("lines") or []
                    ),
                    customer=str(customer.payload.get("name")) if customer is not None else None,
                    issue_date=str(r.payload.get("issue_date")),
                    currency=r.payload.get("currency"),
                )
            )
        return hosts, payments, pushed

    async def lock(self, keys: list[tuple[RecordKind, str]]) -> None:
        """Lock the rows a fix writes with several statements first, in the one lock order
        (`records.lock_order`), so a fix never deadlocks with a batch or the push worker."""
        await lock_in_order(
            self.session, self.tenant_id, by_key((kind.value, host_id) for kind, host_id in keys)
        )

    async def requeue(self, kind: RecordKind, host_ids: list[str], now: datetime) -> None:
        """Due again now, looked up in the package before it is written (it may be there
        after all)."""
        for chunk in _chunks(sorted(set(host_ids))):
            await self.session.execute(
                update(SyncRecord)
                .where(
                    SyncRecord.tenant_id == self.tenant_id,
                    SyncRecord.kind == kind.value,
                    SyncRecord.host_id.in_(chunk),
                )
                .values(
                    state=SyncState.PENDING.value,
                    pushed_hash=None,
                    attempts=0,
                    next_attempt_at=None,
                    last_error=None,
                    last_error_reason=None,
                    write_uncertain=True,
                    updated_at=now,
                )
            )

    async def link_payment(self, host_id: str, provider_id: str, now: datetime) -> None:
        """The same payment was keyed into the package: the host's record is that one, not
        pushed again (unless the host changes it)."""
        await self.session.execute(
            update(SyncRecord)
            .where(
                SyncRecord.tenant_id == self.tenant_id,
                SyncRecord.kind == RecordKind.PAYMENT.value,
                SyncRecord.host_id == host_id,
                SyncRecord.provider_id.is_(None),
            )
            .values(
                provider_id=provider_id,
                pushed_hash=SyncRecord.payload_hash,
                state=SyncState.SYNCED.value,
                synced_at=now,
                updated_at=now,
            )
        )


def host_payment(record: SyncRecord) -> HostPayment:
    return HostPayment(
        record.host_id,
        str(record.payload["invoice_id"]),
        Decimal(str(record.payload["amount"])).quantize(Decimal("0.01")),
        str(record.payload["date"]),
        record.provider_id,
    )


async def set_progress(session: AsyncSession, job_id: uuid.UUID, progress: dict[str, Any]) -> None:
    await session.execute(
        update(Reconciliation).where(Reconciliation.id == job_id).values(progress=progress)
    )


async def update_report(session: AsyncSession, job_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(
        update(Reconciliation).where(Reconciliation.id == job_id).values(**values)
    )
