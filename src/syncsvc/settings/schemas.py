"""Account-code settings and overrides as the host reads and writes them.

Account and tax codes are the accounting package's own: a Xero account code, a QuickBooks
account id, a MYOB account UID. Whether a code exists, is active and can take that posting is
checked against the connected package when one is connected.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

AccountCode = Annotated[str, StringConstraints(min_length=1, max_length=50)]
TaxCode = Annotated[str, StringConstraints(min_length=1, max_length=50)]
StrictBool = Annotated[bool, Field(strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DefaultTracking(Strict):
    category: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    option: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class XeroSettings(Strict):
    tax_types: dict[TaxCode, TaxCode] = Field(
        default_factory=dict,
        description="Host tax code -> Xero TaxType (e.g. `GST` -> `OUTPUT2`). A line's tax "
        "code not listed here is sent to Xero as it is.",
    )
    purchases_tax_type: TaxCode | None = Field(
        default=None,
        description="Xero TaxType (e.g. `INPUT2`) for a taxed cost line (supplier invoice or "
        "expense) whose host tax code `tax_types` does not list; unset: the host's code as it "
        "is.",
    )
    purchases_tax_free_type: TaxCode | None = Field(
        default=None,
        description="Xero TaxType (e.g. `NONE`) for a cost line the host sends "
        "without a tax code; unset: the account's default tax type.",
    )


class QuickBooksSettings(Strict):
    """QuickBooks Online's own settings, each checked against the company's lookups."""

    tax_codes: dict[TaxCode, TaxCode] = Field(
        default_factory=dict, description="Host tax code -> QuickBooks TaxCode id."
    )
    sales_tax_code: TaxCode | None = Field(
        default=None,
        description="TaxCode id for a taxed line whose host tax code `tax_codes` does not list.",
    )
    sales_tax_free_code: TaxCode | None = Field(
        default=None,
        description="TaxCode id (a zero rate) for a line the host sends without a tax code.",
    )
    purchases_tax_code: TaxCode | None = Field(
        default=None, description="TaxCode id for taxed supplier bills."
    )
    purchases_tax_free_code: TaxCode | None = Field(
        default=None, description="TaxCode id for tax-free supplier bills."
    )
    lead_source_field: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None,
        description="Name of the company's sales-form custom field that receives the "
        "invoice's `lead_source` (its first 31 characters). Unset or empty: not sent.",
    )
    card_payments: StrictBool = Field(
        default=False,
        description="On: payments the host marks `is_card` are deposited to "
        "`card_payments_account`.",
    )
    card_payments_account: AccountCode | None = Field(
        default=None,
        description="Where card payments are deposited (e.g. undeposited funds); needed when "
        "`card_payments` is on.",
        validate_default=True,
    )

    @field_validator("card_payments_account")
    @classmethod
    def _card_account_when_on(cls, account: str | None, info: ValidationInfo) -> str | None:
        if account is None and info.data.get("card_payments"):
            raise ValueError("needed when card_payments is on")
        return account


class AccountSettings(Strict):
    """The whole settings document; PUT replaces it, fields left out take their defaults."""

    payments_account: AccountCode | None = Field(
        default=None, description="Bank account host payments are recorded against."
    )
    default_payment_method: Annotated[str, StringConstraints(max_length=100)] | None = None
    supplier_invoice_account: AccountCode | None = None
    expenses_account: AccountCode | None = None
    rounding_account: AccountCode | None = Field(
        default=None,
        description="Absorbs cent differences between the host's and the package's totals.",
    )
    labour_income_account: AccountCode | None = None
    materials_income_account: AccountCode | None = None
    default_income_account: AccountCode | None = Field(
        default=None, description="Income for lines of kind `other`, and the last fallback."
    )
    credit_notes_account: AccountCode | None = None
    push_line_items: StrictBool = Field(
        default=True, description="Off: one summary line per income account."
    )
    invoice_reference: Literal["job_number", "invoice_number"] = "job_number"
    invoice_status: Literal["approved", "draft"] = "approved"
    push_customer_updates: StrictBool = True
    pull_customer_updates: StrictBool = Field(
        default=True,
        description="Contact changes made in the package come back as `customer.updated`.",
    )
    default_tracking: list[DefaultTracking] = Field(default_factory=list, max_length=2)
    xero: XeroSettings = Field(default_factory=XeroSettings)
    quickbooks: QuickBooksSettings = Field(default_factory=QuickBooksSettings)


class JobTypeOverride(Strict):
    labour_income_account: AccountCode | None = None
    materials_income_account: AccountCode | None = None
    expenses_account: AccountCode | None = Field(
        default=None,
        description="Where costs of jobs of this type land (supplier invoice lines and "
        "expenses), instead of supplier_invoice_account / expenses_account.",
    )


class SupplyOverride(Strict):
    income_account: AccountCode


class PaymentMethodOverride(Strict):
    surcharge_account: AccountCode | None = Field(
        default=None, description="Income account for this method's surcharges."
    )
    payments_account: AccountCode | None = Field(
        default=None, description="Deposit account for this method, instead of the default."
    )


class Overrides(Strict):
    job_types: dict[str, JobTypeOverride] = Field(default_factory=dict)
    supplies: dict[str, SupplyOverride] = Field(default_factory=dict)
    payment_methods: dict[str, PaymentMethodOverride] = Field(default_factory=dict)


OVERRIDES_ROUTES = "`PUT`/`DELETE /v1/settings/{job-types,supplies,payment-methods}/{id}`"


class SettingsView(AccountSettings):
    overrides: Overrides = Field(
        default_factory=Overrides,
        description=f"Set and removed one by one with {OVERRIDES_ROUTES}.",
    )


class SettingsUpdate(AccountSettings):
    """What `PUT /v1/settings` takes: the document `GET` returns, changed where wanted.
    Fields left out take their defaults."""

    overrides: Overrides | None = Field(
        default=None,
        description="Read-only here, so a GET-modify-PUT round-trips: leave it out, or send it "
        "as GET returned it (a 422 names each override that differs). Change overrides with "
        f"{OVERRIDES_ROUTES}.",
    )
