"""The tenant's policy applied to a host record: the canonical document the books should hold.

Which account each line lands in (line > supply item > job type > default), which tax code
(the host's, mapped to the package's by the settings), summary lines when line items stay in
the host, the reference (job or invoice number), draft or approved, tracking, the credit-notes
account, the deposit account, and a payment's surcharge as a companion invoice and receipt.
Pure functions; the package maps the result to its wire format.

Surcharges are a separate small invoice for the same customer, to the payment method's
surcharge account, paid by a second receipt on the same day and account. So the customer's
invoice stays as it was sent, is fully paid by the payment's amount, and the bank sees
amount + surcharge: no approved invoice is ever edited to add a fee.

Costs (supplier invoices and expenses) land in: the line's own account > the job type's
`expenses_account` > `supplier_invoice_account` (bills) or `expenses_account` (expenses);
their tax codes go through the same tax mapping as sales.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from syncsvc.kit.money import to_cents
from syncsvc.providers.base import ProviderFacts
from syncsvc.providers.documents import (
    Address,
    Contact,
    Credit,
    Line,
    PurchaseDocument,
    Receipt,
    SalesDocument,
)
from syncsvc.providers.errors import Misconfigured
from syncsvc.records import canonical
from syncsvc.settings.resolution import income_account, purchase_account, surcharge_account
from syncsvc.settings.schemas import AccountSettings, Overrides

HUNDRED = Decimal(100)
# The settings a line of each kind takes its income account from, before the default.
KIND_SETTINGS = {
    "labour": "labour_income_account or ",
    "material": "materials_income_account or ",
    "other": "",
}


@dataclass(frozen=True)
class Policy:
    """One tenant's settings, as the push reads them."""

    settings: AccountSettings
    overrides: Overrides
    # Host tax code -> the package's (the settings block the package's facts name).
    tax_codes: dict[str, str]
    draft_documents: bool  # the package keeps drafts: the tenant's "draft" setting applies
    # The package's code for a line whose host code is not mapped (None: the host's code as
    # it is) and for a line without one (None: the account's default).
    taxed_code: str | None = None
    tax_free_code: str | None = None
    # The same for cost lines; None: the host's code as it is, or the account's default.
    purchase_taxed_code: str | None = None
    purchase_tax_free_code: str | None = None

    @property
    def pushes_drafts(self) -> bool:
        return self.draft_documents and self.settings.invoice_status == "draft"


def policy_for(
    settings: AccountSettings, overrides: Overrides, facts: ProviderFacts, draft_documents: bool
) -> Policy:
    """The tenant's policy for the package `facts` describe: its tax-code mapping and
    defaults, read where the facts name them."""
    tax_codes: dict[str, str] = {}
    taxed = free = bought_taxed = bought_free = None
    if facts.tax_code_setting is not None:
        block_name, mapping_field = facts.tax_code_setting
        block = getattr(settings, block_name)
        tax_codes = dict(getattr(block, mapping_field))
        if facts.tax_code_defaults is not None:
            taxed, free = (getattr(block, name) for name in facts.tax_code_defaults)
        if facts.purchase_tax_code_defaults is not None:
            bought_taxed, bought_free = (
                getattr(block, name) for name in facts.purchase_tax_code_defaults
            )
    return Policy(
        settings, overrides, tax_codes, draft_documents, taxed, free, bought_taxed, bought_free
    )


def package_settings(settings: AccountSettings, facts: ProviderFacts) -> dict[str, Any]:
    """The package's own settings block (`facts.settings_block`) as plain data: the push
    hands it to the package's books, which alone read it."""
    if facts.settings_block is None:
        return {}
    block: dict[str, Any] = getattr(settings, facts.settings_block).model_dump(mode="json")
    return block


def line_tax_code(host_code: str | None, policy: Policy) -> str | None:
    """The package's tax code for a host line: the mapped one, else the tenant's default for
    a taxed line (one with a host code) or for a tax-free line (one without)."""
    if host_code is None:
        return policy.tax_free_code
    return policy.tax_codes.get(host_code) or policy.taxed_code or host_code


def contact(customer: canonical.Customer | canonical.Supplier) -> Contact:
    """A customer's or a supplier's contact in the books."""
    person = customer.contact_person
    number = (
        customer.customer_number
        if isinstance(customer, canonical.Customer)
        else customer.supplier_number
    )
    return Contact(
        name=customer.name,
        number=number,
        email=customer.email,
        phone=customer.phone,
        tax_number=customer.tax_number,
        first_name=person.first_name if person else None,
        last_name=person.last_name if person else None,
        addresses=tuple(
            Address(
                kind=address.type,
                lines=tuple(
                    line
                    for line in (address.line1, address.line2, address.line3, address.line4)
                    if line is not None
                ),
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country=address.country,
                attention_to=address.attention_to,
            )
            for address in customer.addresses
        ),
    )


def line_amount(quantity: Decimal, unit: Decimal, discount: Decimal | None) -> Decimal:
    return to_cents(quantity * unit * (HUNDRED - (discount or Decimal(0))) / HUNDRED)


def _lines(
    lines: list[canonical.Line],
    job_type_id: str | None,
    policy: Policy,
    label: str,
    account_for_all: str | None = None,
) -> list[Line]:
    built = []
    settings = policy.settings
    for position, line in enumerate(lines, start=1):
        account = account_for_all or income_account(line, job_type_id, settings, policy.overrides)
        if account is None:
            raise Misconfigured(
                f"{label}, line {position} ({line.kind}): no income account; set "
                f"{KIND_SETTINGS[line.kind]}default_income_account in the settings"
            )
        built.append(
            Line(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                account=account,
                tax_code=line_tax_code(line.tax_code, policy),
                discount_rate=line.discount_rate or None,
                tracking=_tracking(line.tracking, policy),
            )
        )
    return built


def _purchase_tax_code(host_code: str | None, policy: Policy) -> str | None:
    """The package's tax code for a cost line: the host's, mapped, else the tenant's
    purchases code for a taxed line (one with a host code) or for a tax-free line (one
    without). Unset defaults leave the host's code as it is, and a line without one to the
    account's default. The sales defaults are sales codes, so costs never take them."""
    if not host_code:
        return policy.purchase_tax_free_code
    return policy.tax_codes.get(host_code) or policy.purchase_taxed_code or host_code


def _summarised(lines: list[Line], job_number: str | None) -> list[Line]:
    """One line per (account, tax code, tracking): what an accountant wants when the job's
    line items stay in the job-management system."""
    groups: defaultdict[tuple[str, str | None, tuple[tuple[str, str], ...]], list[Line]]
    groups = defaultdict(list)
    for line in lines:
        groups[(line.account, line.tax_code, line.tracking)].append(line)
    description = f"Job {job_number}" if job_number else "Work as invoiced"
    return [
        Line(
            description=(f"{description}: " + "; ".join(m.description for m in members))[:4000],
            quantity=Decimal(1),
            unit_price=sum(
                (line_amount(m.quantity, m.unit_price, m.discount_rate) for m in members),
                Decimal("0.00"),
            ),
            account=account,
            tax_code=tax_code,
            tracking=tracking,
        )
        for (account, tax_code, tracking), members in groups.items()
    ]


def _status(host_status: str, policy: Policy) -> str:
    return "draft" if host_status == "draft" or policy.pushes_drafts else "approved"


def invoice(
    record: canonical.Invoice, host_id: str, contact_id: str, policy: Policy
) -> SalesDocument:
    settings = policy.settings
    label = f"invoice {record.number} ({host_id})"
    lines = _lines(record.lines, record.job_type_id, policy, label)
    if not settings.push_line_items:
        lines = _summarised(lines, record.job_number)
    reference = record.number
    if settings.invoice_reference == "job_number" and record.job_number:
        reference = record.job_number
    return SalesDocument(
        kind="invoice",
        number=record.number,
        contact=contact_id,
        issue_date=record.issue_date,
        lines=tuple(lines),
        tax_mode=record.tax_mode,
        status="draft" if _status(record.status, policy) == "draft" else "approved",
        due_date=record.due_date,
        reference=reference,
        currency=record.currency,
        host_total=record.total,
        rounding_account=settings.rounding_account,
        lead_source=record.lead_source,
    )


def credit_note(
    record: canonical.CreditNote,
    host_id: str,
    contact_id: str,
    credits: tuple[Credit, ...],
    policy: Policy,
) -> SalesDocument:
    """Lines go to the credit-notes account when one is set (the usual practice: refunds and
    goodwill seen apart from sales), else to the line's own income account."""
    label = f"credit note {record.number} ({host_id})"
    lines = _lines(record.lines, None, policy, label, policy.settings.credit_notes_account)
    return SalesDocument(
        kind="credit_note",
        number=record.number,
        contact=contact_id,
        issue_date=record.issue_date,
        lines=tuple(lines),
        tax_mode=record.tax_mode,
        status="draft" if _status(record.status, policy) == "draft" else "approved",
        currency=record.currency,
        credits=credits,
    )


def deposit_account(payment: canonical.Payment, policy: Policy) -> str:
    method = policy.overrides.payment_methods.get(payment.payment_method_id or "")
    account = (method.payments_account if method else None) or policy.settings.payments_account
    if account is None:
        raise Misconfigured("no payments (bank) account: set payments_account in the settings")
    return account


def receipt(payment: canonical.Payment, invoice_id: str, policy: Policy) -> Receipt:
    return Receipt(
        invoice=invoice_id,
        amount=payment.amount,
        date=payment.date,
        deposit_account=deposit_account(payment, policy),
        reference=payment.reference,
        method=payment.payment_method_id,
        default_method=policy.settings.default_payment_method,
        card=payment.is_card,
    )


def surcharge_number(invoice_number: str, payment_host_id: str) -> str:
    return f"{invoice_number}-SC-{payment_host_id}"


def surcharge_invoice(
    payment: canonical.Payment,
    payment_host_id: str,
    invoice_number: str,
    contact_id: str,
    policy: Policy,
) -> SalesDocument:
    account = surcharge_account(payment.payment_method_id, policy.settings, policy.overrides)
    if account is None:
        raise Misconfigured(
            f"payment {payment_host_id} has a surcharge but no surcharge account: set one for "
            f"payment method {payment.payment_method_id} or default_income_account"
        )
    return SalesDocument(
        kind="invoice",
        number=surcharge_number(invoice_number, payment_host_id),
        contact=contact_id,
        issue_date=payment.date,
        due_date=payment.date,
        reference=invoice_number,
        lines=(
            Line(
                description="Card surcharge" if payment.is_card else "Surcharge",
                quantity=Decimal(1),
                unit_price=payment.surcharge,
                account=account,
                tax_code=None,
            ),
        ),
        tax_mode="no_tax",
        status="approved",
    )


def surcharge_receipt(payment: canonical.Payment, policy: Policy) -> Receipt:
    """The surcharge's receipt, less the surcharge invoice's id (known once it is written)."""
    reference = f"{payment.reference} surcharge" if payment.reference else "surcharge"
    return Receipt(
        invoice="",
        amount=payment.surcharge,
        date=payment.date,
        deposit_account=deposit_account(payment, policy),
        reference=reference,
        method=payment.payment_method_id,
        default_method=policy.settings.default_payment_method,
        card=payment.is_card,
    )


# --- costs: supplier invoices and expenses -------------------------------------------------


def _cost_account(
    line_account: str | None, job_type_id: str | None, setting: str, policy: Policy, label: str
) -> str:
    default = getattr(policy.settings, setting)
    account = purchase_account(line_account, job_type_id, default, policy.overrides)
    if account is None:
        for_job_type = f" or an expenses_account for job type {job_type_id}" if job_type_id else ""
        raise Misconfigured(
            f"{label}: no expense account; set {setting}{for_job_type} in the settings"
        )
    return account


def _tracking(
    options: list[canonical.TrackingOption], policy: Policy
) -> tuple[tuple[str, str], ...]:
    chosen = options or policy.settings.default_tracking
    return tuple((o.category, o.option) for o in chosen[:2])


def bill(
    record: canonical.SupplierInvoice, host_id: str, contact_id: str, policy: Policy
) -> PurchaseDocument:
    """A supplier's invoice, owed to the supplier, under the supplier's own number."""
    label = f"supplier invoice {record.number} ({host_id})"
    lines = tuple(
        Line(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            account=_cost_account(
                line.account_code,
                line.job_type_id or record.job_type_id,
                "supplier_invoice_account",
                policy,
                f"{label}, line {position}",
            ),
            tax_code=_purchase_tax_code(line.tax_code, policy),
            tracking=_tracking(line.tracking, policy),
        )
        for position, line in enumerate(record.lines, start=1)
    )
    return PurchaseDocument(
        kind="bill",
        number=record.number,
        contact=contact_id,
        issue_date=record.issue_date,
        lines=lines,
        tax_mode=record.tax_mode,
        due_date=record.due_date,
        currency=record.currency,
    )


def expense(
    record: canonical.Expense, host_id: str, contact_id: str, policy: Policy
) -> PurchaseDocument:
    """An expense as one line; paid from a bank account, or owed to its supplier.
    `contact_id`: the supplier's contact ("" when the host names only a payee)."""
    label = f"expense {host_id}"
    line = Line(
        description=record.description,
        quantity=Decimal(1),
        unit_price=record.amount,
        account=_cost_account(
            record.account_code, record.job_type_id, "expenses_account", policy, label
        ),
        tax_code=_purchase_tax_code(record.tax_code, policy),
        tracking=_tracking(record.tracking, policy),
    )
    return PurchaseDocument(
        kind="expense",
        number=record.reference or host_id,
        contact=contact_id,
        issue_date=record.date,
        lines=(line,),
        tax_mode=record.tax_mode,
        due_date=record.due_date or (None if record.paid_from_account else record.date),
        reference=record.reference,
        currency=record.currency,
        paid_from=record.paid_from_account,
        payee=record.payee,
    )
