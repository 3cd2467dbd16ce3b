"""Xero's facts as data (sources: shared/reference/xero/FACTS.md and PROVIDERS.md)."""

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

XERO = ProviderFacts(
    name="xero",
    display_name="Xero",
    authorize_url="https://login.xero.com/identity/connect/authorize",
    token_url="https://identity.xero.com/connect/token",  # noqa: S106 - an address
    revocation_url="https://identity.xero.com/connect/revocation",
    api_base_url="https://api.xero.com/api.xro/2.0",
    scopes=(
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.contacts",
        "accounting.invoices",
        "accounting.payments",
        "accounting.settings",
    ),
    token_auth="client_secret_basic",  # noqa: S106 - a method name
    access_token_lifetime=timedelta(minutes=30),
    refresh_token_idle_lifetime=timedelta(days=60),
    refresh_token_grace=timedelta(minutes=30),
    capabilities=Capabilities(
        batch_size=50,
        payments_editable=False,
        draft_documents=True,
        sees_deletions=True,
        webhooks=True,
        income_account_on="line",
        writes=frozenset(RecordKind),
    ),
    tax_code_setting=("xero", "tax_types"),
    setting_lookups=(
        SettingLookup(("xero", "purchases_tax_type"), LookupKind.TAX_RATES, Posting.PURCHASES),
        SettingLookup(
            ("xero", "purchases_tax_free_type"), LookupKind.TAX_RATES, Posting.PURCHASES_TAX_FREE
        ),
    ),
    purchase_tax_code_defaults=("purchases_tax_type", "purchases_tax_free_type"),
    idempotency="header",
    idempotency_key_max_length=128,
    idempotency_retention=timedelta(minutes=6),
    optimistic_concurrency=False,
    max_page_size=1000,
    rate_limits=RateLimits(
        per_minute=60,
        concurrent=5,
        per_day=5000,
        app_per_minute=10_000,
        minute_remaining_header="x-minlimit-remaining",
        day_remaining_header="x-daylimit-remaining",
    ),
    lookups=(LookupKind.ACCOUNTS, LookupKind.TAX_RATES, LookupKind.TRACKING_CATEGORIES),
    extra={
        "connections_url": "https://api.xero.com/connections",
        "tenant_header": "xero-tenant-id",
        "max_request_bytes": 3_500_000,
    },
)
