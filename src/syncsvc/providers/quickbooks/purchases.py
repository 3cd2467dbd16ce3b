"""Bills and expenses to QuickBooks Online's JSON and back, as pure functions (Decimal only).

A supplier is a Vendor (written like a customer: `AcctNum` holds the host's supplier number,
else `SUP-<host id>`). A supplier's invoice is a Bill under the supplier's own number
(`DocNumber`, 21 characters at most, shortened with a hash past that), found by vendor and
number since numbers repeat across suppliers. An expense paid from a bank or card account is
a Purchase (PaymentType Cash from a bank account, CreditCard from a card account); one still
owed is a Bill. Both carry the expense's key in `DocNumber` (its reference and host id), so a
reference used twice is never taken for another expense. Lines are
`AccountBasedExpenseLineDetail`: the line's account, and its tax code when the engine resolved
one (else QuickBooks takes the account's own). QuickBooks keeps an amount per expense line,
not a quantity: a line is read back as one of its amount.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from syncsvc.kit.money import to_cents
from syncsvc.models.enums import RecordKind
from syncsvc.providers.documents import Line, Link, PurchaseDocument, Receipt, Remote, State
from syncsvc.providers.quickbooks.mapping import (
    CALCULATIONS,
    KEY_MAX,
    TAX_MODES,
    ZERO,
    doc_number,
    is_deleted,
    line_amount,
    link_of,
    money,
    parse_date,
    ref_value,
    shortened,
    updated_at,
    versioned,
)

Body = dict[str, Any]
DETAIL = "AccountBasedExpenseLineDetail"
NOTE_MAX = 4000
# The account types money is spent from, and how QuickBooks names the payment.
CARD_ACCOUNT = "Credit Card"


# --- keys --------------------------------------------------------------------------------------


def supplier_key(host_id: str, number: str | None) -> str:
    """A supplier without a number of its own never takes a customer's host id."""
    return shortened(number or f"SUP-{host_id}", KEY_MAX)


def bill_key(vendor_id: str, number: str) -> str:
    """A bill is known by its vendor and the supplier's number (numbers repeat across
    suppliers); `number` as QuickBooks holds it."""
    return f"{vendor_id}/{number}"


def expense_key(host_id: str, reference: str | None) -> str:
    """The DocNumber an expense is written and found under."""
    return doc_number(f"{reference} ({host_id})" if reference else host_id)


def key_for(kind: RecordKind, host_id: str, document: PurchaseDocument) -> str:
    if kind is RecordKind.SUPPLIER_INVOICE:
        return bill_key(document.contact, doc_number(document.number))
    return expense_key(host_id, document.reference)


def owed(document: PurchaseDocument) -> bool:
    """A bill, or an expense not paid from an account: QuickBooks' Bill."""
    return document.kind == "bill" or document.paid_from is None


# --- writing -----------------------------------------------------------------------------------


def _lines(document: PurchaseDocument) -> list[Body]:
    lines = []
    for line in document.lines:
        detail: Body = {"AccountRef": {"value": line.account}}
        if line.tax_code:
            detail["TaxCodeRef"] = {"value": line.tax_code}
        _, amount = line_amount(line)
        body: Body = {"DetailType": DETAIL, "Amount": amount, DETAIL: detail}
        if line.description:
            body["Description"] = line.description[:NOTE_MAX]
        lines.append(body)
    return lines


def _transaction(document: PurchaseDocument, number: str) -> Body:
    """What a Bill and a Purchase both hold: the number, the date, the tax mode, the lines."""
    return {
        "DocNumber": number,
        "TxnDate": document.issue_date.isoformat(),
        "GlobalTaxCalculation": CALCULATIONS[document.tax_mode],
        "Line": _lines(document),
    }


def bill_body(document: PurchaseDocument, number: str, link: Link) -> Body:
    """A Bill owed to the vendor `document.contact` under `number` (the supplier's number;
    an expense owed: its key)."""
    body: Body = {"VendorRef": {"value": document.contact}, **_transaction(document, number)}
    if document.due_date:
        body["DueDate"] = document.due_date.isoformat()
    if document.kind == "expense" and document.reference:
        body["PrivateNote"] = document.reference[:NOTE_MAX]
    return versioned(body, link)


def purchase_body(document: PurchaseDocument, key: str, link: Link, account_kind: str) -> Body:
    """Money spent from `document.paid_from` (`account_kind`: its QuickBooks AccountType)."""
    assert document.paid_from is not None
    body: Body = {
        "PaymentType": "CreditCard" if account_kind == CARD_ACCOUNT else "Cash",
        "AccountRef": {"value": document.paid_from},
        **_transaction(document, key),
    }
    if document.contact:
        body["EntityRef"] = {"value": document.contact, "type": "Vendor"}
    note = [f"Paid to {document.payee}"] if document.payee and not document.contact else []
    if document.reference:
        note.append(document.reference)
    if note:
        body["PrivateNote"] = "; ".join(note)[:NOTE_MAX]
    return versioned(body, link)


# --- reading -----------------------------------------------------------------------------------


def _read_lines(body: Body) -> tuple[Line, ...]:
    lines = []
    for line in body.get("Line") or []:
        if line.get("DetailType") != DETAIL:
            continue
        detail = line.get(DETAIL) or {}
        lines.append(
            Line(
                description=str(line.get("Description") or ""),
                quantity=Decimal(1),
                unit_price=money(line.get("Amount")),
                account=ref_value(detail, "AccountRef") or "",
                tax_code=ref_value(detail, "TaxCodeRef"),
            )
        )
    return tuple(lines)


def _document(body: Body, kind: str, paid_from: str | None, contact: str) -> PurchaseDocument:
    calculation = str(body.get("GlobalTaxCalculation") or "TaxExcluded")
    return PurchaseDocument(
        kind="expense" if kind == "expense" else "bill",
        number=str(body.get("DocNumber") or ""),
        contact=contact,
        issue_date=parse_date(body.get("TxnDate")) or date.min,
        lines=_read_lines(body),
        tax_mode=TAX_MODES.get(calculation, "exclusive"),  # type: ignore[arg-type]
        due_date=parse_date(body.get("DueDate")),
        reference=body.get("PrivateNote") or None,
        currency=ref_value(body, "CurrencyRef"),
        paid_from=paid_from,
    )


def linked_bill_payment_ids(body: Body) -> list[str]:
    return [
        str(link["TxnId"])
        for link in body.get("LinkedTxn") or []
        if isinstance(link, dict) and link.get("TxnType") == "BillPayment" and link.get("TxnId")
    ]


def _paid_from(payment: Body) -> str:
    for holder, field in (
        ("CheckPayment", "BankAccountRef"),
        ("CreditCardPayment", "CCAccountRef"),
    ):
        account = ref_value(payment.get(holder) or {}, field)
        if account:
            return account
    return ""


def remote_bill_payment(payment: Body, bill_id: str) -> Remote[Receipt]:
    """A BillPayment as what was paid on one bill."""
    amount = sum(
        (
            money(line.get("Amount"))
            for line in payment.get("Line") or []
            for link in line.get("LinkedTxn") or []
            if link.get("TxnType") == "Bill" and str(link.get("TxnId")) == bill_id
        ),
        ZERO,
    )
    receipt = Receipt(
        invoice=bill_id,
        amount=amount,
        date=parse_date(payment.get("TxnDate")) or date.min,
        deposit_account=_paid_from(payment),
        reference=payment.get("DocNumber") or None,
    )
    state = State.GONE if is_deleted(payment) else State.OPEN
    return Remote(link_of(payment, None), state, updated_at(payment), receipt)


def remote_bill(body: Body, payments: list[Body] | None = None) -> Remote[PurchaseDocument]:
    """A Bill with the bill payments made on it; PAID once its Balance is nothing."""
    vendor = ref_value(body, "VendorRef") or ""
    document = _document(body, "bill", None, vendor)
    bill_id = str(body.get("Id") or "")
    receipts = tuple(
        receipt
        for receipt in (remote_bill_payment(p, bill_id) for p in payments or [])
        if receipt.state is not State.GONE and receipt.document.amount > 0
    )
    total = money(body.get("TotalAmt"))
    balance = money(body.get("Balance", body.get("TotalAmt")))
    if is_deleted(body):
        state = State.GONE
    elif balance == 0:
        state = State.PAID
    else:
        state = State.OPEN
    paid_on = (
        max((r.document.date for r in receipts), default=None) if state is State.PAID else None
    )
    return Remote(
        link_of(body, bill_key(vendor, document.number) if document.number else None),
        state,
        updated_at(body),
        document,
        total=None if is_deleted(body) else total,
        amount_paid=to_cents(total - balance),
        paid_on=paid_on,
        receipts=receipts,
    )


def remote_purchase(body: Body) -> Remote[PurchaseDocument]:
    """A Purchase: money spent, paid in full when it is entered."""
    entity = body.get("EntityRef") or {}
    vendor = str(entity.get("value") or "") if entity.get("type", "Vendor") == "Vendor" else ""
    document = _document(body, "expense", ref_value(body, "AccountRef"), vendor)
    total = money(body.get("TotalAmt"))
    gone = is_deleted(body)
    return Remote(
        link_of(body, document.number or None),
        State.GONE if gone else State.PAID,
        updated_at(body),
        document,
        total=None if gone else total,
        amount_paid=ZERO if gone else total,
        paid_on=None if gone else document.issue_date,
    )
