"""Bills the service created, as read back from the package: each payment made on one there is
`supplier_payment.received` (once), and a bill paid in full is `bill.paid` (once per time it
becomes paid). An expense owed is a bill in the package and is reported the same way."""

from __future__ import annotations

from typing import Any

from syncsvc.events import payloads
from syncsvc.events.schemas import EventType
from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind
from syncsvc.providers.documents import PurchaseDocument, Remote, State
from syncsvc.pull.repository import PullRepository
from syncsvc.pull.sighting import Sighting, fingerprint

SUPPLIER_PAYMENT = "supplier_payment"  # what payments made on bills are remembered under


async def bills(repository: PullRepository, remotes: list[Remote[PurchaseDocument]]) -> Sighting:
    sighting = Sighting()
    ids = [str(r.link.id) for r in remotes]
    ours: dict[str, SyncRecord] = {}
    for kind in (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE):
        ours.update(await repository.records_by_provider_id(kind, ids))
    reported = await repository.reported(RecordKind.SUPPLIER_INVOICE.value, ours)
    payment_ids = [str(p.link.id) for r in remotes if str(r.link.id) in ours for p in r.receipts]
    payments_reported = await repository.reported(SUPPLIER_PAYMENT, payment_ids)
    for remote in remotes:
        bill_id = str(remote.link.id)
        record = ours.get(bill_id)
        if record is None:
            continue  # not a bill this service created
        for paid in remote.receipts:
            payment_id = str(paid.link.id)
            fields = _payment_fields(paid.document.amount, paid.document.date.isoformat())
            sighting.payments_seen[payment_id] = (paid.state.value, fingerprint(fields))
            if paid.state is not State.GONE and payment_id not in payments_reported:
                sighting.events.append(
                    (
                        EventType.SUPPLIER_PAYMENT_RECEIVED,
                        payloads.supplier_payment(_host(record), remote, paid),
                    )
                )
        status = remote.state.value
        sighting.seen[bill_id] = (
            status,
            fingerprint({"state": status, "total": str(remote.total)}),
        )
        previous = reported.get(bill_id)
        if remote.state is State.PAID and (previous is None or previous.status != status):
            sighting.events.append((EventType.BILL_PAID, payloads.bill_paid(_host(record), remote)))
    return sighting


def _host(record: SyncRecord) -> dict[str, Any]:
    """Which host record the bill is: a supplier invoice or an expense owed."""
    return {
        "supplier_invoice_id": record.host_id
        if record.kind == RecordKind.SUPPLIER_INVOICE.value
        else None,
        "expense_id": record.host_id if record.kind == RecordKind.EXPENSE.value else None,
    }


def _payment_fields(amount: Any, date: str) -> dict[str, Any]:
    return {"amount": str(amount), "date": date}
