"""Canonical documents to Xero's JSON and back, as pure functions (Decimal only, no I/O).

Rounding: Xero taxes each line and rounds it to cents, so its total may differ from the host's
by a few cents; a line to the rounding account makes them equal (a larger difference is
refused, because it means a wrong tax code or rate, not rounding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from syncsvc.kit.money import to_cents
from syncsvc.providers.documents import (
    Address,
    Contact,
    Credit,
    Line,
    Link,
    PurchaseDocument,
    Receipt,
    Remote,
    SalesDocument,
    State,
)
from syncsvc.providers.errors import Misconfigured
from syncsvc.providers.rounding import rounding_gap

HUNDRED = Decimal(100)
NO_TAX = "NONE"
AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "no_tax": "NoTax"}
TAX_MODES = {wire: mode for mode, wire in AMOUNT_TYPES.items()}
STATES = {
    "DRAFT": State.DRAFT,
    "SUBMITTED": State.DRAFT,
    "AUTHORISED": State.OPEN,
    "PAID": State.PAID,
    "VOIDED": State.VOID,
    "DELETED": State.GONE,
}
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")

Body = dict[str, Any]


@dataclass(frozen=True)
class Taxes:
    """What the organisation's lookups say about tax: rates by TaxType (percent), and each
    account's default TaxType (for a line that names none)."""

    rates: dict[str, Decimal]
    account_defaults: dict[str, str]


# --- Xero's dates ------------------------------------------------------------------------------


def parse_datetime(value: Any) -> datetime | None:
    """A Xero timestamp (`/Date(ms+0000)/` or ISO 8601) as an aware UTC datetime. In the
    `/Date(...)/` form the milliseconds are since the epoch in UTC already; an offset only
    names the zone to show them in."""
    if not isinstance(value, str) or not value:
        return None
    matched = _MS_DATE.fullmatch(value)
    if matched:
        return datetime.fromtimestamp(int(matched.group(1)) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    moment = parse_datetime(value)
    return None if moment is None else moment.date()


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


# --- contacts ------------------------------------------------------------------------------


def contact_body(contact: Contact, number: str, contact_id: str | None) -> Body:
    body: Body = {"Name": contact.name, "ContactNumber": number}
    if contact_id:
        body["ContactID"] = contact_id
    if contact.email:
        body["EmailAddress"] = contact.email
    if contact.tax_number:
        body["TaxNumber"] = contact.tax_number
    if contact.first_name:
        body["FirstName"] = contact.first_name
    if contact.last_name:
        body["LastName"] = contact.last_name
    if contact.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": contact.phone}]
    if contact.addresses:
        body["Addresses"] = [_address_body(address) for address in contact.addresses]
    return body


def _address_body(address: Address) -> Body:
    lines = dict(
        zip(
            ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4"),
            address.lines,
            strict=False,
        )
    )
    fields = {
        "AddressType": "POBOX" if address.kind == "postal" else "STREET",
        **lines,
        "City": address.city,
        "Region": address.region,
        "PostalCode": address.postal_code,
        "Country": address.country,
        "AttentionTo": address.attention_to,
    }
    return {key: value for key, value in fields.items() if value is not None}


def archive_contact_body(contact_id: str, number: str) -> Body:
    return {"ContactID": contact_id, "ContactNumber": number, "ContactStatus": "ARCHIVED"}


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


def remote_contact(body: Body) -> Remote[Contact]:
    phones = [p for p in body.get("Phones") or [] if p.get("PhoneNumber")]
    addresses = tuple(
        Address(
            kind="postal" if address.get("AddressType") == "POBOX" else "street",
            lines=tuple(
                str(address[key])
                for key in ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")
                if address.get(key)
            ),
            city=address.get("City") or None,
            region=address.get("Region") or None,
            postal_code=address.get("PostalCode") or None,
            country=address.get("Country") or None,
            attention_to=address.get("AttentionTo") or None,
        )
        for address in body.get("Addresses") or []
        if address.get("AddressLine1") or address.get("City")
    )
    active = str(body.get("ContactStatus") or "ACTIVE") == "ACTIVE"
    contact = Contact(
        name=str(body.get("Name") or ""),
        number=body.get("ContactNumber") or None,
        email=body.get("EmailAddress") or None,
        phone=str(phones[0]["PhoneNumber"]) if phones else None,
        tax_number=body.get("TaxNumber") or None,
        first_name=body.get("FirstName") or None,
        last_name=body.get("LastName") or None,
        addresses=addresses,
        active=active,
    )
    return Remote(
        _link(body, "ContactID", "ContactNumber"),
        State.OPEN if active else State.VOID,
        parse_datetime(body.get("UpdatedDateUTC")),
        contact,
    )


def _link(body: Body, id_field: str, key_field: str) -> Link:
    version = body.get("UpdatedDateUTC")
    return Link(
        str(body.get(id_field)) if body.get(id_field) else None,
        str(version) if version else None,
        str(body.get(key_field)) if body.get(key_field) is not None else None,
    )


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


def xero_total(lines: list[Body], amount_types: str, rates: dict[str, Decimal]) -> Decimal:
    """What Xero will compute for these lines: each line's amount and tax to cents, summed."""
    amounts = taxes = Decimal("0.00")
    for line in lines:
        amount = line_amount(
            Decimal(line.get("Quantity", 1)), Decimal(line["UnitAmount"]), line.get("DiscountRate")
        )
        amounts += amount
        taxes += line_tax(
            amount, rates.get(line.get("TaxType") or NO_TAX, Decimal(0)), amount_types
        )
    return amounts if amount_types == "Inclusive" else amounts + taxes


def _line_body(line: Line, amount_types: str, taxes: Taxes, label: str, position: int) -> Body:
    if amount_types == "NoTax":
        tax_type: str | None = NO_TAX
    else:
        tax_type = line.tax_code or taxes.account_defaults.get(line.account)
    if tax_type is None:
        raise Misconfigured(
            f"{label}, line {position}: no tax code, and account {line.account} has no "
            "default tax type in Xero; send the line's tax_code"
        )
    body: Body = {
        "Description": line.description,
        "Quantity": line.quantity,
        "UnitAmount": line.unit_price,
        "AccountCode": line.account,
        "TaxType": tax_type,
    }
    if line.discount_rate:
        body["DiscountRate"] = line.discount_rate
    if line.tracking:
        body["Tracking"] = [{"Name": name, "Option": option} for name, option in line.tracking]
    return body


def _rounding_line(
    lines: list[Body], amount_types: str, document: SalesDocument, taxes: Taxes, label: str
) -> Body | None:
    total = xero_total(lines, amount_types, taxes.rates)
    difference = rounding_gap(document, total, label, "Xero's")
    if difference is None:
        return None
    return {
        "Description": "Rounding",
        "Quantity": Decimal(1),
        "UnitAmount": difference,
        "AccountCode": document.rounding_account,
        "TaxType": NO_TAX,
    }


def sales_body(document: SalesDocument, link: Link, taxes: Taxes) -> Body:
    """An invoice (ACCREC) or credit note (ACCRECCREDIT) as Xero takes it."""
    invoice = document.kind == "invoice"
    label = f"{'invoice' if invoice else 'credit note'} {document.number}"
    amount_types = AMOUNT_TYPES[document.tax_mode]
    lines = [
        _line_body(line, amount_types, taxes, label, position)
        for position, line in enumerate(document.lines, start=1)
    ]
    rounding = _rounding_line(lines, amount_types, document, taxes, label)
    if rounding is not None:
        lines.append(rounding)
    number_field, id_field = (
        ("InvoiceNumber", "InvoiceID") if invoice else ("CreditNoteNumber", "CreditNoteID")
    )
    body: Body = {
        "Type": "ACCREC" if invoice else "ACCRECCREDIT",
        number_field: link.key or document.number,
        "Contact": {"ContactID": document.contact},
        "Date": document.issue_date.isoformat(),
        "LineAmountTypes": amount_types,
        "LineItems": lines,
        "Status": "DRAFT" if document.status == "draft" else "AUTHORISED",
    }
    if document.reference:
        body["Reference"] = document.reference
    if document.due_date:
        body["DueDate"] = document.due_date.isoformat()
    if document.currency:
        body["CurrencyCode"] = document.currency
    if link.id:
        body[id_field] = link.id
    return body


def remove_sales_body(kind: str, link_id: str, number: str, state: State | None) -> Body:
    """A draft is deleted, anything approved voided (as Xero requires)."""
    if kind == "invoice":
        status = "DELETED" if state in (None, State.DRAFT) else "VOIDED"
        return {"InvoiceID": link_id, "InvoiceNumber": number, "Status": status}
    return {"CreditNoteID": link_id, "CreditNoteNumber": number, "Status": "VOIDED"}


def remote_sales(body: Body) -> Remote[SalesDocument]:
    invoice = "InvoiceID" in body or body.get("Type") == "ACCREC"
    status = str(body.get("Status") or "AUTHORISED")
    amount_types = str(body.get("LineAmountTypes") or "Exclusive")
    lines = tuple(replace(line, tracking=()) for line in _read_lines(body))
    document = SalesDocument(
        kind="invoice" if invoice else "credit_note",
        number=str(body.get("InvoiceNumber") or body.get("CreditNoteNumber") or ""),
        contact=str((body.get("Contact") or {}).get("ContactID") or ""),
        issue_date=parse_date(body.get("Date")) or date.min,
        lines=lines,
        tax_mode=TAX_MODES.get(amount_types, "exclusive"),  # type: ignore[arg-type]
        status="draft" if STATES.get(status) is State.DRAFT else "approved",
        due_date=parse_date(body.get("DueDate")),
        reference=body.get("Reference") or None,
        currency=body.get("CurrencyCode") or None,
        credits=tuple(
            Credit(
                str((allocation.get("Invoice") or {}).get("InvoiceID")),
                _money(allocation.get("Amount")),
                parse_date(allocation.get("Date")) or date.min,
            )
            for allocation in body.get("Allocations") or []
        ),
    )
    id_field, key_field = (
        ("InvoiceID", "InvoiceNumber") if invoice else ("CreditNoteID", "CreditNoteNumber")
    )
    receipts = tuple(
        remote_receipt({**payment, "Invoice": {"InvoiceID": body.get(id_field)}})
        for payment in body.get("Payments") or []
    )
    credited = _money(body.get("AmountCredited"))
    return Remote(
        _link(body, id_field, key_field),
        STATES.get(status, State.OPEN),
        parse_datetime(body.get("UpdatedDateUTC")),
        document,
        total=_money(body.get("Total")) if body.get("Total") is not None else None,
        amount_paid=_money(body.get("AmountPaid")) + credited,
        paid_on=parse_date(body.get("FullyPaidOnDate")),
        receipts=receipts,
    )


def allocations_missing(credits: tuple[Credit, ...], already: tuple[Credit, ...]) -> list[Body]:
    """The allocations Xero's copy lacks: a repeat (after a lost answer, or an edit of the
    credit note) never allocates twice."""
    held: dict[str, Decimal] = {}
    for credit in already:
        held[credit.invoice] = held.get(credit.invoice, Decimal(0)) + to_cents(credit.amount)
    missing: list[Body] = []
    for credit in credits:
        gap = credit.amount - held.get(credit.invoice, Decimal(0))
        held[credit.invoice] = max(Decimal(0), -gap)
        if gap > 0:
            missing.append(
                {
                    "Invoice": {"InvoiceID": credit.invoice},
                    "Amount": gap,
                    "Date": credit.date.isoformat(),
                }
            )
    return missing


# --- payments ----------------------------------------------------------------------------------


def receipt_body(receipt: Receipt, reference: str) -> Body:
    """`reference`: the key it is found by after a lost answer (it carries the host's id)."""
    return {
        "Invoice": {"InvoiceID": receipt.invoice},
        "Account": {"Code": receipt.deposit_account},
        "Date": receipt.date.isoformat(),
        "Amount": receipt.amount,
        "Reference": reference,
    }


def remote_receipt(body: Body) -> Remote[Receipt]:
    status = str(body.get("Status") or "AUTHORISED")
    receipt = Receipt(
        invoice=str((body.get("Invoice") or {}).get("InvoiceID") or ""),
        amount=_money(body.get("Amount")),
        date=parse_date(body.get("Date")) or date.min,
        deposit_account=str((body.get("Account") or {}).get("Code") or ""),
        reference=body.get("Reference") or None,
    )
    return Remote(
        _link(body, "PaymentID", "Reference"),
        State.GONE if status == "DELETED" else State.OPEN,
        parse_datetime(body.get("UpdatedDateUTC")),
        receipt,
        reconciled=bool(body.get("IsReconciled")),
    )


# --- bills and expenses ------------------------------------------------------------------------


def _purchase_lines(document: PurchaseDocument, amount_types: str, taxes: Taxes) -> list[Body]:
    label = f"{'supplier invoice' if document.kind == 'bill' else 'expense'} {document.number}"
    return [
        _line_body(line, amount_types, taxes, label, position)
        for position, line in enumerate(document.lines, start=1)
    ]


def bill_body(document: PurchaseDocument, number: str, link: Link, taxes: Taxes) -> Body:
    """A bill (ACCPAY) under the supplier's own number (`number`; an expense owed: the key it
    is found by). Xero takes no Reference on bills: the number is what its screens show as
    the bill's reference."""
    amount_types = AMOUNT_TYPES[document.tax_mode]
    body: Body = {
        "Type": "ACCPAY",
        "InvoiceNumber": number,
        "Contact": {"ContactID": document.contact},
        "Date": document.issue_date.isoformat(),
        "LineAmountTypes": amount_types,
        "LineItems": _purchase_lines(document, amount_types, taxes),
        "Status": "AUTHORISED",
    }
    if document.due_date:
        body["DueDate"] = document.due_date.isoformat()
    if document.currency:
        body["CurrencyCode"] = document.currency
    if link.id:
        body["InvoiceID"] = link.id
    return body


def void_bill_body(contact: str, number: str, bill_id: str) -> Body:
    """Bills are pushed approved: removing one voids it (Xero refuses while it is paid)."""
    return {
        "InvoiceID": bill_id,
        "InvoiceNumber": number,
        "Contact": {"ContactID": contact},
        "Status": "VOIDED",
    }


def spend_body(document: PurchaseDocument, reference: str, link: Link, taxes: Taxes) -> Body:
    """Money spent from a bank account (SPEND); `reference` carries the key it is found by."""
    assert document.paid_from is not None
    amount_types = AMOUNT_TYPES[document.tax_mode]
    contact: Body = {"ContactID": document.contact} if document.contact else {}
    if not contact and document.payee:
        contact = {"Name": document.payee}
    body: Body = {
        "Type": "SPEND",
        "Contact": contact,
        "BankAccount": {"Code": document.paid_from},
        "Date": document.issue_date.isoformat(),
        "Reference": reference,
        "LineAmountTypes": amount_types,
        "LineItems": _purchase_lines(document, amount_types, taxes),
        "Status": "AUTHORISED",
    }
    if document.currency:
        body["CurrencyCode"] = document.currency
    if link.id:
        body["BankTransactionID"] = link.id
    return body


def delete_spend_body(transaction_id: str, reference: str) -> Body:
    return {"BankTransactionID": transaction_id, "Reference": reference, "Status": "DELETED"}


def _read_lines(body: Body) -> tuple[Line, ...]:
    return tuple(
        Line(
            description=str(item.get("Description") or ""),
            quantity=Decimal(str(item.get("Quantity") if item.get("Quantity") is not None else 1)),
            unit_price=Decimal(str(item.get("UnitAmount") or 0)),
            account=str(item.get("AccountCode") or ""),
            tax_code=item.get("TaxType"),
            discount_rate=(
                Decimal(str(item["DiscountRate"])) if item.get("DiscountRate") else None
            ),
            tracking=tuple(
                (str(option.get("Name")), str(option.get("Option")))
                for option in item.get("Tracking") or []
            ),
        )
        for item in body.get("LineItems") or []
    )


def remote_purchase(body: Body) -> Remote[PurchaseDocument]:
    """A bill (ACCPAY invoice, with the payments made on it) or a SPEND bank transaction."""
    spent = "BankTransactionID" in body
    status = str(body.get("Status") or "AUTHORISED")
    document = PurchaseDocument(
        kind="expense" if spent else "bill",
        number=str(body.get("Reference") if spent else body.get("InvoiceNumber") or ""),
        contact=str((body.get("Contact") or {}).get("ContactID") or ""),
        issue_date=parse_date(body.get("Date")) or date.min,
        lines=_read_lines(body),
        tax_mode=TAX_MODES.get(str(body.get("LineAmountTypes") or "Exclusive"), "exclusive"),  # type: ignore[arg-type]
        due_date=parse_date(body.get("DueDate")),
        reference=body.get("Reference") or None,
        currency=body.get("CurrencyCode") or None,
        paid_from=str((body.get("BankAccount") or {}).get("Code") or "") or None,
        payee=(body.get("Contact") or {}).get("Name") or None,
    )
    if spent:
        link = _link(body, "BankTransactionID", "Reference")
        state = State.PAID if status == "AUTHORISED" else STATES.get(status, State.GONE)
    else:
        link = replace(_link(body, "InvoiceID", "InvoiceNumber"), key=bill_key(body))
        state = STATES.get(status, State.OPEN)
    receipts = tuple(
        remote_receipt({**payment, "Invoice": {"InvoiceID": body.get("InvoiceID")}})
        for payment in body.get("Payments") or []
    )
    return Remote(
        link,
        state,
        parse_datetime(body.get("UpdatedDateUTC")),
        document,
        total=_money(body.get("Total")) if body.get("Total") is not None else None,
        amount_paid=_money(body.get("Total") if spent else body.get("AmountPaid")),
        paid_on=document.issue_date if spent else parse_date(body.get("FullyPaidOnDate")),
        receipts=receipts,
        reconciled=bool(body.get("IsReconciled")),
    )


def bill_key(body: Body) -> str:
    """A bill is known by its contact and the supplier's number (numbers repeat across
    suppliers)."""
    contact = (body.get("Contact") or {}).get("ContactID") or ""
    return f"{contact}/{body.get('InvoiceNumber') or ''}"
