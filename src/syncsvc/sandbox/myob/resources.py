"""Where each resource of a company file lives (`Contact/Customer`, `Sale/Invoice/Service`,
...), which scope reads it, and which ledger operations its methods are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncsvc.sandbox.myob.errors import MyobError
from syncsvc.sandbox.myob.ledger import Ledger, Record


@dataclass(frozen=True)
class Collection:
    scopes: tuple[str, ...]  # any one of them grants access
    records: Callable[[Ledger], list[Record]]
    one: Callable[[Ledger, str], Record] | None = None
    create: Callable[[Ledger, Record], Record] | None = None
    update: Callable[[Ledger, str, Record], Record] | None = None
    delete: Callable[[Ledger, str], None] | None = None


def _layout(layout: str) -> Collection:
    return Collection(
        scopes=("sme-sales",),
        records=lambda ledger: [i for i in ledger.invoices.values() if i["InvoiceType"] == layout],
        one=lambda ledger, uid: ledger.invoice(uid, layout),
        create=lambda ledger, body: ledger.create_invoice(layout, body),
        update=lambda ledger, uid, body: ledger.update_invoice(layout, uid, body),
        delete=lambda ledger, uid: ledger.delete_invoice(uid, layout),
    )


def _read_only(scope: str, table: Callable[[Ledger], dict[str, Record]], what: str) -> Collection:
    def one(ledger: Ledger, uid: str) -> Record:
        record = table(ledger).get(uid.lower())
        if record is None:
            raise MyobError(404, "NotFound", f"The {what} was not found", "UID")
        return record

    return Collection(scopes=(scope,), records=lambda ledger: list(table(ledger).values()), one=one)


COLLECTIONS: dict[str, Collection] = {
    "Contact": Collection(
        scopes=("sme-contacts-customer",),
        records=lambda ledger: list(ledger.customers.values()),
        one=lambda ledger, uid: ledger.customer(uid),
    ),
    "Contact/Customer": Collection(
        scopes=("sme-contacts-customer",),
        records=lambda ledger: list(ledger.customers.values()),
        one=lambda ledger, uid: ledger.customer(uid),
        create=lambda ledger, body: ledger.create_customer(body),
        update=lambda ledger, uid, body: ledger.update_customer(uid, body),
        delete=lambda ledger, uid: ledger.delete_customer(uid),
    ),
    "Sale/Invoice": Collection(
        scopes=("sme-sales",),
        records=lambda ledger: list(ledger.invoices.values()),
        one=lambda ledger, uid: ledger.invoice(uid),
    ),
    "Sale/Invoice/Service": _layout("Service"),
    "Sale/Invoice/Item": _layout("Item"),
    "Sale/CustomerPayment": Collection(
        scopes=("sme-sales",),
        records=lambda ledger: list(ledger.payments.values()),
        one=lambda ledger, uid: ledger.payment(uid),
        create=lambda ledger, body: ledger.create_payment(body),
        delete=lambda ledger, uid: ledger.delete_payment(uid),
    ),
    "Sale/CreditSettlement": Collection(
        scopes=("sme-sales",),
        records=lambda ledger: list(ledger.settlements.values()),
        one=lambda ledger, uid: ledger.settlement(uid),
        create=lambda ledger, body: ledger.create_settlement(body),
        delete=lambda ledger, uid: ledger.delete_settlement(uid),
    ),
    "Sale/CreditRefund": Collection(
        scopes=("sme-sales",),
        records=lambda ledger: list(ledger.refunds.values()),
        one=lambda ledger, uid: ledger.refund(uid),
        create=lambda ledger, body: ledger.create_refund(body),
        delete=lambda ledger, uid: ledger.delete_refund(uid),
    ),
    "Inventory/Item": _read_only("sme-inventory", lambda ledger: ledger.items, "item"),
    "GeneralLedger/Account": _read_only(
        "sme-general-ledger", lambda ledger: ledger.accounts, "account"
    ),
    "GeneralLedger/TaxCode": _read_only(
        "sme-general-ledger", lambda ledger: ledger.tax_codes, "tax code"
    ),
    "GeneralLedger/Category": _read_only(
        "sme-general-ledger", lambda ledger: ledger.categories, "category"
    ),
}
# Single objects, not collections. Which scope reads Company/Preferences is not confirmed
# (FACTS.md 1.2): either of the two that could is taken.
PREFERENCES = ("sme-company-settings", "sme-company-file")
LEGACY_ALL = {"CompanyFile"}


def resolve(parts: list[str]) -> tuple[str, Collection | None, str | None]:
    """(route key, collection, uid) for the path below the company file."""
    key = "/".join(parts)
    if key in COLLECTIONS:
        return key, COLLECTIONS[key], None
    parent = "/".join(parts[:-1])
    if parts and parent in COLLECTIONS:
        return parent, COLLECTIONS[parent], parts[-1]
    return key, None, None
