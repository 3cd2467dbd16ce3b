"""Canonical documents to MYOB's JSON and back, pure (FACTS.md section 2): a customer card
(`Contact/Customer`), a Service-layout sale with an income account and a tax code per line
(a credit note is the same sale, negative), a customer payment applied to one sale, a credit
settlement; the keys the service finds them by, within MYOB's lengths; totals as MYOB
computes them (each line's Total to the cent, then its tax). Decimal only."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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

NUMBER_MAX = 13  # invoice Number, ReceiptNumber: String(13)
DISPLAY_ID_MAX = 15  # a card's DisplayID
COMPANY_NAME_MAX = 50
MAX_TERMS_DAYS = 366
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")

Body = dict[str, Any]


# --- keys ----------------------------------------------------------------------------------


def _digest(text: str, length: int) -> str:
    raw = hashlib.sha256(text.encode()).digest()
    return base64.b32encode(raw).decode().rstrip("=")[:length]


def shortened(text: str, limit: int) -> str:
    """`text` if it fits, else its start and a digest of all of it: deterministic, and two
    long values that share a start still differ."""
    if 0 < len(text) <= limit:
        return text
    keep = max(0, limit - 9)
    return f"{text[:keep]}~{_digest(text, limit - keep - 1)}"


def customer_key(host_id: str, contact: Contact) -> str:
    return shortened(contact.number or host_id, DISPLAY_ID_MAX)


def sales_key(number: str) -> str:
    return shortened(number, NUMBER_MAX)


def payment_key(host_id: str, receipt: Receipt) -> str:
    """A receipt number per payment (and per surcharge receipt: its reference differs)."""
    return "R" + _digest(f"{host_id}\n{receipt.reference or ''}", NUMBER_MAX - 1)


# --- wire values ---------------------------------------------------------------------------


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def wire_date(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def parse_moment(value: Any) -> datetime | None:
    """`LastModified`: no offset on the wire; read as UTC (FACTS.md 2.7)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_day(value: Any) -> date | None:
    moment = parse_moment(value)
    return moment.date() if moment is not None else None


def money(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        return ZERO
    return Decimal(str(value))


def uid(link: Any) -> str | None:
    if isinstance(link, dict) and link.get("UID"):
        return str(link["UID"]).lower()
    return None


def quoted(value: str) -> str:
    """An OData string literal."""
    return "'" + value.replace("'", "''") + "'"


def guid(value: str) -> str:
    return f"guid'{value}'"


# --- customers -----------------------------------------------------------------------------


def _address(address: Address, location: int, contact: Contact | None) -> Body:
    body: Body = {
        "Location": location,
        "Street": "\n".join(address.lines)[:255] or None,
        "City": address.city,
        "State": address.region,
        "PostCode": address.postal_code,
        "Country": address.country,
        "ContactName": address.attention_to,
    }
    if contact is not None:  # the first address carries the card's email and phone
        body["Email"] = contact.email
        body["Phone1"] = contact.phone
    return {key: value for key, value in body.items() if value is not None}


def customer_body(contact: Contact, key: str, tax_code_uid: str, link: Link) -> Body:
    """A company card under the service's key (DisplayID), with the selling tax codes MYOB
    requires on every card."""
    addresses = [
        _address(a, position, contact if position == 1 else None)
        for position, a in enumerate(contact.addresses[:5], start=1)
    ]
    if not addresses and (contact.email or contact.phone):
        addresses = [_address(Address(kind="street"), 1, contact)]
    body: Body = {
        "IsIndividual": False,
        "CompanyName": contact.name[:COMPANY_NAME_MAX],
        "DisplayID": key,
        "IsActive": contact.active,
        "Addresses": addresses,
        "SellingDetails": {
            "TaxCode": {"UID": tax_code_uid},
            "FreightTaxCode": {"UID": tax_code_uid},
            "ABN": contact.tax_number,
        },
    }
    return _versioned(body, link)


def deactivated(held: Body) -> Body:
    """The card as held, made inactive (MYOB's way to remove a customer with history)."""
    keep = ("UID", "RowVersion", "IsIndividual", "CompanyName", "FirstName", "LastName")
    return {**{k: held.get(k) for k in keep if k in held}, "IsActive": False}


def _versioned(body: Body, link: Link) -> Body:
    if link.id:
        body["UID"] = link.id
        if link.version:
            body["RowVersion"] = link.version
    return body


def customer_name(held: Body) -> str:
    if held.get("IsIndividual"):
        return ", ".join(str(p) for p in (held.get("LastName"), held.get("FirstName")) if p)
    return str(held.get("CompanyName") or "")


def remote_contact(held: Body) -> Remote[Contact]:
    addresses = [a for a in held.get("Addresses") or [] if isinstance(a, dict)]
    first = addresses[0] if addresses else {}
    selling = held.get("SellingDetails") or {}
    contact = Contact(
        name=customer_name(held),
        number=str(held.get("DisplayID") or "") or None,
        email=first.get("Email"),
        phone=first.get("Phone1"),
        tax_number=selling.get("ABN"),
        first_name=held.get("FirstName"),
        last_name=held.get("LastName"),
        addresses=tuple(
            Address(
                kind="postal" if a.get("Location") == 2 else "street",
                lines=tuple(str(a.get("Street") or "").splitlines()),
                city=a.get("City"),
                region=a.get("State"),
                postal_code=a.get("PostCode"),
                country=a.get("Country"),
                attention_to=a.get("ContactName"),
            )
            for a in addresses
        ),
        active=bool(held.get("IsActive", True)),
    )
    return Remote(
        link=link_of(held, held.get("DisplayID")),
        state=State.OPEN if contact.active else State.VOID,
        updated_at=parse_moment(held.get("LastModified")),
        document=contact,
    )


def link_of(held: Body, key: Any) -> Link:
    version = held.get("RowVersion")
    return Link(
        str(held.get("UID") or "").lower() or None,
        str(version) if version not in (None, "") else None,
        str(key) if key not in (None, "") else None,
    )


def gone(record_id: str) -> Remote[Any]:
    """What a read by id says of a record MYOB no longer has."""
    return Remote(
        link=Link(record_id), state=State.GONE, updated_at=None, document=Contact(name="")
    )


# --- sales ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxCode:
    uid: str
    rate: Decimal


@dataclass(frozen=True)
class SalesContext:
    """What a sale's lines name, as the company file holds it: account DisplayID -> UID,
    tax code -> UID and rate, each account's default tax code, the code for untaxed lines."""

    accounts: dict[str, str]
    tax_codes: dict[str, TaxCode]
    account_defaults: dict[str, str] = field(default_factory=dict)
    untaxed_code: str | None = None
    # Category name or DisplayID -> UID; None: the company file keeps no categories.
    categories: dict[str, str] | None = None


def _category(document: SalesDocument, ctx: SalesContext, label: str) -> str | None:
    """A sale's one category: the first tracking option its lines name, where the company
    file keeps categories."""
    if ctx.categories is None:
        return None
    option = next((o for line in document.lines for _, o in line.tracking), None)
    if option is None:
        return None
    found = ctx.categories.get(option)
    if found is None:
        raise Misconfigured(f"{label}: MYOB has no category {option}")
    return found


def _tax_code(line: Line, document: SalesDocument, ctx: SalesContext, label: str) -> str:
    code = line.tax_code or ctx.account_defaults.get(line.account)
    if code is None and document.tax_mode == "no_tax":
        code = ctx.untaxed_code
    if code is None:
        raise Misconfigured(
            f"{label}: line {line.description!r} has no tax code and MYOB account "
            f"{line.account} names none; give the line a tax code (GST, FRE, N-T...)"
        )
    if code not in ctx.tax_codes:
        raise Misconfigured(f"{label}: MYOB has no tax code {code}")
    return code


def line_total(line: Line) -> Decimal:
    discount = line.discount_rate or Decimal(0)
    return cents(line.quantity * line.unit_price * (HUNDRED - discount) / HUNDRED)


def _tax(amount: Decimal, rate: Decimal, inclusive: bool) -> Decimal:
    if inclusive:
        return cents(amount * rate / (HUNDRED + rate))
    return cents(amount * rate / HUNDRED)


def myob_total(totals: list[tuple[Decimal, Decimal]], inclusive: bool) -> Decimal:
    """(line Total, rate) pairs summed as MYOB sums them: each line's tax from its own
    2-dp Total, then added (exclusive) or already inside (inclusive)."""
    subtotal = sum((total for total, _ in totals), ZERO)
    if inclusive:
        return subtotal
    return subtotal + sum((_tax(total, rate, False) for total, rate in totals), ZERO)


def sales_body(document: SalesDocument, key: str, link: Link, ctx: SalesContext) -> Body:
    """A Service-layout sale: one line per canonical line, a rounding line on an untaxed code
    where MYOB's per-line arithmetic misses the host's total. A credit note is the same sale
    with every line negative (MYOB's way, FACTS.md 2.5)."""
    label = f"{document.kind.replace('_', ' ')} {document.number}"
    sign = Decimal(-1) if document.kind == "credit_note" else Decimal(1)
    inclusive = document.tax_mode == "inclusive"
    lines: list[Body] = []
    totals: list[tuple[Decimal, Decimal]] = []
    for line in document.lines:
        account = ctx.accounts.get(line.account)
        if account is None:
            raise Misconfigured(f"{label}: MYOB has no account {line.account}")
        code = _tax_code(line, document, ctx, label)
        total = line_total(line)
        totals.append((total, ctx.tax_codes[code].rate))
        body: Body = {
            "Type": "Transaction",
            "Description": line.description[:1000],
            "Account": {"UID": account},
            "TaxCode": {"UID": ctx.tax_codes[code].uid},
            "Total": sign * total,
            "UnitCount": sign * line.quantity,
            "UnitPrice": line.unit_price,
        }
        if line.discount_rate:
            body["DiscountPercent"] = line.discount_rate
        lines.append(body)
    gap = rounding_gap(document, myob_total(totals, inclusive), label, "MYOB's")
    if gap is not None:
        rounding = ctx.accounts.get(str(document.rounding_account))
        if rounding is None or ctx.untaxed_code is None:
            raise Misconfigured(f"{label}: MYOB has no account {document.rounding_account}")
        lines.append(
            {
                "Type": "Transaction",
                "Description": "Rounding",
                "Account": {"UID": rounding},
                "TaxCode": {"UID": ctx.tax_codes[ctx.untaxed_code].uid},
                "Total": sign * gap,
            }
        )
    untaxed = ctx.tax_codes[ctx.untaxed_code].uid if ctx.untaxed_code else None
    freight_code = lines[0]["TaxCode"]["UID"] if lines else untaxed
    body = {
        "Number": key,
        "Date": wire_date(document.issue_date),
        "Customer": {"UID": document.contact},
        "IsTaxInclusive": inclusive,
        # Required even with no freight (FACTS.md 2.3).
        "FreightTaxCode": {"UID": untaxed or freight_code},
        "Lines": lines,
        "JournalMemo": f"Sale; {document.number}"[:255],
    }
    if document.reference:
        body["CustomerPurchaseOrderNumber"] = document.reference[:20]
    category = _category(document, ctx, label)
    if category is not None:
        body["Category"] = {"UID": category}
    if document.due_date is not None:
        days = (document.due_date - document.issue_date).days
        body["Terms"] = {
            "PaymentIsDue": "InAGivenNumberOfDays",
            "BalanceDueDate": min(max(days, 0), MAX_TERMS_DAYS),
        }
    return _versioned(body, link)


def sales_kind(held: Body) -> str:
    return "credit_note" if money(held.get("TotalAmount")) < 0 else "invoice"


def remote_sales(
    held: Body,
    accounts: dict[str, str],
    tax_codes: dict[str, str],
    receipts: tuple[Remote[Receipt], ...] = (),
    credits: tuple[Credit, ...] = (),
) -> Remote[SalesDocument]:
    """`accounts`, `tax_codes`: UID -> DisplayID / Code, to read lines in the service's terms."""
    credit = sales_kind(held) == "credit_note"
    sign = Decimal(-1) if credit else Decimal(1)
    lines = []
    for line in held.get("Lines") or []:
        if not isinstance(line, dict) or line.get("Type", "Transaction") != "Transaction":
            continue
        total = money(line.get("Total")) * sign
        count = line.get("UnitCount")
        quantity = money(count) * sign if count is not None else Decimal(1)
        price = line.get("UnitPrice")
        lines.append(
            Line(
                description=str(line.get("Description") or ""),
                quantity=quantity,
                unit_price=money(price) if price is not None else total,
                account=accounts.get(uid(line.get("Account")) or "", ""),
                tax_code=tax_codes.get(uid(line.get("TaxCode")) or ""),
                discount_rate=money(line.get("DiscountPercent")) or None,
            )
        )
    total = money(held.get("TotalAmount"))
    status = str(held.get("Status") or "Open")
    state = State.PAID if status == "Closed" else State.OPEN
    issued = parse_day(held.get("Date"))
    terms = held.get("Terms") or {}
    document = SalesDocument(
        kind="credit_note" if credit else "invoice",
        number=str(held.get("Number") or ""),
        contact=uid(held.get("Customer")) or "",
        issue_date=issued or date.min,
        lines=tuple(lines),
        tax_mode="inclusive" if held.get("IsTaxInclusive") else "exclusive",
        status="approved",
        due_date=parse_day(terms.get("DueDate")),
        reference=held.get("CustomerPurchaseOrderNumber"),
        credits=credits,
    )
    return Remote(
        link=link_of(held, held.get("Number")),
        state=state,
        updated_at=parse_moment(held.get("LastModified")),
        document=document,
        total=abs(total),
        amount_paid=applied_amount(held),
        paid_on=parse_day(held.get("LastPaymentDate")) if state is State.PAID else None,
        receipts=receipts,
    )


def applied_amount(held: Body) -> Decimal:
    """What payments and credits have taken off a sale so far."""
    return abs(money(held.get("TotalAmount"))) - abs(money(held.get("BalanceDueAmount")))


# --- payments and credit settlements -------------------------------------------------------


def receipt_body(receipt: Receipt, key: str, customer: str, account_uid: str) -> Body:
    body: Body = {
        "DepositTo": "Account",
        "Account": {"UID": account_uid},
        "Customer": {"UID": customer},
        "ReceiptNumber": key,
        "Date": wire_date(receipt.date),
        "AmountReceived": receipt.amount,
        "Invoices": [{"UID": receipt.invoice, "AmountApplied": receipt.amount, "Type": "Invoice"}],
    }
    if receipt.reference:
        body["Memo"] = receipt.reference[:255]
    return body


def remote_receipt(held: Body, accounts: dict[str, str]) -> Remote[Receipt]:
    applied = [line for line in held.get("Invoices") or [] if isinstance(line, dict)]
    first = applied[0] if applied else {}
    amount = money(first.get("AmountApplied")) if first else money(held.get("AmountReceived"))
    receipt = Receipt(
        invoice=str(first.get("UID") or "").lower(),
        amount=amount,
        date=parse_day(held.get("Date")) or date.min,
        deposit_account=accounts.get(uid(held.get("Account")) or "", ""),
        reference=held.get("Memo"),
        method=held.get("PaymentMethod"),
    )
    return Remote(
        link=link_of(held, held.get("ReceiptNumber")),
        state=State.OPEN,
        updated_at=parse_moment(held.get("LastModified")),
        document=receipt,
    )


def settlement_body(
    credit_uid: str, customer: str, credit: Credit, amount: Decimal, memo: str
) -> Body:
    return {
        "CreditFromInvoice": {"UID": credit_uid},
        "Customer": {"UID": customer},
        "Date": wire_date(credit.date),
        "CreditAmount": amount,
        "Memo": memo[:255],
        "Lines": [{"Type": "Invoice", "Sale": {"UID": credit.invoice}, "AmountApplied": amount}],
    }


def settled(settlements: list[Body]) -> tuple[Credit, ...]:
    """A credit's settlements as canonical credits: one per sale it was applied to."""
    amounts: dict[str, Decimal] = {}
    days: dict[str, date] = {}
    for settlement in settlements:
        day = parse_day(settlement.get("Date")) or date.min
        for line in settlement.get("Lines") or []:
            sale = uid((line or {}).get("Sale"))
            if sale is None:
                continue
            amounts[sale] = amounts.get(sale, ZERO) + money(line.get("AmountApplied"))
            days[sale] = min(days.get(sale, day), day)
    return tuple(Credit(sale, amount, days[sale]) for sale, amount in amounts.items())


def credits_missing(wanted: tuple[Credit, ...], held: tuple[Credit, ...]) -> list[Credit]:
    """What is still to apply: the wanted amount per sale less what MYOB has applied there."""
    have = {credit.invoice.lower(): credit.amount for credit in held}
    missing = []
    for credit in wanted:
        due = credit.amount - have.get(credit.invoice.lower(), ZERO)
        if due > 0:
            missing.append(Credit(credit.invoice, due, credit.date))
    return missing
