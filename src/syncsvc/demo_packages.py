"""What `syncsvc demo` needs to know of each package's sandbox, one entry a package: the
tenant's settings in that sandbox's seeded chart, what it taxes the demo's lines at, how its
webhooks reach the service, how its user pays an invoice there and how its books read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line reads the names without loading the sandbox
    from syncsvc.sandbox.app import Sandbox

CENT = Decimal("0.01")


@dataclass(frozen=True)
class BookedInvoice:
    number: str
    customer: str
    total: Decimal
    due: Decimal
    status: str


@dataclass(frozen=True)
class DemoPackage:
    name: str  # the provider's name in the API (`?provider=`)
    display_name: str
    organisation_word: str  # what the package calls the books connected to
    settings: dict[str, Any]  # PUT /v1/settings, in the seeded chart's codes
    settings_summary: str  # the same, as step 3 prints it
    tax_rate: Decimal  # percent: what the host's "GST" lands as, per line
    webhook_key_setting: str  # the ProviderSettings field holding the signing key
    # The sandbox's webhooks to the service: (sandbox, service url, key).
    wire_webhooks: Callable[[Sandbox, str, str], None]
    # The sandbox's organisation for this run (fresh books), given to the next consent.
    organisation_for_run: Callable[[Sandbox], str]
    organisation_param: str  # the control surface's query parameter naming it
    payment_body: Callable[[str, str], dict[str, Any]]  # (amount, date) -> the user's payment
    payment_story: str  # step 6, with {number} and {total}
    invoices: Callable[[dict[str, Any]], list[BookedInvoice]]  # from GET documents

    @property
    def control(self) -> str:
        return f"/{self.name}/_control"

    def gross(self, net: Decimal) -> Decimal:
        """A line's amount with tax, rounded to the cent as the package rounds each line."""
        return (net * (1 + self.tax_rate / 100)).quantize(CENT)


# --- Xero ------------------------------------------------------------------------------------


def _xero_webhooks(sandbox: Sandbox, here: str, key: str) -> None:
    sandbox.xero.webhooks.url = f"{here}/webhooks/xero"
    sandbox.xero.webhooks.key = key


def _xero_organisation(sandbox: Sandbox) -> str:
    """The sandbox keeps Xero's organisations between runs (for the tenants connected to
    them): each walk-through gets books of its own, so its invoice numbers are new."""
    store = sandbox.xero.store
    default = next(iter(store.organisations.values()))
    if not (default.documents.contacts or default.documents.invoices):
        return default.tenant_id
    fresh = store.add_organisation(f"Demo Company (NZ) #{len(store.organisations) + 1}")
    store.consent_organisations = [fresh.tenant_id]
    return fresh.tenant_id


def _xero_invoices(books: dict[str, Any]) -> list[BookedInvoice]:
    return [
        BookedInvoice(
            str(invoice["InvoiceNumber"]),
            str(invoice["Contact"].get("Name", "")),
            Decimal(str(invoice["Total"])),
            Decimal(str(invoice["AmountDue"])),
            str(invoice["Status"]),
        )
        for invoice in books["Invoices"]
    ]


XERO = DemoPackage(
    name="xero",
    display_name="Xero",
    organisation_word="organisation",
    settings={
        "payments_account": "090",
        "labour_income_account": "200",
        "materials_income_account": "260",
        "default_income_account": "200",
        "credit_notes_account": "260",
        "rounding_account": "860",
        "xero": {"tax_types": {"GST": "OUTPUT2"}},
    },
    settings_summary="labour 200, materials 260, bank 090, rounding 860; GST as OUTPUT2",
    tax_rate=Decimal("15"),
    webhook_key_setting="xero_webhook_key",
    wire_webhooks=_xero_webhooks,
    organisation_for_run=_xero_organisation,
    organisation_param="tenant_id",
    payment_body=lambda amount, date: {"amount": amount, "date": date, "reference": "Transfer"},
    payment_story="In Xero, invoice {number} was paid in full through the bank feed ({total}).",
    invoices=_xero_invoices,
)


# --- QuickBooks Online -----------------------------------------------------------------------


def _quickbooks_webhooks(sandbox: Sandbox, here: str, key: str) -> None:
    hooks = sandbox.quickbooks.webhooks
    hooks.url = f"{here}/webhooks/quickbooks"
    sandbox.quickbooks.store.apps[hooks.client_id].verifier_token = key


def _quickbooks_company(sandbox: Sandbox) -> str:
    # QuickBooks' sandbox keeps nothing between runs: its first company is new each time.
    return sandbox.quickbooks.store.default_realm


def _quickbooks_invoices(books: dict[str, Any]) -> list[BookedInvoice]:
    names = {str(c["Id"]): str(c.get("DisplayName", "")) for c in books["Customer"]}
    found = []
    for invoice in books["Invoice"]:
        balance = Decimal(str(invoice["Balance"]))
        found.append(
            BookedInvoice(
                str(invoice.get("DocNumber", "")),
                names.get(str(invoice["CustomerRef"]["value"]), ""),
                Decimal(str(invoice["TotalAmt"])),
                balance,
                "Paid" if balance == 0 else "Open",
            )
        )
    return found


QUICKBOOKS = DemoPackage(
    name="quickbooks",
    display_name="QuickBooks Online",
    organisation_word="company",
    settings={
        "payments_account": "1",
        "labour_income_account": "5",
        "materials_income_account": "7",
        "default_income_account": "5",
        "credit_notes_account": "7",
        # An account no line lands in: the rounding line is a line of that account's Item,
        # and reconciliation tells it apart by its account.
        "rounding_account": "6",
        "quickbooks": {"tax_codes": {"GST": "1"}},
    },
    settings_summary=(
        "labour 5 (Sales), materials 7 (Materials Income), bank 1 (Business Cheque "
        "Account), rounding 6 (Services); GST as tax code 1 (GST 10%). QuickBooks keeps income "
        "accounts on Items: one Service item per account is made when first needed"
    ),
    tax_rate=Decimal("10"),
    webhook_key_setting="quickbooks_webhook_key",
    wire_webhooks=_quickbooks_webhooks,
    organisation_for_run=_quickbooks_company,
    organisation_param="realm_id",
    payment_body=lambda amount, date: {
        "amount": amount,
        "date": date,
        "deposit_account_id": "1",
        "reference": "Transfer",
    },
    payment_story=(
        "In QuickBooks Online, the bookkeeper received a payment of {total} on invoice {number}."
    ),
    invoices=_quickbooks_invoices,
)

DEMO_PACKAGES = {package.name: package for package in (XERO, QUICKBOOKS)}
