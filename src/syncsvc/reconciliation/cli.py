"""`syncsvc reconcile`: a reconciliation from the command line, with its progress as it reads
the accounting package, and the report as a bookkeeper reads it: a row per invoice (or
payment) that differs, with the customer, date, currency, both totals and what to do, and a
totals row; or the whole report as JSON or CSV. Exit status: 0 when the two sides agree, 1
when differences remain, 2 for a usage mistake, 3 when the reconciliation could not run."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from syncsvc.app import create_app
from syncsvc.config import Settings
from syncsvc.db import transaction
from syncsvc.logging import configure_logging
from syncsvc.models import Reconciliation, Tenant
from syncsvc.reconciliation.runner import run_reconciliation
from syncsvc.reconciliation.sheets import as_csv, package_name

BAR = 30


AGREE, DIFFER, USAGE, FAILED = 0, 1, 2, 3
Output = Literal["table", "json", "csv"]


async def reconcile(
    tenant: str,
    date_from: date,
    date_to: date,
    fix: bool,
    kind: str = "invoices",
    output: Output = "table",
) -> int:
    try:
        tenant_id = uuid.UUID(tenant)
    except ValueError:
        print(f"--tenant: {tenant!r} is not a tenant id", file=sys.stderr)
        return USAGE
    if date_to < date_from:
        print("--to must not be before --from", file=sys.stderr)
        return USAGE
    settings = Settings.from_env()
    settings = replace(
        settings, worker=settings.worker.model_copy(update={"worker_enabled": False})
    )
    if "SYNCSVC_LOG_LEVEL" not in os.environ:  # the report is the output: logs only if wrong
        configure_logging("WARNING", settings.runtime.log_format)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state.syncsvc
        async with transaction(state.sessions) as session:
            if await session.get(Tenant, tenant_id) is None:
                print(f"--tenant: no tenant {tenant_id}", file=sys.stderr)
                return USAGE
            job = Reconciliation(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                kind=kind,
                date_from=date_from,
                date_to=date_to,
                fix=fix,
                status="running",
                progress={},
                calls=0,
                created_at=state.clock(),
            )
            session.add(job)
        job_id = job.id
        running = asyncio.create_task(
            run_reconciliation(state.sessions, state.providers, state.clock, job_id)
        )
        while not running.done():
            await asyncio.sleep(0.2)
            async with state.sessions() as session:
                current = await session.get(Reconciliation, job_id)
                if current is not None:
                    _progress(current.progress)
        await running
        async with state.sessions() as session:
            done = await session.get(Reconciliation, job_id)
            assert done is not None
            package = await package_name(session, state.providers, tenant_id)
        print(file=sys.stderr)
        return _report(done, package, output)


def _progress(progress: dict[str, Any]) -> None:
    pages = int(progress.get("pages_read", 0))
    checked = progress.get("invoices_checked")
    filled = min(BAR, pages)
    bar = "#" * filled + "." * (BAR - filled)
    tail = f"{checked} invoices checked" if checked is not None else f"{pages} pages read"
    print(f"\r[{bar}] {tail}", end="", file=sys.stderr, flush=True)


def _report(job: Reconciliation, package: str, output: Output) -> int:
    if job.status != "done" or job.summary is None:
        print(f"reconciliation failed: {job.error}", file=sys.stderr)
        return FAILED
    rows = job.rows or []
    if output == "json":
        print(json.dumps(_document(job), indent=2, default=str))
    elif output == "csv":
        print(as_csv(job, package), end="")
    elif job.kind == "payments":
        print(_payments_table(job, rows, package))
    else:
        print(_invoices_table(job, rows, package))
    return DIFFER if any(_still_differs(row) for row in rows) else AGREE


def _still_differs(row: dict[str, Any]) -> bool:
    if row["outcome"] in ("ok", "matched"):
        return False
    return (row.get("fix") or {}).get("result") != "fixed"


def _document(job: Reconciliation) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "kind": job.kind,
        "from": job.date_from.isoformat(),
        "to": job.date_to.isoformat(),
        "fix": job.fix,
        "provider": job.provider,
        "summary": job.summary,
        "rows": job.rows,
    }


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _advice(row: dict[str, Any], package: str) -> str:
    fix = row.get("fix") or {}
    if fix:
        said = fix.get("result", "")
        why = fix.get("reason")
        todo = fix.get("what_to_do")
        text = "; ".join(part for part in (said, why, todo) if part)
    else:
        text = str(row.get("what_to_do") or "")
    return text.replace("the package", package)


def _money(value: Any) -> str:
    return "" if value is None else f"{Decimal(str(value)):,.2f}"


def _invoices_table(job: Reconciliation, rows: list[dict[str, Any]], package: str) -> str:
    differing = [r for r in rows if r["outcome"] != "ok"]
    host_total = sum((Decimal(r["host_total"]) for r in rows if r.get("host_total")), Decimal(0))
    package_total = sum(
        (Decimal(r["provider_total"]) for r in rows if r.get("provider_total")), Decimal(0)
    )
    lines = [
        f"Invoices issued {job.date_from} to {job.date_to}: the host against {package}"
        + (" (with --fix)" if job.fix else ""),
        "",
    ]
    table = [
        [
            str(r["number"]),
            str(r.get("customer") or ""),
            str(r.get("date") or ""),
            str(r.get("currency") or ""),
            _money(r.get("host_total")),
            _money(r.get("provider_total")),
            str(r["outcome"]),
            _advice(r, package),
        ]
        for r in differing
    ]
    table.append(
        [
            f"Total ({len(rows)} invoices)",
            "",
            "",
            "",
            _money(host_total),
            _money(package_total),
            f"{len(differing)} differ",
            "",
        ]
    )
    headers = [
        "Invoice",
        "Customer",
        "Date",
        "Currency",
        "Host total",
        f"{package} total",
        "Outcome",
        "What to do",
    ]
    lines += _table(headers, table, right={4, 5})
    lines += ["", _counts(job), f"Details: GET /v1/reconciliations/{job.id} (?format=csv)"]
    return "\n".join(lines)


def _payments_table(job: Reconciliation, rows: list[dict[str, Any]], package: str) -> str:
    differing = [r for r in rows if r["outcome"] != "matched"]
    lines = [
        f"Payments dated {job.date_from} to {job.date_to}: the host against {package}"
        + (" (with --fix)" if job.fix else ""),
        "",
    ]
    table = [
        [
            str(r.get("payment_id") or r.get("provider_payment_id") or ""),
            str(r.get("invoice_id") or ""),
            str(r.get("date") or ""),
            _money(r.get("amount")),
            str(r["outcome"]),
            _advice(r, package),
        ]
        for r in differing
    ]
    total = sum((Decimal(str(r["amount"])) for r in differing), Decimal(0))
    table.append(
        [f"Total ({len(rows)} payments)", "", "", _money(total), f"{len(differing)} differ", ""]
    )
    lines += _table(["Payment", "Invoice", "Date", "Amount", "Outcome", "What to do"], table, {3})
    lines += ["", _counts(job), f"Details: GET /v1/reconciliations/{job.id} (?format=csv)"]
    return "\n".join(lines)


def _counts(job: Reconciliation) -> str:
    return ", ".join(
        f"{key.replace('_', ' ')}: {count:,}"
        for key, count in (job.summary or {}).items()
        if key != "missing_in_xero"
    )
