"""What the books hold, in the service's own terms: the documents the engines build and read.

Engines build these with the tenant's policy already applied (which account, which tax code,
summary lines, the reference, draft or approved, surcharge companions); a provider package maps
them to and from its wire format. Push and read share this vocabulary: reconciliation compares
the document the engine would push with the one read back. Money is Decimal only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, Literal, TypeVar


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    account: str  # the package's own account code / id (the settings resolved it)
    tax_code: str | None  # the package's own tax code; None: the account's default
    discount_rate: Decimal | None = None
    tracking: tuple[tuple[str, str], ...] = ()  # (category, option), at most 2


@dataclass(frozen=True)
class Address:
    kind: Literal["postal", "street"]
    lines: tuple[str, ...] = ()
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    attention_to: str | None = None


@dataclass(frozen=True)
class Contact:
    name: str
    number: str | None = None
    email: str | None = None
    phone: str | None = None
    tax_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    addresses: tuple[Address, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class Credit:
    """A credit note applied to an invoice."""

    invoice: str  # the package's invoice id
    amount: Decimal
    date: date


SalesKind = Literal["invoice", "credit_note"]
TaxMode = Literal["exclusive", "inclusive", "no_tax"]


@dataclass(frozen=True)
class SalesDocument:
    """An invoice (no credits) or a credit note (credits: where it is applied)."""

    kind: SalesKind
    number: str
    contact: str  # the package's contact id
    issue_date: date
    lines: tuple[Line, ...]
    tax_mode: TaxMode
    status: Literal["draft", "approved"]
    due_date: date | None = None
    reference: str | None = None
    currency: str | None = None
    host_total: Decimal | None = None  # the package's rounding is made to meet it
    rounding_account: str | None = None
    credits: tuple[Credit, ...] = ()
    lead_source: str | None = None  # how the host's customer came: the package may keep it


@dataclass(frozen=True)
class Receipt:
    """A customer payment applied to one invoice."""

    invoice: str  # the package's invoice id
    amount: Decimal
    date: date
    deposit_account: str
    reference: str | None = None
    method: str | None = None  # the host's payment method id
    # The package's payment method for a receipt whose host method is none of the package's.
    default_method: str | None = None
    card: bool = False  # paid by card, as the host says


PurchaseKind = Literal["bill", "expense"]


@dataclass(frozen=True)
class PurchaseDocument:
    """What the business owes or paid a supplier: a supplier's invoice (a bill), or an
    expense. Its supplier is a `Contact` like a customer. `paid_from` names the bank account
    an expense was paid from; without it the amount is owed (the package's bill). An expense
    paid to someone the host holds no supplier for names them in `payee` (contact: "")."""

    kind: PurchaseKind
    number: str  # a bill: the supplier's invoice number; an expense: the service's key
    contact: str  # the package's contact id
    issue_date: date
    lines: tuple[Line, ...]
    tax_mode: TaxMode
    due_date: date | None = None
    reference: str | None = None
    currency: str | None = None
    paid_from: str | None = None
    payee: str | None = None


Document = Contact | SalesDocument | Receipt | PurchaseDocument
D = TypeVar("D", Contact, SalesDocument, Receipt, PurchaseDocument)


@dataclass(frozen=True)
class Link:
    """What the service knows of a record's copy in the package."""

    id: str | None = None  # the package's id
    version: str | None = None  # Xero UpdatedDateUTC, QuickBooks SyncToken, MYOB RowVersion
    key: str | None = None  # what the service set and finds it by


class State(StrEnum):
    """Every package's statuses in five words."""

    DRAFT = "draft"
    OPEN = "open"  # approved and owing; a live contact or payment
    PAID = "paid"
    VOID = "void"  # voided; an archived contact
    GONE = "gone"  # deleted


@dataclass(frozen=True)
class Remote(Generic[D]):
    """The package's copy, read back in canonical form."""

    link: Link
    state: State
    updated_at: datetime | None
    document: D
    total: Decimal | None = None  # sales documents: the package's own total
    amount_paid: Decimal = Decimal("0.00")  # invoices: paid or credited so far
    paid_on: date | None = None
    receipts: tuple[Remote[Receipt], ...] = ()  # invoices read with their payments
    reconciled: bool = False  # receipts: matched to a bank line in the package
