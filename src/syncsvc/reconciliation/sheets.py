"""A reconciliation report as a sheet (CSV), in the words of the package it was run against."""

from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.connections.hub import ProviderHub
from syncsvc.models import Reconciliation
from syncsvc.reconciliation.repository import ReconciliationRepository


async def package_name(session: AsyncSession, hub: ProviderHub, tenant_id: uuid.UUID) -> str:
    """The connected package's name as people know it ("Xero"), or "the package"."""
    provider = await ReconciliationRepository(session, tenant_id).provider()
    if provider is None or provider not in hub.adapters:
        return "the package"
    return hub.adapter(provider).facts.display_name


def as_csv(job: Reconciliation, package: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if job.kind == "payments":
        columns = ["payment_id", "invoice_id", "amount", "date", "provider_payment_id", "outcome"]
        writer.writerow([*columns, "fix", "what_to_do"])
        for row in job.rows or []:
            fix = row.get("fix") or {}
            writer.writerow(
                [row[c] or "" for c in columns]
                + [fix.get("result", ""), fix.get("what_to_do") or fix.get("reason") or ""]
            )
        return out.getvalue()
    if job.kind == "bills":
        columns = ["supplier_invoice_id", "number", "supplier", "issue_date", "outcome"]
        writer.writerow([*columns, "provider_id", "differences", "fix", "what_to_do"])
        for row in job.rows or []:
            fix = row.get("fix") or {}
            fields = "; ".join(d["field"] for d in row.get("differences") or [])
            writer.writerow(
                [row[c] or "" for c in columns]
                + [row.get("provider_id") or "", fields, fix.get("result", "")]
                + [fix.get("what_to_do") or fix.get("reason") or ""]
            )
        return out.getvalue()
    writer.writerow(
        [
            "host_id",
            "number",
            "outcome",
            "provider_id",
            "differences",
            "payments",
            "fix",
            "what_to_do",
        ]
    )
    for row in job.rows or []:
        differences = "; ".join(
            f"{d['field']}: host {d['host']}, {package} {d['provider']}" for d in row["differences"]
        )
        payments = "; ".join(
            [
                f"not in {package}: {p['amount']} on {p['date']}"
                for p in row["payments_missing_in_provider"]
            ]
            + [
                f"not in host: {p['amount']} on {p['date']}"
                for p in row["payments_missing_in_host"]
            ]
        )
        fix = row.get("fix") or {}
        writer.writerow(
            [
                row["host_id"],
                row["number"],
                row["outcome"],
                row["provider_id"] or "",
                differences,
                payments,
                fix.get("result", ""),
                fix.get("what_to_do") or fix.get("reason") or "",
            ]
        )
    return out.getvalue()
