"""QuickBooks Online's facts as data (sources: shared/reference/quickbooks/FACTS.md and
PROVIDERS.md). Income accounts live on Items, writes carry a `requestid` query parameter,
records a `SyncToken`."""

from datetime import timedelta

from syncsvc.models.enums import RecordKind
from syncsvc.providers.base import (
    Capabilities,
    LookupKind,
    Posting,
    ProviderFacts,
    RateLimits,
    SettingLookup,
)

# The settings fields naming the company's own lookups, checked before they are kept.
SETTING_LOOKUPS = (
    SettingLookup(("quickbooks", "sales_tax_code"), LookupKind.TAX_RATES, Posting.SALES),
    SettingLookup(("quickbooks", "sales_tax_free_code"), LookupKind.TAX_RATES, Posting.TAX_FREE),
    SettingLookup(("quickbooks", "purchases_tax_code"), LookupKind.TAX_RATES, Posting.PURCHASES),
    SettingLookup(
        ("quickbooks", "purchases_tax_free_code"), LookupKind.TAX_RATES, Posting.PURCHASES_TAX_FREE
    ),
    SettingLookup(("quickbooks", "lead_source_field"), LookupKind.CUSTOM_FIELDS, by="name"),
    SettingLookup(("quickbooks", "card_payments_account"), LookupKind.ACCOUNTS, Posting.DEPOSIT),
    SettingLookup(("default_payment_method",), LookupKind.PAYMENT_METHODS),
)

QUICKBOOKS = ProviderFacts(
    name="quickbooks",
    display_name="QuickBooks Online",
    authorize_url="https://appcenter.intuit.com/connect/oauth2",
    token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",  # noqa: S106
    revocation_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    api_base_url="https://quickbooks.api.intuit.com/v3/company",
    scopes=("com.intuit.quickbooks.accounting",),
    token_auth="client_secret_basic",  # noqa: S106 - a method name
    access_token_lifetime=timedelta(hours=1),
    refresh_token_idle_lifetime=timedelta(days=100),
    refresh_token_grace=None,  # the superseded token is to be treated as dead
    capabilities=Capabilities(
        batch_size=30,
        payments_editable=True,
        draft_documents=False,
        sees_deletions=True,
        webhooks=True,
        income_account_on="item",
        writes=frozenset(RecordKind),
    ),
    tax_code_setting=("quickbooks", "tax_codes"),
    idempotency="query",
    idempotency_key_max_length=50,
    idempotency_retention=None,  # undocumented: look records up by DocNumber instead
    optimistic_concurrency=True,
    max_page_size=1000,
    rate_limits=RateLimits(per_minute=500, per_second=10, concurrent=10, batch_per_minute=40),
    lookups=(
        LookupKind.ACCOUNTS,
        LookupKind.TAX_RATES,
        LookupKind.PAYMENT_METHODS,
        LookupKind.CUSTOM_FIELDS,
    ),
    setting_lookups=SETTING_LOOKUPS,
    tax_code_defaults=("sales_tax_code", "sales_tax_free_code"),
    purchase_tax_code_defaults=("purchases_tax_code", "purchases_tax_free_code"),
    settings_block="quickbooks",
    extra={"doc_number_max_length": 21},
)
