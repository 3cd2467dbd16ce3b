"""MYOB Business API facts as data (sources: shared/reference/myob/FACTS.md and
PROVIDERS.md). No batches and no idempotency: one record a request, looked up by number
before a retry; rate limits answer 403 with `RateLimitError`; `RowVersion` on records."""

from dataclasses import dataclass
from datetime import timedelta

from syncsvc.providers.base import Capabilities, LookupKind, ProviderFacts, RateLimits

MYOB = ProviderFacts(
    name="myob",
    display_name="MYOB Business",
    authorize_url="https://secure.myob.com/oauth2/account/authorize",
    token_url="https://secure.myob.com/oauth2/v1/authorize",  # noqa: S106 - an address
    revocation_url=None,
    api_base_url="https://api.myob.com/accountright",
    scopes=(
        "sme-company-file",
        "sme-contacts-customer",
        "sme-sales",
        "sme-general-ledger",
        "sme-banking",
    ),
    token_auth="client_secret_post",  # noqa: S106 - a method name
    access_token_lifetime=timedelta(minutes=20),
    refresh_token_idle_lifetime=None,
    refresh_token_grace=None,
    capabilities=Capabilities(
        batch_size=1,
        payments_editable=False,
        draft_documents=False,
        sees_deletions=False,
        webhooks=False,
        income_account_on="line",
    ),
    tax_code_setting=None,
    idempotency="none",
    idempotency_key_max_length=None,
    idempotency_retention=None,
    optimistic_concurrency=True,
    max_page_size=1000,
    rate_limits=RateLimits(per_second=8, per_day=1_000_000, shared_by="app"),
    authorize_params={"prompt": "consent"},
    lookups=(LookupKind.ACCOUNTS, LookupKind.TAX_RATES, LookupKind.TRACKING_CATEGORIES),
    extra={"rate_limit_error_name": "RateLimitError"},
)


@dataclass(frozen=True)
class Product:
    """What differs between the products on the one API, read as data by the package."""

    name: str
    # GeneralLedger/Category, one a sale (from a line's tracking option): AccountRight keeps
    # categories; Essentials files show none, so a sale there carries none.
    categories: bool


ACCOUNTRIGHT = Product("accountright", categories=True)
ESSENTIALS = Product("essentials", categories=False)
PRODUCTS = {p.name: p for p in (ACCOUNTRIGHT, ESSENTIALS)}
# UIAccessFlags (FACTS.md 1.5): 0 local AccountRight, 1 online AccountRight, 2 the new
# Essentials, 3 AccountRight and Essentials (a full AccountRight file).
ESSENTIALS_FLAGS = frozenset({2})
