"""Bills over a date range: each host supplier invoice issued in it against the package's copy,
read in pages. A row is `ok`, `missing` (never reached the package) or `different` (status,
supplier or lines, each with the host's value and the package's): the lines compared are
those the push would send (accounts and tax codes resolved by the tenant's settings). With
`fix`, what is missing or different is pushed again, except a bill voided in the package
(voiding is the bookkeeper's decision there); each row says what came of it, or why not."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from syncsvc.db import transaction
from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.base import Dated
from syncsvc.providers.documents import Line, PurchaseDocument, Remote, State
from syncsvc.providers.errors import Misconfigured
from syncsvc.push import prepare
from syncsvc.push.prepare import Policy, line_amount, policy_for
from syncsvc.push.worker import PushWorker
from syncsvc.reconciliation.compare import EXPECTED_STATE
from syncsvc.reconciliation.repository import ReconciliationRepository
from syncsvc.records.canonical import SupplierInvoice
from syncsvc.settings.service import SettingsService

if TYPE_CHECKING:
    from syncsvc.reconciliation.runner import Run

KIND = RecordKind.SUPPLIER_INVOICE


async def reconcile_bills(run: Run) -> tuple[list[dict[str, Any]], dict[str, int], int]:
    """(rows, summary, calls)."""
    async with run.sessions() as session:
        repository = ReconciliationRepository(session, run.tenant_id)
        records = await repository.dated(KIND, "issue_date", run.date_from, run.date_to)
        suppliers = await repository.records(
            RecordKind.SUPPLIER, [str(r.payload["supplier_id"]) for r in records]
        )
        settings_service = SettingsService(session, run.tenant_id, run.clock)
        settings = await settings_service.account_settings()
        overrides = await settings_service.overrides()
    books, package = await run.books()
    facts = run.hub.adapter(await _provider(run)).facts
    policy = policy_for(settings, overrides, facts, books.capabilities.draft_documents)
    by_id: dict[str, Remote[PurchaseDocument]] = {}
    by_key: dict[str, Remote[PurchaseDocument]] = {}
    calls = 0
    async for page in books.scan(KIND, Dated(run.date_from, run.date_to)):
        calls += 1
        for remote in page:
            by_id[str(remote.link.id)] = remote
            by_key.setdefault(str(remote.link.key), remote)
        await run.progress({"pages_read": calls, "provider_bills": len(by_id)})
    rows = []
    for record in records:
        supplier = suppliers.get(str(record.payload["supplier_id"]))
        contact = str(supplier.provider_id) if supplier and supplier.provider_id else ""
        named = PurchaseDocument(
            "bill", str(record.payload["number"]), contact, date.min, (), "exclusive"
        )
        key = record.provider_key or books.key_for(KIND, record.host_id, named)
        held = by_id.get(record.provider_id or "") or by_key.get(key)
        rows.append(compare_bill(record, supplier, contact, held, policy))
    if run.fix:
        await _fix(run, rows, package)
    return rows, _summary(rows), calls


async def _provider(run: Run) -> str:
    return (await run.hub.tokens.active(run.tenant_id)).provider


def _line_view(line: Line, with_tax: bool) -> dict[str, str]:
    view = {
        "description": line.description,
        # The line's amount, not its quantity and price: a package may keep an amount
        # alone on a cost line (QuickBooks' expense lines), and the books show the amount.
        "amount": str(line_amount(line.quantity, line.unit_price, line.discount_rate)),
        "account": line.account,
    }
    if with_tax:
        view["tax_code"] = str(line.tax_code)
    return view


def compare_bill(
    record: SyncRecord,
    supplier: SyncRecord | None,
    contact: str,
    held: Remote[PurchaseDocument] | None,
    policy: Policy,
) -> dict[str, Any]:
    bill = SupplierInvoice.model_validate({"version": 0, **record.payload})
    status = "void" if record.deleted else bill.status
    row: dict[str, Any] = {
        "supplier_invoice_id": record.host_id,
        "number": bill.number,
        "supplier": supplier.payload.get("name") if supplier is not None else None,
        "issue_date": bill.issue_date.isoformat(),
        "outcome": "ok",
        "provider_id": held.link.id if held is not None else None,
        "provider_state": held.state.value if held is not None else None,
        "differences": [],
    }
    if held is None:
        row["outcome"] = "ok" if status == "void" else "missing"
        return row
    differences: list[dict[str, Any]] = []
    if held.state not in EXPECTED_STATE[status]:
        differences.append({"field": "status", "host": status, "provider": held.state.value})
    if contact and held.document.contact != contact:
        differences.append(
            {"field": "supplier", "host": contact, "provider": held.document.contact}
        )
    if status != "void":
        try:
            wanted = prepare.bill(bill, record.host_id, contact, policy).lines
        except Misconfigured as exc:
            differences.append({"field": "lines", "host": exc.message, "provider": None})
        else:
            # A line sent without a tax code takes its account's: not a difference.
            host = [_line_view(line, line.tax_code is not None) for line in wanted]
            provider = [
                _line_view(line, w.tax_code is not None)
                for line, w in zip(held.document.lines, wanted, strict=False)
            ] + [_line_view(line, True) for line in held.document.lines[len(wanted) :]]
            if host != provider:
                differences.append({"field": "lines", "host": host, "provider": provider})
    if differences:
        row["outcome"] = "different"
        row["differences"] = differences
    return row


def _summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"bills": len(rows), "ok": 0, "missing": 0, "different": 0}
    for row in rows:
        counts[row["outcome"]] += 1
    return counts


def _pushed_again(row: dict[str, Any]) -> bool:
    voided_there = row["provider_state"] in (State.VOID.value, State.GONE.value)
    return row["outcome"] == "missing" or (row["outcome"] == "different" and not voided_there)


async def _fix(run: Run, rows: list[dict[str, Any]], package: str) -> None:
    wanted = sorted(row["supplier_invoice_id"] for row in rows if _pushed_again(row))
    if wanted:
        async with transaction(run.sessions) as session:
            repository = ReconciliationRepository(session, run.tenant_id)
            await repository.lock([(KIND, host_id) for host_id in wanted])
            await repository.requeue(KIND, wanted, run.clock())
        await PushWorker(run.sessions, run.hub, run.clock).run_once()
    async with run.sessions() as session:
        states = await ReconciliationRepository(session, run.tenant_id).records(KIND, wanted)
    for row in rows:
        if row["outcome"] == "ok":
            continue
        if not _pushed_again(row):
            row["fix"] = {"result": "left alone", "what_to_do": f"voided in {package}"}
            continue
        record = states.get(row["supplier_invoice_id"])
        if record is not None and record.state == SyncState.SYNCED.value:
            row["fix"] = {"result": "fixed", "done": [f"pushed to {package}"]}
        else:
            row["fix"] = {
                "result": "not fixed",
                "reason": record.last_error if record is not None else None,
                "what_to_do": "correct the record in the host (or the setting it names) and "
                "it is pushed again",
            }
