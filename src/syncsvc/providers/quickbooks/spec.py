"""QuickBooks Online's facts as data (sources: shared/reference/quickbooks/FACTS.md and
PROVIDERS.md). Income accounts live on Items, writes carry a `requestid` query parameter,
records a `SyncToken`."""

from datetime import timedelta

from syncsvc.providers.base import Capabilities, LookupKind, ProviderFacts, RateLimits

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
    ),
    tax_code_setting=("quickbooks", "tax_codes"),
    idempotency="query",
    idempotency_key_max_length=50,
    idempotency_retention=None,  # undocumented: look records up by DocNumber instead
    optimistic_concurrency=True,
    max_page_size=1000,
    rate_limits=RateLimits(per_minute=500, per_second=10, concurrent=10, batch_per_minute=40),
    lookups=(LookupKind.ACCOUNTS, LookupKind.TAX_RATES, LookupKind.PAYMENT_METHODS),
    extra={"doc_number_max_length": 21},
)
