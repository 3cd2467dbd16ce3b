"""Canonical documents to QuickBooks Online's JSON and back, as pure functions (Decimal only).

Keys (what the service sets and finds records by):
- customers: `AcctNum` holds the host's customer number, else the host's id (at most 100
  characters); `DisplayName` is the customer's name, made unique with the number in
  brackets when another customer, vendor or employee holds it (a colon, which QuickBooks
  refuses in names, becomes a dash).
- invoices and credit memos: `DocNumber` (at most 21 characters): the host's number, or, when
  longer, its first 10 characters, `~` and 10 hex digits of its SHA-256.
- payments: QuickBooks cannot filter payments by DocNumber, so the key is
  `<date> <host id>[ <reference>]` (shortened with a hash past 100 characters), written to
  `PrivateNote` as `syncsvc:<key>` and found by querying the key's `TxnDate`. The host's
  reference goes to `PaymentRefNum` (21 characters).

Income accounts live on Items: each line names the Service item kept for its income account
(`Income: <account name> (<id>)`). A line's discount is folded into its unit price (QuickBooks
keeps 7 decimals there) so that `Amount = Qty x UnitPrice` holds (6070 otherwise).

Settings (the tenant's `quickbooks` block): an invoice's lead source goes to the sales-form
custom field `lead_source_field` names (`CustomField`, StringType, its first 31 characters:
QuickBooks keeps no more in a custom field, and a lead source is a label a person reads, so
cutting it is better than refusing the invoice); with `card_payments` on, a card payment is
deposited to `card_payments_account`. A payment's method is the host's when it names one of
the company's PaymentMethods, else the tenant's default payment method.

Rounding: QuickBooks taxes each line and rounds it to cents, so its total may differ from the
host's by a few cents; a line of the rounding account's item, taxed at a zero rate, makes them
equal (QuickBooks has no rounding field outside the US). A larger difference is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from syncsvc.kit.money import to_cents
from syncsvc.providers.base import LookupItem
from syncsvc.providers.documents import (
    Address,
    Contact,
    Credit,
    Line,
    Link,
    Receipt,
    Remote,
    SalesDocument,
    State,
)
from syncsvc.providers.errors import Misconfigured
from syncsvc.providers.rounding import rounding_gap

Body = dict[str, Any]
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
DOC_NUMBER_MAX = 21
KEY_MAX = 100
NAME_MAX = 500
REF_NUM_MAX = 21
ITEM_NAME_MAX = 100
CUSTOM_FIELD_MAX = 31  # a StringType custom field's value
NOTE_MARK = "syncsvc:"
CALCULATIONS = {"exclusive": "TaxExcluded", "inclusive": "TaxInclusive", "no_tax": "NotApplicable"}
TAX_MODES = {wire: mode for mode, wire in CALCULATIONS.items()}
ENTITY = {"invoice": "Invoice", "credit_note": "CreditMemo"}


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def shortened(text: str, limit: int) -> str:
    """`text` when it fits, else its start, `~` and a hash of all of it: still unique."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 13]}~{_digest(text, 12)}"


# --- keys --------------------------------------------------------------------------------------


def customer_key(host_id: str, contact: Contact) -> str:
    return shortened(contact.number or host_id, KEY_MAX)


def doc_number(number: str) -> str:
    if len(number) <= DOC_NUMBER_MAX:
        return number
    return f"{number[:10]}~{_digest(number, 10)}"


def payment_key(host_id: str, receipt: Receipt) -> str:
    text = f"{receipt.date.isoformat()} {host_id}"
    if receipt.reference:
        text = f"{text} {receipt.reference}"
    return shortened(text, KEY_MAX)


def payment_key_date(key: str) -> date | None:
    """The date a payment key starts with (None: not a key this package made)."""
    try:
        return date.fromisoformat(key[:10])
    except ValueError:
        return None


def note_key(note: Any) -> str | None:
    if not isinstance(note, str) or not note.startswith(NOTE_MARK):
        return None
    return note[len(NOTE_MARK) :].split("\n", 1)[0] or None


# --- reading helpers ---------------------------------------------------------------------------


def ref_value(body: Body, field: str) -> str | None:
    ref = body.get(field)
    if isinstance(ref, dict) and ref.get("value") not in (None, ""):
        return str(ref["value"])
    return None


def money(value: Any) -> Decimal:
    return to_cents(Decimal(str(value if value is not None else 0)))


def parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def updated_at(body: Body) -> datetime | None:
    value = (body.get("MetaData") or {}).get("LastUpdatedTime")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_deleted(body: Body) -> bool:
    return str(body.get("status") or "") == "Deleted"


def is_voided(body: Body) -> bool:
    """QuickBooks zeroes a voided transaction and writes "Voided" in its memo."""
    note = str(body.get("PrivateNote") or "")
    return note.startswith("Voided") and money(body.get("TotalAmt")) == 0


def link_of(body: Body, key: str | None) -> Link:
    token = body.get("SyncToken")
    return Link(
        str(body["Id"]) if body.get("Id") else None,
        str(token) if token not in (None, "") else None,
        key,
    )


# --- customers ---------------------------------------------------------------------------------


def display_name(name: str) -> str:
    return name.replace(":", "-").strip()[:NAME_MAX] or "Customer"


def unique_name(name: str, number: str) -> str:
    """The name held by someone else: add the number, deterministically."""
    suffix = f" ({number})"
    return display_name(name)[: NAME_MAX - len(suffix)] + suffix


def _address(address: Address) -> Body:
    lines = {f"Line{n}": text for n, text in enumerate(address.lines[:5], start=1)}
    fields = {
        **lines,
        "City": address.city,
        "CountrySubDivisionCode": address.region,
        "PostalCode": address.postal_code,
        "Country": address.country,
    }
    return {key: value for key, value in fields.items() if value}


def customer_body(contact: Contact, key: str, link: Link) -> Body:
    body: Body = {"DisplayName": display_name(contact.name), "AcctNum": key}
    if contact.email:
        body["PrimaryEmailAddr"] = {"Address": contact.email}
    if contact.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": contact.phone}
    if contact.first_name:
        body["GivenName"] = contact.first_name[:100]
    if contact.last_name:
        body["FamilyName"] = contact.last_name[:100]
    if contact.tax_number:
        body["BusinessNumber"] = contact.tax_number
    for address in contact.addresses:
        body["BillAddr" if address.kind == "postal" else "ShipAddr"] = _address(address)
    if "BillAddr" not in body and "ShipAddr" in body:
        body["BillAddr"] = body["ShipAddr"]
    body["Active"] = contact.active
    return versioned(body, link)


def deactivate_body(link: Link) -> Body:
    return {"Id": link.id, "SyncToken": link.version or "0", "sparse": True, "Active": False}


def versioned(body: Body, link: Link) -> Body:
    """An update names the copy and its SyncToken; sparse, so fields a person set in
    QuickBooks that the host does not send are kept."""
    if link.id:
        return {**body, "Id": link.id, "SyncToken": link.version or "0", "sparse": True}
    return body


def same_customer(holder: Body, body: Body) -> bool:
    """Whether QuickBooks' customer `holder` is the one `body` describes: it carries our
    key, or it carries none and has the same email address."""
    number = holder.get("AcctNum")
    if number:
        return bool(number == body.get("AcctNum"))
    email = str((holder.get("PrimaryEmailAddr") or {}).get("Address") or "").strip().lower()
    wanted = str((body.get("PrimaryEmailAddr") or {}).get("Address") or "").strip().lower()
    return bool(email) and email == wanted


def remote_contact(body: Body) -> Remote[Contact]:
    addresses = []
    for element, kind in (("BillAddr", "postal"), ("ShipAddr", "street")):
        found = body.get(element) or {}
        if found.get("Line1") or found.get("City"):
            addresses.append(
                Address(
                    kind=kind,  # type: ignore[arg-type]
                    lines=tuple(
                        str(found[f"Line{n}"]) for n in range(1, 6) if found.get(f"Line{n}")
                    ),
                    city=found.get("City") or None,
                    region=found.get("CountrySubDivisionCode") or None,
                    postal_code=found.get("PostalCode") or None,
                    country=found.get("Country") or None,
                )
            )
    active = body.get("Active", True) not in (False, "false")
    contact = Contact(
        name=str(body.get("DisplayName") or ""),
        number=body.get("AcctNum") or None,
        email=(body.get("PrimaryEmailAddr") or {}).get("Address") or None,
        phone=(body.get("PrimaryPhone") or {}).get("FreeFormNumber") or None,
        tax_number=body.get("BusinessNumber") or None,
        first_name=body.get("GivenName") or None,
        last_name=body.get("FamilyName") or None,
        addresses=tuple(addresses),
        active=active,
    )
    state = State.GONE if is_deleted(body) else State.OPEN if active else State.VOID
    return Remote(link_of(body, body.get("AcctNum") or None), state, updated_at(body), contact)


# --- items and tax -----------------------------------------------------------------------------


def item_name(account: LookupItem) -> str:
    """The Service item kept for an income account, named so a person recognises it."""
    suffix = f" ({account.code})"
    return f"Income: {account.name.replace(':', '-')}"[: ITEM_NAME_MAX - len(suffix)] + suffix


def item_body(account: LookupItem) -> Body:
    return {
        "Name": item_name(account),
        "Type": "Service",
        "IncomeAccountRef": {"value": account.code},
    }


@dataclass(frozen=True)
class SalesContext:
    """What the company's lookups say for writing sales documents: the item per income
    account, tax codes' rates (percent), each account's default tax code, and a zero-rate
    code for rounding lines."""

    items: dict[str, str]  # account id -> Item id
    rates: dict[str, Decimal]
    account_defaults: dict[str, str]
    zero_rate_code: str | None
    # Accounts whose item QuickBooks refused to make, with its words.
    item_problems: dict[str, str] = field(default_factory=dict)
    # The custom field receiving an invoice's lead source: (DefinitionId, name).
    lead_source_field: tuple[str, str] | None = None
    # Why a lead source cannot be written (the field the settings name is gone).
    lead_source_problem: str | None = None


def line_amount(line: Line) -> tuple[Decimal, Decimal]:
    """(unit price with the discount folded in, amount to the cent)."""
    unit = line.unit_price
    if line.discount_rate:
        unit = (unit * (HUNDRED - line.discount_rate) / HUNDRED).quantize(Decimal("0.0000001"))
    return unit, to_cents(line.quantity * unit)


def line_tax(amount: Decimal, percent: Decimal, calculation: str) -> Decimal:
    if calculation == "NotApplicable" or percent == 0:
        return ZERO
    if calculation == "TaxInclusive":
        return to_cents(amount * percent / (HUNDRED + percent))
    return to_cents(amount * percent / HUNDRED)


def quickbooks_total(lines: list[Body], calculation: str, rates: dict[str, Decimal]) -> Decimal:
    """What QuickBooks computes: each line's amount and tax to cents, summed."""
    total = Decimal("0.00")
    for line in lines:
        amount = Decimal(line["Amount"])
        detail = line["SalesItemLineDetail"]
        code = (detail.get("TaxCodeRef") or {}).get("value")
        tax = line_tax(amount, rates.get(str(code), Decimal(0)), calculation)
        total += amount if calculation == "TaxInclusive" else amount + tax
    return total


def _sales_line(
    line: Line, calculation: str, context: SalesContext, label: str, position: int
) -> Body:
    item = context.items.get(line.account)
    if item is None and line.account in context.item_problems:
        raise Misconfigured(
            f"{label}, line {position}: QuickBooks refused the item for income account "
            f"{line.account}: {context.item_problems[line.account]}"
        )
    if item is None:
        raise Misconfigured(
            f"{label}, line {position}: account {line.account} is not an income account "
            "QuickBooks has"
        )
    unit, amount = line_amount(line)
    detail: Body = {"ItemRef": {"value": item}, "Qty": line.quantity, "UnitPrice": unit}
    if calculation != "NotApplicable":
        code = line.tax_code or context.account_defaults.get(line.account)
        if code is None:
            raise Misconfigured(
                f"{label}, line {position}: no tax code, and account {line.account} has no "
                "default tax code in QuickBooks; send the line's tax_code"
            )
        if code not in context.rates:
            raise Misconfigured(f"{label}, line {position}: QuickBooks has no tax code {code}")
        detail["TaxCodeRef"] = {"value": code}
    body: Body = {"DetailType": "SalesItemLineDetail", "Amount": amount}
    if line.description:
        body["Description"] = line.description[:4000]
    body["SalesItemLineDetail"] = detail
    return body


def _rounding_line(
    lines: list[Body], calculation: str, document: SalesDocument, context: SalesContext, label: str
) -> Body | None:
    total = quickbooks_total(lines, calculation, context.rates)
    difference = rounding_gap(document, total, label, "QuickBooks'", " to an income account")
    if difference is None:
        return None
    item = context.items.get(document.rounding_account or "")
    if item is None:
        raise Misconfigured(
            f"{label}: QuickBooks' total differs from the host's by {difference}; set "
            "rounding_account in the settings to an income account"
        )
    detail: Body = {"ItemRef": {"value": item}, "Qty": Decimal(1), "UnitPrice": difference}
    if calculation != "NotApplicable":
        if context.zero_rate_code is None:
            raise Misconfigured(f"{label}: QuickBooks has no zero-rate tax code for rounding")
        detail["TaxCodeRef"] = {"value": context.zero_rate_code}
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": difference,
        "Description": "Rounding",
        "SalesItemLineDetail": detail,
    }


def sales_body(document: SalesDocument, link: Link, context: SalesContext) -> Body:
    """An Invoice or a CreditMemo as QuickBooks takes it."""
    label = f"{'invoice' if document.kind == 'invoice' else 'credit note'} {document.number}"
    calculation = CALCULATIONS[document.tax_mode]
    lines = [
        _sales_line(line, calculation, context, label, position)
        for position, line in enumerate(document.lines, start=1)
    ]
    rounding = _rounding_line(lines, calculation, document, context, label)
    if rounding is not None:
        lines.append(rounding)
    body: Body = {
        "DocNumber": link.key or doc_number(document.number),
        "CustomerRef": {"value": document.contact},
        "TxnDate": document.issue_date.isoformat(),
        "GlobalTaxCalculation": calculation,
        "Line": lines,
    }
    if document.kind == "invoice" and document.due_date:
        body["DueDate"] = document.due_date.isoformat()
    if document.reference:
        body["CustomerMemo"] = {"value": document.reference[:1000]}
    if document.currency:
        body["CurrencyRef"] = {"value": document.currency}
    if document.kind == "invoice" and document.lead_source:
        body["CustomField"] = [_lead_source(document.lead_source, context, label)]
    return versioned(body, link)


def _lead_source(value: str, context: SalesContext, label: str) -> Body:
    if context.lead_source_problem is not None:
        raise Misconfigured(f"{label}: {context.lead_source_problem}")
    if context.lead_source_field is None:
        raise Misconfigured(f"{label}: no custom field for the lead source")
    definition, name = context.lead_source_field
    return {
        "DefinitionId": definition,
        "Name": name,
        "Type": "StringType",
        "StringValue": value[:CUSTOM_FIELD_MAX],
    }


def void_body(link: Link) -> Body:
    return {"Id": link.id, "SyncToken": link.version or "0"}


def remote_sales(body: Body, payments: list[Body] | None = None) -> Remote[SalesDocument]:
    """An Invoice or CreditMemo; `payments`: those linking it (its receipts or credits)."""
    entity_kind: Literal["invoice", "credit_note"] = (
        "credit_note" if "RemainingCredit" in body else "invoice"
    )
    calculation = str(body.get("GlobalTaxCalculation") or "TaxExcluded")
    lines = []
    for line in body.get("Line") or []:
        if line.get("DetailType") != "SalesItemLineDetail":
            continue
        detail = line.get("SalesItemLineDetail") or {}
        lines.append(
            Line(
                description=str(line.get("Description") or ""),
                quantity=Decimal(str(detail.get("Qty", 1))),
                unit_price=Decimal(str(detail.get("UnitPrice", line.get("Amount", 0)))),
                account=ref_value(detail, "ItemAccountRef") or "",
                tax_code=ref_value(detail, "TaxCodeRef"),
            )
        )
    own_id = str(body.get("Id") or "")
    own_type = ENTITY[entity_kind]
    receipts: list[Remote[Receipt]] = []
    credits: list[Credit] = []
    for payment in payments or []:
        if is_deleted(payment):
            continue
        if own_type == "Invoice" and not is_credit_application(payment):
            receipt = remote_receipt(payment, invoice=own_id)
            if receipt.document.amount > 0:
                receipts.append(receipt)
        elif own_type == "CreditMemo":
            credits.extend(credits_of(payment, own_id))
    total = money(body.get("TotalAmt"))
    balance = money(body.get("Balance", body.get("TotalAmt")))
    voided = is_voided(body)
    if is_deleted(body):
        state = State.GONE
    elif voided:
        state = State.VOID
    elif balance == 0:
        state = State.PAID
    else:
        state = State.OPEN
    paid_on = None
    if state is State.PAID and receipts:
        paid_on = max(r.document.date for r in receipts)
    document = SalesDocument(
        kind=entity_kind,
        number=str(body.get("DocNumber") or ""),
        contact=ref_value(body, "CustomerRef") or "",
        issue_date=parse_date(body.get("TxnDate")) or date.min,
        lines=tuple(lines),
        tax_mode=TAX_MODES.get(calculation, "exclusive"),  # type: ignore[arg-type]
        status="approved",
        due_date=parse_date(body.get("DueDate")),
        reference=(body.get("CustomerMemo") or {}).get("value") or None,
        currency=ref_value(body, "CurrencyRef"),
        credits=tuple(credits),
    )
    return Remote(
        link_of(body, body.get("DocNumber") or None),
        state,
        updated_at(body),
        document,
        total=None if is_deleted(body) else total,
        amount_paid=total - balance if not voided else ZERO,
        paid_on=paid_on,
        receipts=tuple(receipts),
    )


def linked_payment_ids(body: Body) -> list[str]:
    return [
        str(link["TxnId"])
        for link in body.get("LinkedTxn") or []
        if isinstance(link, dict) and link.get("TxnType") == "Payment" and link.get("TxnId")
    ]


# --- payments ----------------------------------------------------------------------------------


def _links(payment: Body) -> list[tuple[str, str, Decimal]]:
    """(TxnType, TxnId, amount) for each line of a payment."""
    found = []
    for line in payment.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            found.append(
                (str(link.get("TxnType")), str(link.get("TxnId")), money(line.get("Amount")))
            )
    return found


def is_credit_application(payment: Body) -> bool:
    """A payment of nothing that applies a credit memo to invoices: not money received."""
    return money(payment.get("TotalAmt")) == 0 and any(
        kind == "CreditMemo" for kind, _, _ in _links(payment)
    )


def credits_of(payment: Body, credit_memo_id: str) -> list[Credit]:
    links = _links(payment)
    if not any(kind == "CreditMemo" and txn == credit_memo_id for kind, txn, _ in links):
        return []
    day = parse_date(payment.get("TxnDate")) or date.min
    return [Credit(txn, amount, day) for kind, txn, amount in links if kind == "Invoice"]


def deposit_account(receipt: Receipt, settings: Mapping[str, Any]) -> str:
    """Where the payment lands: the card account for a card payment when the tenant's
    `card_payments` is on, else the account the engine chose."""
    card_account = settings.get("card_payments_account")
    if receipt.card and settings.get("card_payments") and card_account:
        return str(card_account)
    return receipt.deposit_account


def payment_method(receipt: Receipt, methods: set[str]) -> str | None:
    """The company's PaymentMethod Id for the receipt (`methods`: the company's), if any."""
    for method in (receipt.method, receipt.default_method):
        if method in methods:
            return method
    return None


def receipt_body(
    receipt: Receipt,
    key: str,
    customer_id: str,
    link: Link,
    method: str | None,
    deposit_to: str | None = None,
) -> Body:
    body: Body = {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": receipt.amount,
        "TxnDate": receipt.date.isoformat(),
        "DepositToAccountRef": {"value": deposit_to or receipt.deposit_account},
        "PrivateNote": f"{NOTE_MARK}{key}",
        "Line": [
            {
                "Amount": receipt.amount,
                "LinkedTxn": [{"TxnId": receipt.invoice, "TxnType": "Invoice"}],
            }
        ],
    }
    if receipt.reference:
        body["PaymentRefNum"] = receipt.reference[:REF_NUM_MAX]
    if method:
        body["PaymentMethodRef"] = {"value": method}
    return versioned(body, link)


def credit_application_body(
    customer_id: str, credit_memo_id: str, credit: Credit, amount: Decimal, key: str
) -> Body:
    """A payment of nothing applying `amount` of the credit memo to one invoice."""
    return {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": Decimal("0.00"),
        "TxnDate": credit.date.isoformat(),
        "PrivateNote": f"{NOTE_MARK}credit {key}",
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": credit.invoice, "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": credit_memo_id, "TxnType": "CreditMemo"}]},
        ],
    }


def credits_missing(
    wanted: tuple[Credit, ...], held: tuple[Credit, ...]
) -> list[tuple[Credit, Decimal]]:
    """The applications QuickBooks' copy lacks: a repeat never applies a credit twice."""
    applied: dict[str, Decimal] = {}
    for credit in held:
        applied[credit.invoice] = applied.get(credit.invoice, ZERO) + to_cents(credit.amount)
    missing = []
    for credit in wanted:
        gap = to_cents(credit.amount) - applied.get(credit.invoice, ZERO)
        applied[credit.invoice] = max(ZERO, -gap)
        if gap > 0:
            missing.append((credit, gap))
    return missing


def remote_receipt(body: Body, invoice: str | None = None) -> Remote[Receipt]:
    """A Payment as a receipt on one invoice (`invoice`, else its first invoice line)."""
    links = _links(body)
    invoice_lines = [(txn, amount) for kind, txn, amount in links if kind == "Invoice"]
    chosen = next((line for line in invoice_lines if line[0] == invoice), None)
    if chosen is None and invoice_lines:
        chosen = invoice_lines[0]
    credit = sum((amount for kind, _, amount in links if kind == "CreditMemo"), ZERO)
    if chosen is not None:
        amount = chosen[1] - credit if len(invoice_lines) == 1 else chosen[1]
    else:
        amount = money(body.get("TotalAmt"))
    receipt = Receipt(
        invoice=chosen[0] if chosen is not None else "",
        amount=max(amount, ZERO),
        date=parse_date(body.get("TxnDate")) or date.min,
        deposit_account=ref_value(body, "DepositToAccountRef") or "",
        reference=body.get("PaymentRefNum") or None,
        method=ref_value(body, "PaymentMethodRef"),
    )
    if is_deleted(body):
        state = State.GONE
    elif is_voided(body):
        state = State.VOID
    else:
        state = State.OPEN
    return Remote(
        link_of(body, note_key(body.get("PrivateNote"))), state, updated_at(body), receipt
    )


def gone(entity_id: str) -> Body:
    """What a read by id says of a record QuickBooks no longer has."""
    return {"Id": entity_id, "status": "Deleted"}
