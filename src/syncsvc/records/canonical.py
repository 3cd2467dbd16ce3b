"""The canonical records the host sends, within the limits of the accounting packages.

Lengths follow Xero's published schema (the widest of the supported packages where they
differ); a narrower limit of one package (QuickBooks' 21-character DocNumber) is checked by
that package's adapter and reported on the record. Money is Decimal: amounts to 2 places,
unit prices and quantities to 4.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from syncsvc.kit.money import to_cents, to_four_places
from syncsvc.models.base import INPUT_INT_MAX
from syncsvc.models.enums import RecordKind

HOST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@\-]{0,99}$"

HostId = Annotated[str, StringConstraints(pattern=HOST_ID_PATTERN)]
VERSION_MAX = INPUT_INT_MAX
Version = Annotated[int, Field(strict=True, ge=0, le=VERSION_MAX)]
StrictBool = Annotated[bool, Field(strict=True)]

Text50 = Annotated[str, StringConstraints(max_length=50)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text255 = Annotated[str, StringConstraints(max_length=255)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Name255 = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Description = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Email = Annotated[str, StringConstraints(max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=50)]

Money = Annotated[
    Decimal,
    Field(max_digits=14, decimal_places=2, allow_inf_nan=False),
    AfterValidator(to_cents),
]
PositiveMoney = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    AfterValidator(to_cents),
]
NonNegativeMoney = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    AfterValidator(to_cents),
]
UnitPrice = Annotated[
    Decimal,
    Field(max_digits=16, decimal_places=4, allow_inf_nan=False),
    AfterValidator(to_four_places),
]
Quantity = Annotated[
    Decimal,
    Field(ge=0, max_digits=16, decimal_places=4, allow_inf_nan=False),
    AfterValidator(to_four_places),
]
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False),
    AfterValidator(to_cents),
]

TaxMode = Literal["exclusive", "inclusive", "no_tax"]


class Strict(BaseModel):
    """Unknown fields are refused, so a misspelt field never silently drops data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def not_before_issue(due_date: dt.date | None, info: ValidationInfo) -> dt.date | None:
    issue_date = info.data.get("issue_date")
    if due_date is not None and issue_date is not None and due_date < issue_date:
        raise ValueError("must not be before issue_date")
    return due_date


class Address(Strict):
    type: Literal["postal", "street"] = "postal"
    line1: Text500 | None = None
    line2: Text500 | None = None
    line3: Text500 | None = None
    line4: Text500 | None = None
    city: Text255 | None = None
    region: Text255 | None = None
    postal_code: Text50 | None = None
    country: Text50 | None = None
    attention_to: Text255 | None = None


def _one_address_per_type(addresses: list[Address]) -> list[Address]:
    types = [address.type for address in addresses]
    if len(types) != len(set(types)):
        raise ValueError("at most one postal and one street address")
    return addresses


Addresses = Annotated[list[Address], AfterValidator(_one_address_per_type)]


class ContactPerson(Strict):
    first_name: Text255 | None = None
    last_name: Text255 | None = None
    email: Email | None = None
    phone: Text50 | None = None


class Customer(Strict):
    version: Version
    name: Name255
    email: Email | None = None
    phone: Text50 | None = None
    addresses: Addresses = Field(default_factory=list, max_length=2)
    contact_person: ContactPerson | None = None
    customer_number: Text50 | None = Field(
        default=None, description="The host's customer number; the provider's contact number."
    )
    tax_number: Text50 | None = None


class TrackingOption(Strict):
    category: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    option: Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _distinct_tracking_categories(tracking: list[TrackingOption]) -> list[TrackingOption]:
    categories = [option.category for option in tracking]
    if len(categories) != len(set(categories)):
        raise ValueError("each tracking category at most once per line")
    return tracking


Tracking = Annotated[list[TrackingOption], AfterValidator(_distinct_tracking_categories)]


class Line(Strict):
    kind: Literal["labour", "material", "other"]
    description: Description
    quantity: Quantity
    unit_price: UnitPrice
    supply_item_id: HostId | None = None
    discount_rate: Percent | None = Field(default=None, description="Percent off the line.")
    tax_code: Code | None = None
    account_code: Code | None = Field(
        default=None, description="Income account for this line; wins over every setting."
    )
    tracking: Tracking = Field(default_factory=list, max_length=2)


class Invoice(Strict):
    version: Version
    number: Name255
    customer_id: HostId
    issue_date: dt.date
    due_date: dt.date | None = None
    job_number: Text255 | None = None
    job_type_id: HostId | None = None
    currency: CurrencyCode | None = None
    tax_mode: TaxMode = "exclusive"
    lines: list[Line] = Field(min_length=1, max_length=1000)
    status: Literal["draft", "approved", "void"] = "approved"
    total: Money | None = Field(
        default=None, description="The host's own total, tax included; used to absorb rounding."
    )
    lead_source: Text100 | None = Field(
        default=None,
        description="How the customer came to the business (e.g. `Google`): kept by packages "
        "whose settings name a place for it (QuickBooks: `quickbooks.lead_source_field`).",
    )

    @field_validator("due_date")
    @classmethod
    def _due_after_issue(cls, due_date: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return not_before_issue(due_date, info)


class Payment(Strict):
    version: Version
    invoice_id: HostId
    amount: PositiveMoney
    date: dt.date
    payment_method_id: HostId | None = None
    surcharge: NonNegativeMoney = Decimal("0.00")
    reference: Text255 | None = None
    is_card: StrictBool = False


class Allocation(Strict):
    invoice_id: HostId
    amount: PositiveMoney
    date: dt.date | None = None


class CreditNote(Strict):
    version: Version
    number: Name255
    customer_id: HostId
    issue_date: dt.date
    currency: CurrencyCode | None = None
    tax_mode: TaxMode = "exclusive"
    lines: list[Line] = Field(min_length=1, max_length=1000)
    status: Literal["draft", "approved", "void"] = "approved"
    allocations: list[Allocation] = Field(default_factory=list, max_length=100)


class Supplier(Strict):
    version: Version
    name: Name255
    email: Email | None = None
    phone: Text50 | None = None
    addresses: Addresses = Field(default_factory=list, max_length=2)
    contact_person: ContactPerson | None = None
    supplier_number: Text50 | None = Field(
        default=None, description="The host's supplier number; the provider's contact number."
    )
    tax_number: Text50 | None = None


class PurchaseLine(Strict):
    description: Description
    quantity: Quantity = Decimal("1.0000")
    unit_price: UnitPrice
    tax_code: Code | None = None
    account_code: Code | None = Field(
        default=None, description="Expense account for this line; wins over every setting."
    )
    job_id: HostId | None = Field(default=None, description="The job this cost belongs to.")
    job_type_id: HostId | None = Field(
        default=None, description="Its job type (its expense override); default: the document's."
    )
    tracking: Tracking = Field(default_factory=list, max_length=2)


class SupplierInvoice(Strict):
    """A supplier's invoice to the business (a bill): owed until paid in the package."""

    version: Version
    number: Name255 = Field(description="The supplier's own invoice number.")
    supplier_id: HostId
    issue_date: dt.date
    due_date: dt.date | None = None
    job_id: HostId | None = None
    job_type_id: HostId | None = None
    currency: CurrencyCode | None = None
    tax_mode: TaxMode = "exclusive"
    lines: list[PurchaseLine] = Field(min_length=1, max_length=1000)
    status: Literal["approved", "void"] = "approved"

    @field_validator("due_date")
    @classmethod
    def _due_after_issue(cls, due_date: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return not_before_issue(due_date, info)


class Expense(Strict):
    """A cost the business paid (from `paid_from_account`) or owes the supplier (no account)."""

    version: Version
    date: dt.date
    description: Description
    amount: PositiveMoney = Field(description="As spent; `tax_mode` says whether tax is in it.")
    tax_mode: TaxMode = "inclusive"
    tax_code: Code | None = None
    supplier_id: HostId | None = None
    payee: Name255 | None = Field(
        default=None,
        validate_default=True,
        description="Who was paid, when the host holds no supplier for them.",
    )
    paid_from_account: Code | None = Field(
        default=None,
        validate_default=True,
        description="The package's bank account it was paid from; left out: owed to the "
        "supplier (entered as a bill).",
    )
    due_date: dt.date | None = None
    reference: Text255 | None = None
    account_code: Code | None = Field(
        default=None, description="Expense account; wins over every setting."
    )
    job_id: HostId | None = None
    job_type_id: HostId | None = None
    currency: CurrencyCode | None = None
    tracking: Tracking = Field(default_factory=list, max_length=2)

    @field_validator("payee")
    @classmethod
    def _supplier_or_payee(cls, payee: str | None, info: ValidationInfo) -> str | None:
        if "supplier_id" in info.data and (info.data["supplier_id"] is None) == (payee is None):
            raise ValueError("name exactly one of supplier_id and payee")
        return payee

    @field_validator("paid_from_account")
    @classmethod
    def _owed_to_a_supplier(cls, account: str | None, info: ValidationInfo) -> str | None:
        if account is None and "supplier_id" in info.data and info.data["supplier_id"] is None:
            raise ValueError("an expense owed (no paid_from_account) needs its supplier_id")
        return account


CanonicalRecord = Customer | Invoice | Payment | CreditNote | Supplier | SupplierInvoice | Expense

# Fields added after records were first stored: left out of the stored copy while unset, so
# a record stored before (and sent again unchanged) keeps its content hash.
ADDED_FIELDS: dict[type[CanonicalRecord], frozenset[str]] = {
    Invoice: frozenset({"lead_source"}),
}


def unset_added_fields(record: CanonicalRecord) -> set[str]:
    return {name for name in ADDED_FIELDS.get(type(record), ()) if getattr(record, name) is None}


MODEL_BY_KIND: dict[RecordKind, type[CanonicalRecord]] = {
    RecordKind.CUSTOMER: Customer,
    RecordKind.INVOICE: Invoice,
    RecordKind.PAYMENT: Payment,
    RecordKind.CREDIT_NOTE: CreditNote,
    RecordKind.SUPPLIER: Supplier,
    RecordKind.SUPPLIER_INVOICE: SupplierInvoice,
    RecordKind.EXPENSE: Expense,
}


def dependencies(kind: RecordKind, record: CanonicalRecord) -> list[tuple[RecordKind, str]]:
    """The host records this one names and that must reach the provider first."""
    if isinstance(record, Invoice | CreditNote):
        named = [(RecordKind.CUSTOMER, record.customer_id)]
        if isinstance(record, CreditNote):
            named += [(RecordKind.INVOICE, a.invoice_id) for a in record.allocations]
        return named
    if isinstance(record, Payment):
        return [(RecordKind.INVOICE, record.invoice_id)]
    if isinstance(record, SupplierInvoice | Expense) and record.supplier_id is not None:
        return [(RecordKind.SUPPLIER, record.supplier_id)]
    return []
