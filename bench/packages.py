"""What the benchmarks need to know of each package's sandbox, one entry a package: where its
control surface is, which seeded accounts and tax code the bench's settings name, what it
taxes the bench's lines at, how a user pays an invoice there, and how to count duplicates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from fastapi import APIRouter

from syncsvc.providers.base import RateLimits
from syncsvc.providers.registry import build_registry
from syncsvc.sandbox.app import Sandbox
from syncsvc.sandbox.quickbooks.books import Books as QuickBooksLedger

CENT = Decimal("0.01")
HOST_TAX_CODE = "OUTPUT2"  # the host's code on every bench line; settings map it where needed


@dataclass(frozen=True)
class Paid:
    """A payment the package's user enters on an invoice (by its number)."""

    invoice_number: str
    amount: Decimal
    on: date
    reference: str


@dataclass(frozen=True)
class Purchases:
    """What the bills bench names in a package that takes supplier invoices."""

    bills_account: str  # an expense account of the seeded chart
    tax_code: str  # the host's code on every bill line, as the package takes it


@dataclass(frozen=True)
class Package:
    name: str
    display_name: str
    control: str  # the sandbox's control surface, e.g. "/xero/_control"
    settings: dict[str, Any]  # accounts of the seeded chart, and the tax mapping
    tax_rate: Decimal  # percent: what the sandbox taxes a line with HOST_TAX_CODE at
    router: Callable[[Sandbox], APIRouter]
    # The sandbox's webhooks sent to the service (transport, url, signing key).
    wire_webhooks: Callable[[Sandbox, httpx.AsyncBaseTransport, str, str], None]
    webhook_key_setting: str  # the ProviderSettings field holding that key
    pay: Callable[[Sandbox, Sequence[Paid]], None]  # in the default organisation
    duplicates: Callable[[Sandbox], int]  # invoices held twice under one number, anywhere
    # A new organisation the next consent picks (many-tenant runs); None: not supported.
    new_organisation: Callable[[Sandbox, str], None] | None = None
    throttled_stat: str = "throttled"  # the stats field counting 429s
    batch_route: str | None = None  # the route its batch limit counts (QuickBooks' /batch)
    purchases: Purchases | None = None  # None: it takes no supplier invoices yet

    @property
    def limits(self) -> RateLimits:
        return build_registry(None)[self.name].facts.rate_limits

    @property
    def batch_size(self) -> int:
        return build_registry(None)[self.name].facts.capabilities.batch_size

    def gross(self, net: Decimal) -> Decimal:
        """One line's amount with tax, rounded to the cent as the package rounds each line."""
        return (net * (1 + self.tax_rate / 100)).quantize(CENT)

    def throttled(self, stats: dict[str, Any]) -> int:
        return int(stats[self.throttled_stat])


# --- Xero ------------------------------------------------------------------------------------


def _xero_webhooks(
    sandbox: Sandbox, transport: httpx.AsyncBaseTransport, service: str, key: str
) -> None:
    sandbox.xero.webhooks.transport = transport
    sandbox.xero.webhooks.url = f"{service}/webhooks/xero"
    sandbox.xero.webhooks.key = key


def _xero_pay(sandbox: Sandbox, payments: Sequence[Paid]) -> None:
    ledger = next(iter(sandbox.xero.store.organisations.values())).documents
    for paid in payments:
        target = ledger.find_invoice(paid.invoice_number)
        ledger.apply_payment(
            {
                "Invoice": {"InvoiceID": target["InvoiceID"]},
                "Account": {"Code": "090"},
                "Date": paid.on.isoformat(),
                "Amount": paid.amount,
                "Reference": paid.reference,
            }
        )


def _xero_duplicates(sandbox: Sandbox) -> int:
    extra = 0
    for organisation in sandbox.xero.store.organisations.values():
        numbers = Counter(
            (
                document.get("Type"),
                # A bill's number is its supplier's: two suppliers may use the same one.
                (document.get("Contact") or {}).get("ContactID")
                if document.get("Type") == "ACCPAY"
                else None,
                str(document.get("InvoiceNumber")),
            )
            for document in organisation.documents.invoices.values()
            if document.get("Status") != "DELETED"
        )
        extra += sum(count - 1 for count in numbers.values() if count > 1)
    return extra


def _xero_organisation(sandbox: Sandbox, name: str) -> None:
    store = sandbox.xero.store
    organisation = store.add_organisation(f"{name} Ltd")
    store.consent_organisations[:] = [organisation.tenant_id]


XERO = Package(
    name="xero",
    display_name="Xero",
    control="/xero/_control",
    settings={
        "payments_account": "090",
        "labour_income_account": "200",
        "materials_income_account": "260",
        "rounding_account": "860",
    },
    tax_rate=Decimal("15"),  # OUTPUT2: GST on income, 15%
    router=lambda sandbox: sandbox.xero.router,
    wire_webhooks=_xero_webhooks,
    webhook_key_setting="xero_webhook_key",
    pay=_xero_pay,
    duplicates=_xero_duplicates,
    new_organisation=_xero_organisation,
    purchases=Purchases(bills_account="310", tax_code="INPUT2"),  # Cost of Goods Sold
)


# --- QuickBooks Online -----------------------------------------------------------------------


def _quickbooks_webhooks(
    sandbox: Sandbox, transport: httpx.AsyncBaseTransport, service: str, key: str
) -> None:
    hooks = sandbox.quickbooks.webhooks
    hooks.transport = transport
    hooks.url = f"{service}/webhooks/quickbooks"
    sandbox.quickbooks.store.apps[hooks.client_id].verifier_token = key


def _quickbooks_pay(sandbox: Sandbox, payments: Sequence[Paid]) -> None:
    store = sandbox.quickbooks.store
    company = store.companies[store.default_realm]
    ledger = QuickBooksLedger(company)
    for paid in payments:
        [(_, invoice_id)] = company.indexed(("doc", "Invoice", paid.invoice_number))
        invoice = company.entities["Invoice"][invoice_id]
        ledger.create(
            "Payment",
            {
                "CustomerRef": invoice["CustomerRef"],
                "TotalAmt": paid.amount,
                "TxnDate": paid.on.isoformat(),
                "DepositToAccountRef": {"value": "1"},  # Business Cheque Account
                "PaymentRefNum": paid.reference[:21],
                "Line": [
                    {
                        "Amount": paid.amount,
                        "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}],
                    }
                ],
            },
        )


def _quickbooks_duplicates(sandbox: Sandbox) -> int:
    extra = 0
    for company in sandbox.quickbooks.store.companies.values():
        numbers = Counter(
            (entity, (doc.get("VendorRef") or {}).get("value"), str(doc.get("DocNumber")))
            # A bill's number is its vendor's: two vendors may use the same one.
            for entity in ("Invoice", "Bill")
            for doc in company.all(entity)
        )
        extra += sum(count - 1 for count in numbers.values() if count > 1)
    return extra


QUICKBOOKS = Package(
    name="quickbooks",
    display_name="QuickBooks Online",
    control="/quickbooks/_control",
    settings={
        "payments_account": "1",  # Business Cheque Account
        "labour_income_account": "5",  # Sales
        "materials_income_account": "7",  # Materials Income
        # Its own account: the rounding line is a line of that account's Item, told apart
        # from the lines by its account.
        "rounding_account": "6",  # Services
        "quickbooks": {"tax_codes": {HOST_TAX_CODE: "1"}},  # GST 10%
    },
    tax_rate=Decimal("10"),
    router=lambda sandbox: sandbox.quickbooks.router,
    wire_webhooks=_quickbooks_webhooks,
    webhook_key_setting="quickbooks_webhook_key",
    pay=_quickbooks_pay,
    duplicates=_quickbooks_duplicates,
    batch_route="POST /batch",
    # Cost of Sales; GST, a code of the company's own that the tax mapping passes through.
    purchases=Purchases(bills_account="12", tax_code="1"),
)

PACKAGES = {package.name: package for package in (XERO, QUICKBOOKS)}
