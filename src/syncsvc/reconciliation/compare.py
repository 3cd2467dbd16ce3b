"""The host's invoices and payments against the package's copies: pure functions, no I/O.

An invoice is `ok`, `missing` (never reached the package), `different` (total, status, contact
or lines: each field with both values), or `payments_differ` (payments on one side only, by
amount and date). Documents this service did not create are never looked at: rows start from
the host's records. Keys and values name "the provider"; the `xero` ones of the first version
are kept beside them as deprecated aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from syncsvc.providers.documents import Line, Receipt, Remote, SalesDocument, State

# What the package's state should be for each host status.
EXPECTED_STATE = {
    "approved": {State.OPEN, State.PAID},
    "draft": {State.DRAFT},
    "void": {State.VOID, State.GONE},
}


@dataclass(frozen=True)
class HostInvoice:
    host_id: str
    number: str
    status: str  # approved, draft, void
    total: Decimal | None
    provider_id: str | None
    contact_id: str | None  # the package's contact its customer is linked to
    # (description, quantity, unit price) as pushed line by line; None: pushed as summaries
    lines: tuple[tuple[str, Decimal, Decimal], ...] | None = None
    # What a bookkeeper reads the row by.
    customer: str | None = None
    issue_date: str | None = None
    currency: str | None = None


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
    payments_missing_in_provider: list[dict[str, Any]] = field(default_factory=list)
    payments_missing_in_host: list[dict[str, Any]] = field(default_factory=list)
    fix: dict[str, Any] | None = None
    customer: str | None = None
    date: str | None = None
    currency: str | None = None
    host_total: Decimal | None = None
    provider_total: Decimal | None = None
    provider_state: str | None = None

    @property
    def what_to_do(self) -> str | None:
        """What a person does about the row, before any fix (None: nothing, it agrees)."""
        if self.outcome == "missing":
            return "not in the package: --fix pushes it again"
        if self.provider_state in ("void", "gone") and self.outcome == "different":
            return "voided in the package: void it in the host too, or enter it again there"
        if self.outcome == "different":
            return (
                "--fix pushes the host's version again; or correct the host if the package is right"
            )
        if self.outcome == "payments_differ":
            steps = []
            if self.payments_missing_in_provider:
                steps.append("--fix pushes the host's payments the package lacks")
            if self.payments_missing_in_host:
                steps.append("record the package's payments in the host (--fix sends them to it)")
            return "; ".join(steps)
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "host_id": self.host_id,
            "number": self.number,
            "customer": self.customer,
            "date": self.date,
            "currency": self.currency,
            "host_total": None if self.host_total is None else str(self.host_total),
            "provider_total": None if self.provider_total is None else str(self.provider_total),
            "outcome": self.outcome,
            "what_to_do": self.what_to_do,
            "provider_id": self.provider_id,
            "differences": [
                {**d, "xero": d["provider"]} for d in self.differences
            ],  # `xero`: deprecated alias of `provider`
            "payments_missing_in_provider": self.payments_missing_in_provider,
            "payments_missing_in_xero": self.payments_missing_in_provider,  # deprecated alias
            "payments_missing_in_host": self.payments_missing_in_host,
            "fix": self.fix,
        }


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def compare_invoice(
    host: HostInvoice,
    remote: Remote[SalesDocument] | None,
    payments: list[HostPayment],
    pushed_payment_ids: set[str],
    rounding_account: str | None = None,
) -> Row:
    """`pushed_payment_ids`: every payment this service pushed (a payment on the invoice in
    the package that is not among them was made there)."""
    facts: dict[str, Any] = {
        "customer": host.customer,
        "date": host.issue_date,
        "currency": host.currency,
        "host_total": None if host.total is None else _money(host.total),
    }
    if remote is None:
        if host.status == "void":
            return Row(host.host_id, host.number, "ok", **facts)  # void, and never there
        return Row(host.host_id, host.number, "missing", **facts)
    row = Row(
        host.host_id,
        host.number,
        "ok",
        provider_id=remote.link.id,
        provider_total=None if remote.total is None else _money(remote.total),
        provider_state=remote.state.value,
        **facts,
    )
    if remote.state not in EXPECTED_STATE.get(host.status, set()):
        row.differences.append(
            {"field": "status", "host": host.status, "provider": remote.state.value}
        )
    if host.status != "void":
        total = _money(remote.total)
        if host.total is not None and total != _money(host.total):
            row.differences.append(
                {"field": "total", "host": str(_money(host.total)), "provider": str(total)}
            )
        if host.lines is not None:
            row.differences += _line_differences(
                host.lines, remote.document.lines, rounding_account
            )
        contact = remote.document.contact
        if host.contact_id and contact != host.contact_id:
            row.differences.append(
                {"field": "contact", "host": host.contact_id, "provider": contact or None}
            )
    if row.differences:
        row.outcome = "different"
        return row
    in_provider = {str(r.link.id): r for r in remote.receipts if r.state is not State.GONE}
    for payment in payments:
        if payment.provider_id and payment.provider_id in in_provider:
            continue
        row.payments_missing_in_provider.append(
            {"payment_id": payment.host_id, "amount": str(payment.amount), "date": payment.date}
        )
    host_ids = {p.provider_id for p in payments if p.provider_id}
    for payment_id, receipt in in_provider.items():
        if payment_id in host_ids or payment_id in pushed_payment_ids:
            continue
        row.payments_missing_in_host.append(
            {
                "provider_payment_id": payment_id,
                "amount": str(_money(receipt.document.amount)),
                "date": receipt.document.date.isoformat(),
            }
        )
    if row.payments_missing_in_provider or row.payments_missing_in_host:
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
    lines: tuple[Line, ...],
    rounding_account: str | None,
) -> list[dict[str, Any]]:
    """Lines on one side only (the rounding line the service adds is not a host line)."""
    ours = sorted(_line_key(*line) for line in host_lines)
    theirs = sorted(
        _line_key(line.description, line.quantity, line.unit_price)
        for line in lines
        if not rounding_account or line.account != rounding_account
    )
    if ours == theirs:
        return []
    only_host = [line for line in ours if line not in theirs]
    only_provider = [line for line in theirs if line not in ours]

    def shown(lines: list[tuple[str, Decimal, Decimal]]) -> list[str]:
        return [f"{d} ({q.normalize()} x {u.normalize()})" for d, q, u in lines[:5]]

    return [{"field": "lines", "host": shown(only_host), "provider": shown(only_provider)}]


def ordered(rows: list[Row]) -> list[Row]:
    """The order a bookkeeper reads them in, the same every run: by date, then number."""
    return sorted(rows, key=lambda r: (r.date or "", r.number, r.host_id))


def summary(rows: list[Row]) -> dict[str, int]:
    counts = {"invoices": len(rows), "ok": 0, "missing": 0, "different": 0, "payments_differ": 0}
    for row in rows:
        counts[row.outcome] += 1
    counts["unfixable"] = sum(1 for r in rows if r.fix and r.fix.get("result") == "not fixed")
    return counts


def provider_payment(remote: Remote[Receipt]) -> ProviderPayment:
    receipt = remote.document
    return ProviderPayment(
        str(remote.link.id),
        receipt.invoice,
        _money(receipt.amount),
        receipt.date.isoformat(),
    )


@dataclass(frozen=True)
class ProviderPayment:
    payment_id: str
    invoice_id: str  # the package's
    amount: Decimal
    date: str | None


def compare_payments(
    host: list[HostPayment],
    provider: list[ProviderPayment],
    invoice_host_ids: dict[str, str],
    pushed_payment_ids: set[str],
) -> list[dict[str, Any]]:
    """Every payment on either side, matched or not. `invoice_host_ids`: the package's invoice
    id -> host invoice id, for the invoices this service created (payments on others are left
    out). A host payment matches the payment it was pushed as, or else one entered in the
    package on the same invoice with the same amount and date."""
    rows: list[dict[str, Any]] = []
    by_id = {p.payment_id: p for p in provider}
    used: set[str] = set()
    unmatched = [
        p
        for p in provider
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
                    for p in unmatched
                    if p.payment_id not in used
                    and invoice_host_ids[p.invoice_id] == payment.invoice_host_id
                    and p.amount == payment.amount
                    and p.date == payment.date
                ),
                None,
            )
        if found is None:
            row["outcome"] = "missing_in_provider"
            row["what_to_do"] = "not in the package: --fix pushes it"
        else:
            row["matched_by"] = row["matched_by"] or "entered_on_both_sides"
            used.add(found.payment_id)
            row.update(outcome="matched", provider_payment_id=found.payment_id)
        rows.append(row)
    for entered in unmatched:
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
                "what_to_do": "record it in the host (--fix sends it to the host)",
            }
        )
    return rows


def payments_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"payments": len(rows), "matched": 0, "missing_in_provider": 0, "missing_in_host": 0}
    for row in rows:
        counts[row["outcome"]] += 1
    counts["missing_in_xero"] = counts["missing_in_provider"]  # deprecated alias
    counts["unfixable"] = sum(1 for r in rows if (r.get("fix") or {}).get("result") == "not fixed")
    return counts
