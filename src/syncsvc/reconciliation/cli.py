"""`syncsvc reconcile`: a reconciliation from the command line, with its progress as it reads
Xero and the summary as a table."""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from syncsvc.app import create_app
from syncsvc.config import Settings
from syncsvc.db import transaction
from syncsvc.models import Reconciliation, Tenant
from syncsvc.reconciliation.runner import run_reconciliation

BAR = 30


async def reconcile(
    tenant: str, date_from: date, date_to: date, fix: bool, kind: str = "invoices"
) -> int:
    try:
        tenant_id = uuid.UUID(tenant)
    except ValueError:
        print(f"--tenant: {tenant!r} is not a tenant id", file=sys.stderr)
        return 2
    if date_to < date_from:
        print("--to must not be before --from", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    settings = replace(
        settings, worker=settings.worker.model_copy(update={"worker_enabled": False})
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state.syncsvc
        async with transaction(state.sessions) as session:
            if await session.get(Tenant, tenant_id) is None:
                print(f"--tenant: no tenant {tenant_id}", file=sys.stderr)
                return 2
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
            print(file=sys.stderr)
            return _report(done)


def _progress(progress: dict[str, Any]) -> None:
    pages = int(progress.get("pages_read", 0))
    checked = progress.get("invoices_checked")
    filled = min(BAR, pages)
    bar = "#" * filled + "." * (BAR - filled)
    tail = f"{checked} invoices checked" if checked is not None else f"{pages} pages read"
    print(f"\r[{bar}] {tail}", end="", file=sys.stderr, flush=True)


def _report(job: Reconciliation) -> int:
    if job.status != "done" or job.summary is None:
        print(f"reconciliation failed: {job.error}", file=sys.stderr)
        return 1
    print(f"Reconciliation {job.id}: {job.kind} dated {job.date_from} to {job.date_to}")
    width = max(len(key) for key in job.summary)
    for key, count in job.summary.items():
        print(f"  {key:<{width}}  {count:>7,}")
    for row in job.rows or []:
        if row["outcome"] in ("ok", "matched"):
            continue
        fix = row.get("fix") or {}
        note = f"  -> {fix['result']}" if fix else ""
        if fix.get("result") == "not fixed":
            note += f": {fix.get('reason')} ({fix.get('what_to_do')})"
        name = row.get("number") or row.get("payment_id") or row.get("provider_payment_id")
        print(f"  {name!s:<20} {row['outcome']:<16}{note}")
    print(f"Details: GET /v1/reconciliations/{job.id} (or ?format=csv)")
    return 0
