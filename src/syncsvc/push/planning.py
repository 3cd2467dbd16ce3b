"""From a due host record to the Xero writes that make Xero agree with it.

Planning reads (the record, what it depends on, the organisation's tax rates and accounts
from the lookup cache) and decides; it never writes. A record whose dependency is still on
its way waits silently; one whose dependency failed is `blocked` with the reason; one whose
content Xero would refuse (no account for it, a rounding gap too large) fails with why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from syncsvc.connections.hub import ProviderHub
from syncsvc.models import SyncRecord
from syncsvc.models.enums import RecordKind, SyncState
from syncsvc.providers.base import LookupItem, LookupKind
from syncsvc.providers.xero import mapping
from syncsvc.providers.xero.client import XeroClient
from syncsvc.providers.xero.writes import WriteItem
from syncsvc.records.canonical import CreditNote, Customer, Invoice, Payment
from syncsvc.settings.schemas import AccountSettings, Overrides

# What goes first: a customer before the invoices that name it, invoices before the credit
# notes allocated to them and the payments made on them.
ORDER = (RecordKind.CUSTOMER, RecordKind.INVOICE, RecordKind.CREDIT_NOTE, RecordKind.PAYMENT)
DELETE_PAYMENT = "Payments/delete"


@dataclass(frozen=True)
class Due:
    """A due record as read, with the hash being pushed."""

    id: int
    host_id: str
    payload: dict[str, Any]
    payload_hash: str
    deleted: bool
    provider_id: str | None
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
            row.write_uncertain,
            row.attempts,
        )


@dataclass(frozen=True)
class Surcharge:
    """A payment's surcharge: its own small invoice, paid by a second payment."""

    invoice: WriteItem
    payment: dict[str, Any]  # the surcharge payment's body, less the invoice's id


@dataclass(frozen=True)
class Allocation:
    invoice_id: str  # Xero's
    amount: Decimal
    date: str


@dataclass
class Planned:
    due: Due
    item: WriteItem | None  # None: nothing to send (e.g. a void of what Xero never had)
    resource: str = ""
    surcharge: Surcharge | None = None
    allocations: list[Allocation] = field(default_factory=list)
    replaces: str | None = None  # a payment changed in the host: Xero's old one goes first
    surcharge_number: str | None = None  # a deleted payment's surcharge invoice, to void


class Blocked(Exception):
    """What the record needs failed or never came: it waits, and says why. `recheck`: what
    it waits for happens in the package (an approval in Xero), so look again after this."""

    def __init__(self, reason: str, recheck: timedelta | None = None) -> None:
        super().__init__(reason)
        self.recheck = recheck


# How often a payment on an invoice the tenant pushes as a draft looks whether someone has
# approved it in Xero (one read for a batch of them).
DRAFT_RECHECK = timedelta(minutes=15)


class Waiting(Exception):
    """What the record needs is still on its way."""


@dataclass
class Context:
    """One connection's push: its client, settings and the organisation's lookups."""

    tenant_id: uuid.UUID
    connection_id: int
    client: XeroClient
    settings: AccountSettings
    overrides: Overrides
    batch_size: int
    hub: ProviderHub
    organisation_id: str
    provider: str
    # Built once per push from the lookups, not once per record.
    _rates: dict[str, Decimal] | None = field(default=None, repr=False)
    _account_tax: dict[str, str] | None = field(default=None, repr=False)

    async def _lookup(self, kind: LookupKind) -> list[LookupItem]:
        key = (str(self.tenant_id), self.organisation_id, kind.value)
        cached = self.hub.cached_lookup(key)
        if cached is None:
            items = await self.hub.adapter(self.provider).lookups(
                self.hub.http, self.client.token, self.organisation_id, kind
            )
            cached = self.hub.remember_lookup(key, items)
        return cached.items

    async def tax_rates(self) -> dict[str, Decimal]:
        """The organisation's tax rates (percent by tax type), from the lookup cache."""
        if self._rates is None:
            items = await self._lookup(LookupKind.TAX_RATES)
            self._rates = {i.code: Decimal(str(i.details.get("rate") or 0)) for i in items}
        return self._rates

    async def account_tax_types(self) -> dict[str, str]:
        """Each account's own default tax type, from the lookup cache."""
        if self._account_tax is None:
            items = await self._lookup(LookupKind.ACCOUNTS)
            self._account_tax = {
                i.code: str(i.details["tax_type"]) for i in items if i.details.get("tax_type")
            }
        return self._account_tax

    async def invoice_context(
        self, contact_id: str, invoice_id: str | None, existing_status: str | None = None
    ) -> mapping.InvoiceContext:
        return mapping.InvoiceContext(
            self.settings,
            self.overrides,
            contact_id,
            await self.tax_rates(),
            await self.account_tax_types(),
            invoice_id=invoice_id,
            existing_status=existing_status,
        )


def ready(records: dict[str, SyncRecord], host_id: str, label: str) -> SyncRecord:
    """The dependency, once it is in Xero."""
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
    return wanted


Dependencies = dict[RecordKind, dict[str, SyncRecord]]


def plan_customer(ctx: Context, due: Due) -> Planned:
    """A new customer is always created; changes to one already in Xero are sent only when
    the tenant's `push_customer_updates` is on (else Xero's copy is the one kept up)."""
    customer = Customer.model_validate({"version": 0, **due.payload})
    if due.provider_id and not due.deleted and not ctx.settings.push_customer_updates:
        return Planned(due, None)
    number = mapping.contact_number(customer, due.host_id)
    body = mapping.contact_body(customer, due.host_id, contact_id=due.provider_id)
    if due.deleted:
        if due.provider_id is None:
            return Planned(due, None)
        body = {"ContactID": due.provider_id, "ContactNumber": number, "ContactStatus": "ARCHIVED"}
    return Planned(due, WriteItem(number, body), "Contacts")


async def plan_invoice(
    ctx: Context, due: Due, dependencies: Dependencies, xero_status: dict[str, str]
) -> Planned:
    """`xero_status`: Xero's current status of invoices being voided (DRAFT ones are
    deleted instead, as Xero requires)."""
    invoice = Invoice.model_validate({"version": 0, **due.payload})
    if due.deleted:
        invoice = invoice.model_copy(update={"status": "void"})
    customer = ready(dependencies.get(RecordKind.CUSTOMER, {}), invoice.customer_id, "customer")
    invoice_context = await ctx.invoice_context(
        str(customer.provider_id), due.provider_id, xero_status.get(invoice.number)
    )
    plan = mapping.invoice_plan(invoice, due.host_id, invoice_context)
    if plan.outcome is mapping.Outcome.NOTHING:
        return Planned(due, None)
    plan.body.setdefault("InvoiceNumber", invoice.number)
    return Planned(due, WriteItem(invoice.number, plan.body), "Invoices")


def voids_to_check(kind: RecordKind, batch: list[Due]) -> list[str]:
    """Numbers of documents in Xero the host voided: their Xero status decides void or
    delete, so they are read first (one call per batch, only when there are any)."""
    if kind is not RecordKind.INVOICE:
        return []
    return [
        due.payload["number"]
        for due in batch
        if due.provider_id and (due.deleted or due.payload.get("status") == "void")
    ]


async def plan_credit_note(ctx: Context, due: Due, dependencies: Dependencies) -> Planned:
    note = CreditNote.model_validate({"version": 0, **due.payload})
    if due.deleted or note.status == "void":
        if due.provider_id is None:
            return Planned(due, None)
        body = {"CreditNoteID": due.provider_id, "CreditNoteNumber": note.number}
        body["Status"] = "VOIDED"
        return Planned(due, WriteItem(note.number, body), "CreditNotes")
    customer = ready(dependencies.get(RecordKind.CUSTOMER, {}), note.customer_id, "customer")
    invoices = dependencies.get(RecordKind.INVOICE, {})
    allocations = []
    for allocation in note.allocations:
        record = ready(invoices, allocation.invoice_id, "invoice")
        allocations.append(
            Allocation(
                str(record.provider_id),
                allocation.amount,
                (allocation.date or note.issue_date).isoformat(),
            )
        )
    if allocations and (note.status == "draft" or ctx.settings.invoice_status == "draft"):
        raise Blocked(f"credit note {note.number} is a draft in Xero: approve it to allocate it")
    invoice_context = await ctx.invoice_context(str(customer.provider_id), None)
    body = mapping.credit_note_body(note, due.host_id, invoice_context)
    if due.provider_id:
        body["CreditNoteID"] = due.provider_id
    return Planned(due, WriteItem(note.number, body), "CreditNotes", allocations=allocations)


def drafts_to_check(
    ctx: Context, kind: RecordKind, batch: list[Due], deps: Dependencies
) -> list[str]:
    """Numbers of invoices the tenant pushes as drafts that payments in this batch are on:
    whether someone approved them in Xero is read first (one call, only when there are any)."""
    if kind is not RecordKind.PAYMENT or ctx.settings.invoice_status != "draft":
        return []
    invoices = deps.get(RecordKind.INVOICE, {})
    numbers = []
    for due in batch:
        record = invoices.get(due.payload["invoice_id"])
        if not due.deleted and record is not None and record.provider_id:
            numbers.append(str(record.payload["number"]))
    return numbers


def plan_payment(
    ctx: Context, due: Due, dependencies: Dependencies, xero_status: dict[str, str]
) -> Planned:
    """`xero_status`: Xero's status of invoices the tenant pushes as drafts."""
    payment = Payment.model_validate({"version": 0, **due.payload})
    reference = mapping.payment_reference(payment, due.host_id)
    if due.deleted:
        if due.provider_id is None:
            return Planned(due, None)
        body = mapping.delete_payment_body(due.provider_id)
        surcharge_number = None
        invoice_record = dependencies.get(RecordKind.INVOICE, {}).get(payment.invoice_id)
        if payment.surcharge > 0 and invoice_record is not None:
            number = str(invoice_record.payload["number"])
            surcharge_number = mapping.surcharge_invoice_number(number, due.host_id)
        return Planned(
            due, WriteItem(reference, body), DELETE_PAYMENT, surcharge_number=surcharge_number
        )
    invoice_record = ready(dependencies.get(RecordKind.INVOICE, {}), payment.invoice_id, "invoice")
    invoice = Invoice.model_validate({"version": 0, **invoice_record.payload})
    if invoice.status == "draft":
        raise Blocked(f"invoice {payment.invoice_id} is a draft in the host: approve it first")
    approved_in_xero = xero_status.get(invoice.number) in ("AUTHORISED", "PAID")
    if ctx.settings.invoice_status == "draft" and not approved_in_xero:
        raise Blocked(
            f"invoice {payment.invoice_id} is a draft in Xero: approve it there first",
            recheck=DRAFT_RECHECK,
        )
    body = mapping.payment_body(
        payment, str(invoice_record.provider_id), ctx.settings, ctx.overrides
    )
    body["Reference"] = reference
    surcharge = None
    if payment.surcharge > 0:
        contact = ready(dependencies.get(RecordKind.CUSTOMER, {}), invoice.customer_id, "customer")
        surcharge_body = mapping.surcharge_invoice_body(
            payment,
            due.host_id,
            invoice.number,
            str(contact.provider_id),
            ctx.settings,
            ctx.overrides,
        )
        surcharge_payment = {
            **body,
            "Amount": payment.surcharge,
            "Reference": mapping.surcharge_reference(reference),
        }
        surcharge = Surcharge(
            WriteItem(surcharge_body["InvoiceNumber"], surcharge_body), surcharge_payment
        )
    # Xero cannot edit a payment: a changed one is deleted and entered again.
    return Planned(
        due, WriteItem(reference, body), "Payments", surcharge=surcharge, replaces=due.provider_id
    )
