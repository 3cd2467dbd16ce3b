"""From a due host record to the write that makes the books agree with it.

Planning reads (the record, what it depends on) and decides; it never writes. A record whose
dependency is still on its way waits silently; one whose dependency failed is `blocked` with
the reason; one whose content the settings cannot place (no account for it) fails with why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.base import Books, PushItem
from syncsvc.providers.documents import (
    Credit,
    Link,
    PurchaseDocument,
    Receipt,
    SalesDocument,
    State,
)
from syncsvc.providers.pacing import RateBudget
from syncsvc.push import prepare
from syncsvc.push.prepare import Policy
from syncsvc.records.canonical import (
    CreditNote,
    Customer,
    Expense,
    Invoice,
    Payment,
    Supplier,
    SupplierInvoice,
)

# What goes first: a customer before the invoices that name it, invoices before the credit
# notes applied to them and the payments made on them; a supplier before its invoices and
# the expenses owed or paid to it.
ORDER = (
    RecordKind.CUSTOMER,
    RecordKind.INVOICE,
    RecordKind.CREDIT_NOTE,
    RecordKind.PAYMENT,
    RecordKind.SUPPLIER,
    RecordKind.SUPPLIER_INVOICE,
    RecordKind.EXPENSE,
)
# How often records of a kind the package does not take yet are looked at again.
UNSUPPORTED_RECHECK = timedelta(hours=6)
# How each kind is named in what the tenant reads.
LABELS = {
    RecordKind.CUSTOMER: "customers",
    RecordKind.INVOICE: "invoices",
    RecordKind.CREDIT_NOTE: "credit notes",
    RecordKind.PAYMENT: "payments",
    RecordKind.SUPPLIER: "suppliers",
    RecordKind.SUPPLIER_INVOICE: "supplier invoices",
    RecordKind.EXPENSE: "expenses",
}
# How often a payment on an invoice the tenant pushes as a draft looks whether someone has
# approved it in the package (one read for a batch of them).
DRAFT_RECHECK = timedelta(minutes=15)


@dataclass(frozen=True)
class Due:
    """A due record as read, with the hash being pushed."""

    id: int
    host_id: str
    payload: dict[str, Any]
    payload_hash: str
    deleted: bool
    provider_id: str | None
    provider_version: str | None
    write_uncertain: bool
    attempts: int

    @classmethod
    def of(cls, row: SyncRecord) -> Due:
        return cls(
            row.id,
            row.host_id,
            row.payload,
            row.payload_hash,
            row.deleted,
            row.provider_id,
            row.provider_version,
            row.write_uncertain,
            row.attempts,
        )


@dataclass(frozen=True)
class Surcharge:
    """A payment's surcharge: its own small invoice, paid by a second receipt."""

    invoice: SalesDocument
    key: str  # the surcharge invoice's key
    receipt: Receipt  # less the surcharge invoice's id
    receipt_key: str


@dataclass
class Planned:
    due: Due
    item: PushItem | None  # None: nothing to send (a void of what the books never had)
    surcharge: Surcharge | None = None
    replaces: Link | None = None  # a changed payment the package cannot edit: removed first
    surcharge_key: str | None = None  # a removed payment's surcharge invoice, to undo
    notes: list[str] = field(default_factory=list)


class Blocked(Exception):
    """What the record needs failed or never came: it waits, and says why. `recheck`: what
    it waits for happens in the package (an approval there), so look again after this."""

    def __init__(self, reason: str, recheck: timedelta | None = None) -> None:
        super().__init__(reason)
        self.recheck = recheck


class Waiting(Exception):
    """What the record needs is still on its way."""


@dataclass
class Context:
    """One connection's push: its books, the tenant's policy, the package's name as shown."""

    tenant_id: uuid.UUID
    connection_id: int
    books: Books
    policy: Policy
    display_name: str
    budget: RateBudget | None = None  # paused with the connection after a rate limit
    provider: str = ""

    @property
    def batch_size(self) -> int:
        return self.books.capabilities.batch_size


Dependencies = dict[RecordKind, dict[str, SyncRecord]]


def ready(records: dict[str, SyncRecord], host_id: str, label: str) -> SyncRecord:
    """The dependency, once it is in the books."""
    record = records.get(host_id)
    if record is None:
        raise Blocked(f"{label} {host_id} has not been received from the host")
    if record.state in (SyncState.FAILED.value, SyncState.BLOCKED.value):
        raise Blocked(f"waiting on {label} {host_id}, which {record.state}: {record.last_error}")
    if record.provider_id is None:
        raise Waiting(host_id)
    return record


def dependencies_of(kind: RecordKind, batch: list[Due]) -> dict[RecordKind, set[str]]:
    """The host ids each kind of dependency is looked up by, for one batch."""
    wanted: dict[RecordKind, set[str]] = {}
    for due in batch:
        if kind in (RecordKind.INVOICE, RecordKind.CREDIT_NOTE):
            wanted.setdefault(RecordKind.CUSTOMER, set()).add(due.payload["customer_id"])
        if kind is RecordKind.CREDIT_NOTE:
            for allocation in due.payload.get("allocations") or []:
                wanted.setdefault(RecordKind.INVOICE, set()).add(allocation["invoice_id"])
        if kind is RecordKind.PAYMENT:
            wanted.setdefault(RecordKind.INVOICE, set()).add(due.payload["invoice_id"])
        if kind in (RecordKind.SUPPLIER_INVOICE, RecordKind.EXPENSE) and due.payload.get(
            "supplier_id"
        ):
            wanted.setdefault(RecordKind.SUPPLIER, set()).add(due.payload["supplier_id"])
    return wanted


def unsupported(ctx: Context, kind: RecordKind) -> str | None:
    """Why the package cannot take records of this kind, or None when it can."""
    if kind in ctx.books.capabilities.writes:
        return None
    return f"{ctx.display_name} does not take {LABELS[kind]} yet"


def _item(ctx: Context, kind: RecordKind, due: Due, document: Any, **changes: Any) -> PushItem:
    key = ctx.books.key_for(kind, due.host_id, document)
    return PushItem(
        kind,
        due.host_id,
        document,
        changes.pop("link", None) or Link(due.provider_id, due.provider_version, key),
        idempotency_key=f"{due.host_id}:{due.payload_hash[:20]}",
        **changes,
    )


def plan_customer(ctx: Context, due: Due) -> Planned:
    """A new customer is always created; changes to one already in the books are sent only
    when the tenant's `push_customer_updates` is on (else the package's copy is kept up)."""
    customer = Customer.model_validate({"version": 0, **due.payload})
    if due.provider_id and not due.deleted and not ctx.policy.settings.push_customer_updates:
        return Planned(due, None)
    return _plan_contact(ctx, RecordKind.CUSTOMER, due, customer)


def plan_supplier(ctx: Context, due: Due) -> Planned:
    """Suppliers are the host's to keep: every change is sent."""
    supplier = Supplier.model_validate({"version": 0, **due.payload})
    return _plan_contact(ctx, RecordKind.SUPPLIER, due, supplier)


def _plan_contact(ctx: Context, kind: RecordKind, due: Due, record: Customer | Supplier) -> Planned:
    if due.deleted and due.provider_id is None:
        return Planned(due, None)
    document = prepare.contact(record)
    return Planned(due, _item(ctx, kind, due, document, remove=due.deleted))


def _removal(kind: str, number: str, issue_date: date) -> SalesDocument:
    """What a void needs to name: the document, not its content."""
    return SalesDocument(kind, number, "", issue_date, (), "exclusive", "approved")  # type: ignore[arg-type]


def _draft_in_host(ctx: Context, status: str, label: str) -> None:
    if status == "draft" and not ctx.books.capabilities.draft_documents:
        raise Blocked(
            f"{label} is a draft in the host, and {ctx.display_name} keeps no drafts: "
            "it is pushed once it is approved"
        )


def plan_invoice(ctx: Context, due: Due, dependencies: Dependencies) -> Planned:
    invoice = Invoice.model_validate({"version": 0, **due.payload})
    if due.deleted or invoice.status == "void":
        if due.provider_id is None and not due.write_uncertain:
            return Planned(due, None)
        document = _removal("invoice", invoice.number, invoice.issue_date)
        return Planned(due, _item(ctx, RecordKind.INVOICE, due, document, remove=True))
    _draft_in_host(ctx, invoice.status, f"invoice {invoice.number}")
    customer = ready(dependencies.get(RecordKind.CUSTOMER, {}), invoice.customer_id, "customer")
    document = prepare.invoice(invoice, due.host_id, str(customer.provider_id), ctx.policy)
    return Planned(due, _item(ctx, RecordKind.INVOICE, due, document))


def plan_credit_note(ctx: Context, due: Due, dependencies: Dependencies) -> Planned:
    note = CreditNote.model_validate({"version": 0, **due.payload})
    if due.deleted or note.status == "void":
        if due.provider_id is None and not due.write_uncertain:
            return Planned(due, None)
        document = _removal("credit_note", note.number, note.issue_date)
        return Planned(due, _item(ctx, RecordKind.CREDIT_NOTE, due, document, remove=True))
    _draft_in_host(ctx, note.status, f"credit note {note.number}")
    customer = ready(dependencies.get(RecordKind.CUSTOMER, {}), note.customer_id, "customer")
    invoices = dependencies.get(RecordKind.INVOICE, {})
    credits = tuple(
        Credit(
            str(ready(invoices, allocation.invoice_id, "invoice").provider_id),
            allocation.amount,
            allocation.date or note.issue_date,
        )
        for allocation in note.allocations
    )
    if credits and (note.status == "draft" or ctx.policy.pushes_drafts):
        raise Blocked(
            f"credit note {note.number} is a draft in {ctx.display_name}: approve it to allocate it"
        )
    document = prepare.credit_note(
        note, due.host_id, str(customer.provider_id), credits, ctx.policy
    )
    return Planned(due, _item(ctx, RecordKind.CREDIT_NOTE, due, document))


def drafts_to_check(
    ctx: Context, kind: RecordKind, batch: list[Due], deps: Dependencies
) -> list[str]:
    """Keys of invoices the tenant pushes as drafts that payments in this batch are on:
    whether someone approved them in the package is read first (one call, only when any)."""
    if kind is not RecordKind.PAYMENT or not ctx.policy.pushes_drafts:
        return []
    invoices = deps.get(RecordKind.INVOICE, {})
    keys = []
    for due in batch:
        record = invoices.get(due.payload["invoice_id"])
        if not due.deleted and record is not None and record.provider_id:
            keys.append(record.provider_key or str(record.payload["number"]))
    return keys


def plan_payment(
    ctx: Context, due: Due, dependencies: Dependencies, states: dict[str, State]
) -> Planned:
    """`states`: the package's state of invoices the tenant pushes as drafts, by key."""
    payment = Payment.model_validate({"version": 0, **due.payload})
    invoice_record = dependencies.get(RecordKind.INVOICE, {}).get(payment.invoice_id)
    if due.deleted:
        if due.provider_id is None:
            return Planned(due, None)
        document = Receipt("", payment.amount, payment.date, "", payment.reference)
        surcharge_key = None
        if payment.surcharge > 0 and invoice_record is not None:
            number = prepare.surcharge_number(str(invoice_record.payload["number"]), due.host_id)
            surcharge_key = ctx.books.key_for(
                RecordKind.INVOICE, due.host_id, _removal("invoice", number, payment.date)
            )
        item = _item(ctx, RecordKind.PAYMENT, due, document, remove=True)
        return Planned(due, item, surcharge_key=surcharge_key)
    invoice_record = ready(dependencies.get(RecordKind.INVOICE, {}), payment.invoice_id, "invoice")
    invoice = Invoice.model_validate({"version": 0, **invoice_record.payload})
    if invoice.status == "draft":
        raise Blocked(f"invoice {payment.invoice_id} is a draft in the host: approve it first")
    invoice_key = invoice_record.provider_key or invoice.number
    if ctx.policy.pushes_drafts and states.get(invoice_key) not in (State.OPEN, State.PAID):
        raise Blocked(
            f"invoice {payment.invoice_id} is a draft in {ctx.display_name}: approve it there "
            "first",
            recheck=DRAFT_RECHECK,
        )
    receipt = prepare.receipt(payment, str(invoice_record.provider_id), ctx.policy)
    key = ctx.books.key_for(RecordKind.PAYMENT, due.host_id, receipt)
    surcharge = None
    if payment.surcharge > 0:
        contact = ready(dependencies.get(RecordKind.CUSTOMER, {}), invoice.customer_id, "customer")
        companion = prepare.surcharge_invoice(
            payment, due.host_id, invoice.number, str(contact.provider_id), ctx.policy
        )
        extra = prepare.surcharge_receipt(payment, ctx.policy)
        surcharge = Surcharge(
            companion,
            ctx.books.key_for(RecordKind.INVOICE, due.host_id, companion),
            extra,
            ctx.books.key_for(RecordKind.PAYMENT, due.host_id, extra),
        )
    editable = ctx.books.capabilities.payments_editable
    replaces = None
    link = Link(due.provider_id, due.provider_version, key)
    if due.provider_id and not editable:  # removed, then entered again
        replaces, link = link, Link(key=key)
    item = _item(ctx, RecordKind.PAYMENT, due, receipt, link=link)
    return Planned(due, item, surcharge=surcharge, replaces=replaces)


def _supplier_id(dependencies: Dependencies, host_id: str | None) -> str:
    """The supplier's contact in the books, as far as it is known ("": none)."""
    record = dependencies.get(RecordKind.SUPPLIER, {}).get(host_id or "")
    return str(record.provider_id) if record is not None and record.provider_id else ""


def plan_supplier_invoice(ctx: Context, due: Due, dependencies: Dependencies) -> Planned:
    bill = SupplierInvoice.model_validate({"version": 0, **due.payload})
    if due.deleted or bill.status == "void":
        if due.provider_id is None and not due.write_uncertain:
            return Planned(due, None)
        contact = _supplier_id(dependencies, bill.supplier_id)
        document = PurchaseDocument("bill", bill.number, contact, bill.issue_date, (), "exclusive")
        return Planned(due, _item(ctx, RecordKind.SUPPLIER_INVOICE, due, document, remove=True))
    supplier = ready(dependencies.get(RecordKind.SUPPLIER, {}), bill.supplier_id, "supplier")
    document = prepare.bill(bill, due.host_id, str(supplier.provider_id), ctx.policy)
    return Planned(due, _item(ctx, RecordKind.SUPPLIER_INVOICE, due, document))


def plan_expense(ctx: Context, due: Due, dependencies: Dependencies) -> Planned:
    expense = Expense.model_validate({"version": 0, **due.payload})
    if due.deleted:
        if due.provider_id is None and not due.write_uncertain:
            return Planned(due, None)
        document = PurchaseDocument(
            "expense",
            expense.reference or due.host_id,
            _supplier_id(dependencies, expense.supplier_id),
            expense.date,
            (),
            expense.tax_mode,
            reference=expense.reference,
            paid_from=expense.paid_from_account,
            payee=expense.payee,
        )
        return Planned(due, _item(ctx, RecordKind.EXPENSE, due, document, remove=True))
    contact = ""
    if expense.supplier_id is not None:
        suppliers = dependencies.get(RecordKind.SUPPLIER, {})
        contact = str(ready(suppliers, expense.supplier_id, "supplier").provider_id)
    document = prepare.expense(expense, due.host_id, contact, ctx.policy)
    return Planned(due, _item(ctx, RecordKind.EXPENSE, due, document))
