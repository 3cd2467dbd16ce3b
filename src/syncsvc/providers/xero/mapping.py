"""Canonical host records to Xero's JSON, as pure functions (Decimal only, no I/O).

Where income lands: each line's AccountCode resolves line > supply item > job type > default.
Rounding: Xero taxes each line and rounds it to cents, so its total may differ from the host's
by a few cents; a line to the rounding account makes them equal (and a larger difference is
refused, because it means a wrong tax code or rate, not rounding).

Surcharges are a separate small invoice for the same contact, to the payment method's
surcharge account, paid by a second payment on the same day and account. So the customer's
invoice stays as it was sent, is fully paid by the payment's amount, can be part-paid before,
and the bank sees amount + surcharge: no approved invoice is ever edited to add a fee.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from syncsvc.kit.money import to_cents
from syncsvc.providers.errors import Misconfigured, Rejected
from syncsvc.records.canonical import CreditNote, Customer, Invoice, Line, Payment
from syncsvc.settings.resolution import income_account, surcharge_account
from syncsvc.settings.schemas import AccountSettings, Overrides

ROUNDING_TOLERANCE = Decimal("0.10")
HUNDRED = Decimal(100)
NO_TAX = "NONE"
AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "no_tax": "NoTax"}

Body = dict[str, Any]


@dataclass(frozen=True)
class InvoiceContext:
    settings: AccountSettings
    overrides: Overrides
    contact_id: str
    tax_rates: dict[str, Decimal]  # TaxType -> percent, e.g. {"OUTPUT2": Decimal("15")}
    # An account's own default tax type: what a line without a tax code is taxed at.
    account_tax_types: dict[str, str]
    invoice_id: str | None = None
    existing_status: str | None = None


class Outcome(StrEnum):
    WRITE = "write"  # send the body
    NOTHING = "nothing"  # a void of an invoice Xero never had: nothing to do


@dataclass(frozen=True)
class InvoicePlan:
    outcome: Outcome
    body: Body = field(default_factory=dict)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    total_tax: Decimal
    total: Decimal


# --- contacts -----------------------------------------------------------------------------


def contact_number(customer: Customer, host_id: str) -> str:
    return (customer.customer_number or host_id)[:50]


def contact_body(customer: Customer, host_id: str, *, contact_id: str | None = None) -> Body:
    body: Body = {"Name": customer.name, "ContactNumber": contact_number(customer, host_id)}
    if contact_id:
        body["ContactID"] = contact_id
    if customer.email:
        body["EmailAddress"] = customer.email
    if customer.tax_number:
        body["TaxNumber"] = customer.tax_number
    person = customer.contact_person
    if person is not None:
        if person.first_name:
            body["FirstName"] = person.first_name
        if person.last_name:
            body["LastName"] = person.last_name
    if customer.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": customer.phone}]
    if customer.addresses:
        body["Addresses"] = [
            {
                key: value
                for key, value in {
                    "AddressType": "POBOX" if address.type == "postal" else "STREET",
                    "AddressLine1": address.line1,
                    "AddressLine2": address.line2,
                    "AddressLine3": address.line3,
                    "AddressLine4": address.line4,
                    "City": address.city,
                    "Region": address.region,
                    "PostalCode": address.postal_code,
                    "Country": address.country,
                    "AttentionTo": address.attention_to,
                }.items()
                if value is not None
            }
            for address in customer.addresses
        ]
    return body


def same_customer(holder: Body, body: Body) -> bool:
    """Whether Xero's contact `holder` is the customer `body` describes: it carries our
    contact number, or it has none and the same email address."""
    number = holder.get("ContactNumber")
    if number:
        return bool(number == body.get("ContactNumber"))
    email = str(holder.get("EmailAddress") or "").strip().lower()
    return bool(email) and email == str(body.get("EmailAddress") or "").strip().lower()


def unique_contact_name(name: str, number: str, taken: set[str]) -> str:
    """Another active contact holds the name: add the contact number, deterministically."""
    if name not in taken:
        return name
    suffix = f" ({number})"
    return name[: 255 - len(suffix)] + suffix


# --- invoices and credit notes -------------------------------------------------------------


def line_amount(quantity: Decimal, unit: Decimal, discount: Decimal | None) -> Decimal:
    return to_cents(quantity * unit * (HUNDRED - (discount or Decimal(0))) / HUNDRED)


def line_tax(amount: Decimal, percent: Decimal, amount_types: str) -> Decimal:
    if amount_types == "NoTax" or percent == 0:
        return Decimal("0.00")
    rate = percent / HUNDRED
    if amount_types == "Inclusive":
        return to_cents(amount * rate / (1 + rate))
    return to_cents(amount * rate)


def xero_totals(lines: list[Body], amount_types: str, rates: dict[str, Decimal]) -> Totals:
    """What Xero will compute for these lines: each line's amount and tax to cents, summed."""
    amounts = taxes = Decimal("0.00")
    for line in lines:
        amount = line_amount(
            Decimal(line.get("Quantity", 1)),
            Decimal(line["UnitAmount"]),
            line.get("DiscountRate"),
        )
        amounts += amount
        taxes += line_tax(
            amount, rates.get(line.get("TaxType") or NO_TAX, Decimal(0)), amount_types
        )
    if amount_types == "Inclusive":
        return Totals(amounts - taxes, taxes, amounts)
    return Totals(amounts, taxes, amounts + taxes)


def _tracking(line: Line, settings: AccountSettings) -> list[Body]:
    options = line.tracking or settings.default_tracking
    return [{"Name": option.category, "Option": option.option} for option in options[:2]]


def _tax_type(line: Line, account: str, amount_types: str, ctx: InvoiceContext) -> str | None:
    if amount_types == "NoTax":
        return NO_TAX
    if line.tax_code:
        return ctx.settings.xero.tax_types.get(line.tax_code, line.tax_code)
    return ctx.account_tax_types.get(account)


def _lines(
    lines: list[Line], job_type_id: str | None, amount_types: str, ctx: InvoiceContext, label: str
) -> list[Body]:
    built = []
    for number, line in enumerate(lines, start=1):
        account = income_account(line, job_type_id, ctx.settings, ctx.overrides)
        if account is None:
            raise Misconfigured(
                f"{label}, line {number} ({line.kind}): no income account; set "
                f"{line.kind}_income_account or default_income_account in the settings"
            )
        tax_type = _tax_type(line, account, amount_types, ctx)
        if tax_type is None:
            raise Misconfigured(
                f"{label}, line {number}: no tax code, and account {account} has no default "
                "tax type in Xero; send the line's tax_code"
            )
        body: Body = {
            "Description": line.description,
            "Quantity": line.quantity,
            "UnitAmount": line.unit_price,
            "AccountCode": account,
            "TaxType": tax_type,
        }
        if line.discount_rate:
            body["DiscountRate"] = line.discount_rate
        tracking = _tracking(line, ctx.settings)
        if tracking:
            body["Tracking"] = tracking
        built.append(body)
    return built


def _summarised(lines: list[Body], job_number: str | None) -> list[Body]:
    """One line per (account, tax type, tracking): what an accountant wants when the job's
    line items stay in the job-management system."""
    groups: defaultdict[tuple[str, str, str], list[Body]] = defaultdict(list)
    for line in lines:
        tracking = repr(line.get("Tracking", []))
        groups[(line["AccountCode"], line["TaxType"], tracking)].append(line)
    summary = []
    for (account, tax_type, _), members in groups.items():
        amount = sum(
            (
                line_amount(Decimal(m["Quantity"]), Decimal(m["UnitAmount"]), m.get("DiscountRate"))
                for m in members
            ),
            Decimal("0.00"),
        )
        description = f"Job {job_number}" if job_number else "Work as invoiced"
        body: Body = {
            "Description": f"{description}: " + "; ".join(m["Description"] for m in members),
            "Quantity": Decimal(1),
            "UnitAmount": amount,
            "AccountCode": account,
            "TaxType": tax_type,
        }
        body["Description"] = body["Description"][:4000]
        if members[0].get("Tracking"):
            body["Tracking"] = members[0]["Tracking"]
        summary.append(body)
    return summary


def _rounding_line(
    lines: list[Body],
    amount_types: str,
    host_total: Decimal | None,
    ctx: InvoiceContext,
    label: str,
) -> Body | None:
    if host_total is None:
        return None
    xero_total = xero_totals(lines, amount_types, ctx.tax_rates).total
    difference = host_total - xero_total
    if difference == 0:
        return None
    if abs(difference) > ROUNDING_TOLERANCE:
        raise Rejected(
            f"{label}: the host's total {host_total} and Xero's {xero_total} differ by "
            f"{difference}, more than rounding; check the lines' tax codes"
        )
    if not ctx.settings.rounding_account:
        raise Misconfigured(
            f"{label}: Xero's total differs from the host's by {difference}; set "
            "rounding_account in the settings"
        )
    return {
        "Description": "Rounding",
        "Quantity": Decimal(1),
        "UnitAmount": difference,
        "AccountCode": ctx.settings.rounding_account,
        "TaxType": NO_TAX,
    }


def invoice_plan(invoice: Invoice, host_id: str, ctx: InvoiceContext) -> InvoicePlan:
    label = f"invoice {invoice.number} ({host_id})"
    draft_in_xero = ctx.existing_status in (None, "DRAFT", "SUBMITTED")
    if invoice.status == "void":
        if ctx.invoice_id is None:
            return InvoicePlan(Outcome.NOTHING)
        status = "DELETED" if draft_in_xero else "VOIDED"
        return InvoicePlan(Outcome.WRITE, {"InvoiceID": ctx.invoice_id, "Status": status})
    amount_types = AMOUNT_TYPES[invoice.tax_mode]
    lines = _lines(invoice.lines, invoice.job_type_id, amount_types, ctx, label)
    if not ctx.settings.push_line_items:
        lines = _summarised(lines, invoice.job_number)
    rounding = _rounding_line(lines, amount_types, invoice.total, ctx, label)
    if rounding is not None:
        lines.append(rounding)
    wants_draft = ctx.settings.invoice_status == "draft" or invoice.status == "draft"
    reference = invoice.number
    if ctx.settings.invoice_reference == "job_number" and invoice.job_number:
        reference = invoice.job_number
    body: Body = {
        "Type": "ACCREC",
        "InvoiceNumber": invoice.number,
        "Reference": reference,
        "Contact": {"ContactID": ctx.contact_id},
        "Date": invoice.issue_date.isoformat(),
        "LineAmountTypes": amount_types,
        "LineItems": lines,
        "Status": "DRAFT" if wants_draft else "AUTHORISED",
    }
    if invoice.due_date:
        body["DueDate"] = invoice.due_date.isoformat()
    if invoice.currency:
        body["CurrencyCode"] = invoice.currency
    if ctx.invoice_id:
        body["InvoiceID"] = ctx.invoice_id
    return InvoicePlan(Outcome.WRITE, body)


def credit_note_body(note: CreditNote, host_id: str, ctx: InvoiceContext) -> Body:
    """Lines go to the credit-notes account when one is set (the usual practice: refunds and
    goodwill seen apart from sales), else to the line's own income account."""
    label = f"credit note {note.number} ({host_id})"
    amount_types = AMOUNT_TYPES[note.tax_mode]
    lines = _lines(note.lines, None, amount_types, ctx, label)
    if ctx.settings.credit_notes_account:
        for line in lines:
            line["AccountCode"] = ctx.settings.credit_notes_account
    wants_draft = ctx.settings.invoice_status == "draft" or note.status == "draft"
    return {
        "Type": "ACCRECCREDIT",
        "CreditNoteNumber": note.number,
        "Contact": {"ContactID": ctx.contact_id},
        "Date": note.issue_date.isoformat(),
        "LineAmountTypes": amount_types,
        "LineItems": lines,
        "Status": "DRAFT" if wants_draft else "AUTHORISED",
    }


def allocation_bodies(note: CreditNote, invoice_ids: dict[str, str]) -> list[Body]:
    """Allocations to invoices already in Xero; the engine waits for the others."""
    return [
        {
            "Invoice": {"InvoiceID": invoice_ids[allocation.invoice_id]},
            "Amount": allocation.amount,
            "Date": (allocation.date or note.issue_date).isoformat(),
        }
        for allocation in note.allocations
        if allocation.invoice_id in invoice_ids
    ]


# --- payments ----------------------------------------------------------------------------------


def payments_account(payment: Payment, settings: AccountSettings, overrides: Overrides) -> str:
    method = overrides.payment_methods.get(payment.payment_method_id or "")
    account = (method.payments_account if method else None) or settings.payments_account
    if account is None:
        raise Misconfigured("no payments (bank) account: set payments_account in the settings")
    return account


def payment_reference(payment: Payment, host_id: str) -> str:
    """The payment's Reference in Xero, and the key it is found by after a lost answer:
    the host's reference when it has one, always with the host's id, so that two payments
    with the same reference (a cheque number used twice) are never taken for each other."""
    if payment.reference:
        return f"{payment.reference} ({host_id})"[-255:]
    return host_id[:255]


def surcharge_reference(reference: str) -> str:
    return f"{reference} surcharge"[-255:]


def payment_body(
    payment: Payment, invoice_id: str, settings: AccountSettings, overrides: Overrides
) -> Body:
    body: Body = {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"Code": payments_account(payment, settings, overrides)},
        "Date": payment.date.isoformat(),
        "Amount": payment.amount,
    }
    if payment.reference:
        body["Reference"] = payment.reference
    return body


def surcharge_invoice_number(invoice_number: str, payment_host_id: str) -> str:
    return f"{invoice_number}-SC-{payment_host_id}"[:255]


def surcharge_invoice_body(
    payment: Payment,
    payment_host_id: str,
    invoice_number: str,
    contact_id: str,
    settings: AccountSettings,
    overrides: Overrides,
) -> Body:
    account = surcharge_account(payment.payment_method_id, settings, overrides)
    if account is None:
        raise Misconfigured(
            f"payment {payment_host_id} has a surcharge but no surcharge account: set one for "
            f"payment method {payment.payment_method_id} or default_income_account"
        )
    return {
        "Type": "ACCREC",
        "InvoiceNumber": surcharge_invoice_number(invoice_number, payment_host_id),
        "Reference": invoice_number,
        "Contact": {"ContactID": contact_id},
        "Date": payment.date.isoformat(),
        "DueDate": payment.date.isoformat(),
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {
                "Description": "Card surcharge" if payment.is_card else "Surcharge",
                "Quantity": Decimal(1),
                "UnitAmount": payment.surcharge,
                "AccountCode": account,
                "TaxType": NO_TAX,
            }
        ],
        "Status": "AUTHORISED",
    }


def delete_payment_body(payment_id: str) -> Body:
    return {"PaymentID": payment_id, "Status": "DELETED"}
