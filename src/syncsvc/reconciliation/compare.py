"""The host's invoices and payments against Xero's copies: pure functions, no I/O.

An invoice is `ok`, `missing` (never reached Xero), `different` (total, status, contact or
lines: each field with both values), or `payments_differ` (payments on one side only, by amount and
date). Xero documents this service did not create are never looked at: rows start from the
host's records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from syncsvc.providers.xero.reads import parse_date

# What Xero's status should be for each host status.
EXPECTED_STATUS = {
    "approved": {"AUTHORISED", "PAID"},
    "draft": {"DRAFT", "SUBMITTED"},
    "void": {"VOIDED", "DELETED"},
}


@dataclass(frozen=True)
class HostInvoice:
    host_id: str
    number: str
    status: str  # approved, draft, void
    total: Decimal | None
    provider_id: str | None
    contact_id: str | None  # the Xero contact its customer is linked to
    # (description, quantity, unit price) as pushed line by line; None: pushed as summaries
    lines: tuple[tuple[str, Decimal, Decimal], ...] | None = None


@dataclass(frozen=True)
class HostPayment:
    host_id: str
    invoice_host_id: str
    amount: Decimal
    date: str
    provider_id: str | None


@dataclass
class Row:
    host_id: str
    number: str
    outcome: str  # ok, missing, different, payments_differ
    provider_id: str | None = None
    differences: list[dict[str, Any]] = field(default_factory=list)
    payments_missing_in_xero: list[dict[str, Any]] = field(default_factory=list)
    payments_missing_in_host: list[dict[str, Any]] = field(default_factory=list)
    fix: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "host_id": self.host_id,
            "number": self.number,
            "outcome": self.outcome,
            "provider_id": self.provider_id,
            "differences": self.differences,
            "payments_missing_in_xero": self.payments_missing_in_xero,
            "payments_missing_in_host": self.payments_missing_in_host,
            "fix": self.fix,
        }


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def compare_invoice(
    host: HostInvoice,
    xero: dict[str, Any] | None,
    payments: list[HostPayment],
    pushed_payment_ids: set[str],
    rounding_account: str | None = None,
) -> Row:
    """`pushed_payment_ids`: every Xero payment this service pushed (a Xero payment on the
    invoice that is not among them was made in Xero)."""
    if xero is None:
        if host.status == "void":
            return Row(host.host_id, host.number, "ok")  # void, and Xero never had it
        return Row(host.host_id, host.number, "missing")
    row = Row(host.host_id, host.number, "ok", provider_id=str(xero.get("InvoiceID")))
    status = str(xero.get("Status"))
    if status not in EXPECTED_STATUS.get(host.status, set()):
        row.differences.append({"field": "status", "host": host.status, "xero": status})
    if host.status != "void":
        xero_total = _money(xero.get("Total"))
        if host.total is not None and xero_total != _money(host.total):
            row.differences.append(
                {"field": "total", "host": str(_money(host.total)), "xero": str(xero_total)}
            )
        if host.lines is not None:
            row.differences += _line_differences(host.lines, xero, rounding_account)
        contact = str((xero.get("Contact") or {}).get("ContactID") or "")
        if host.contact_id and contact != host.contact_id:
            row.differences.append(
                {"field": "contact", "host": host.contact_id, "xero": contact or None}
            )
    if row.differences:
        row.outcome = "different"
        return row
    live = [p for p in xero.get("Payments") or [] if p.get("Status", "AUTHORISED") != "DELETED"]
    in_xero = {str(p.get("PaymentID")): p for p in live}
    for payment in payments:
        if payment.provider_id and payment.provider_id in in_xero:
            continue
        row.payments_missing_in_xero.append(
            {"payment_id": payment.host_id, "amount": str(payment.amount), "date": payment.date}
        )
    host_ids = {p.provider_id for p in payments if p.provider_id}
    for payment_id, payment in in_xero.items():
        if payment_id in host_ids or payment_id in pushed_payment_ids:
            continue
        paid_on = parse_date(payment.get("Date"))
        row.payments_missing_in_host.append(
            {
                "provider_payment_id": payment_id,
                "amount": str(_money(payment.get("Amount"))),
                "date": paid_on.isoformat() if paid_on else None,
            }
        )
    if row.payments_missing_in_xero or row.payments_missing_in_host:
        row.outcome = "payments_differ"
    return row


def _line_key(description: Any, quantity: Any, unit: Any) -> tuple[str, Decimal, Decimal]:
    four = Decimal("0.0001")
    return (
        str(description or "").strip(),
        Decimal(str(quantity if quantity is not None else 1)).quantize(four),
        Decimal(str(unit if unit is not None else 0)).quantize(four),
    )


def _line_differences(
    host_lines: tuple[tuple[str, Decimal, Decimal], ...],
    xero: dict[str, Any],
    rounding_account: str | None,
) -> list[dict[str, Any]]:
    """Lines on one side only (the rounding line the service adds is not a host line)."""
    ours = sorted(_line_key(*line) for line in host_lines)
    theirs = sorted(
        _line_key(li.get("Description"), li.get("Quantity"), li.get("UnitAmount"))
        for li in xero.get("LineItems") or []
        if not rounding_account or li.get("AccountCode") != rounding_account
    )
    if ours == theirs:
        return []
    only_host = [line for line in ours if line not in theirs]
    only_xero = [line for line in theirs if line not in ours]

    def shown(lines: list[tuple[str, Decimal, Decimal]]) -> list[str]:
        return [f"{d} ({q.normalize()} x {u.normalize()})" for d, q, u in lines[:5]]

    return [{"field": "lines", "host": shown(only_host), "xero": shown(only_xero)}]


def summary(rows: list[Row]) -> dict[str, int]:
    counts = {"invoices": len(rows), "ok": 0, "missing": 0, "different": 0, "payments_differ": 0}
    for row in rows:
        counts[row.outcome] += 1
    counts["unfixable"] = sum(1 for r in rows if r.fix and r.fix.get("result") == "not fixed")
    return counts


@dataclass(frozen=True)
class XeroPayment:
    payment_id: str
    invoice_id: str  # Xero's
    amount: Decimal
    date: str | None


def compare_payments(
    host: list[HostPayment],
    xero: list[XeroPayment],
    invoice_host_ids: dict[str, str],
    pushed_payment_ids: set[str],
) -> list[dict[str, Any]]:
    """Every payment on either side, matched or not. `invoice_host_ids`: Xero invoice id ->
    host invoice id, for the invoices this service created (payments on others are left out).
    A host payment matches the Xero payment it was pushed as, or else one entered in Xero on
    the same invoice with the same amount and date."""
    rows: list[dict[str, Any]] = []
    by_id = {p.payment_id: p for p in xero}
    used: set[str] = set()
    unmatched_xero = [
        p
        for p in xero
        if p.payment_id not in pushed_payment_ids and p.invoice_id in invoice_host_ids
    ]
    for payment in host:
        row: dict[str, Any] = {
            "payment_id": payment.host_id,
            "invoice_id": payment.invoice_host_id,
            "amount": str(payment.amount),
            "date": payment.date,
            "provider_payment_id": None,
        }
        found = by_id.get(payment.provider_id or "")
        row["matched_by"] = "pushed" if found is not None else None
        if found is None:
            found = next(
                (
                    p
                    for p in unmatched_xero
                    if p.payment_id not in used
                    and invoice_host_ids[p.invoice_id] == payment.invoice_host_id
                    and p.amount == payment.amount
                    and p.date == payment.date
                ),
                None,
            )
        if found is None:
            row["outcome"] = "missing_in_xero"
        else:
            row["matched_by"] = row["matched_by"] or "entered_on_both_sides"
            used.add(found.payment_id)
            row.update(outcome="matched", provider_payment_id=found.payment_id)
        rows.append(row)
    for entered in unmatched_xero:
        if entered.payment_id in used:
            continue
        rows.append(
            {
                "payment_id": None,
                "invoice_id": invoice_host_ids[entered.invoice_id],
                "amount": str(entered.amount),
                "date": entered.date,
                "provider_payment_id": entered.payment_id,
                "outcome": "missing_in_host",
            }
        )
    return rows


def payments_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"payments": len(rows), "matched": 0, "missing_in_xero": 0, "missing_in_host": 0}
    for row in rows:
        counts[row["outcome"]] += 1
    counts["unfixable"] = sum(1 for r in rows if (r.get("fix") or {}).get("result") == "not fixed")
    return counts
