"""The provider protocol and the facts that tell the engines how each package behaves.

Facts are data (`spec.py` in each provider package): URLs, scopes, token lifetimes, batch
sizes, how idempotency works, where income accounts live, how rate limits are signalled. The
engines read them instead of branching on the provider's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx


class LookupKind(StrEnum):
    ACCOUNTS = "accounts"
    TAX_RATES = "tax-rates"
    TRACKING_CATEGORIES = "tracking-categories"
    PAYMENT_METHODS = "payment-methods"


@dataclass(frozen=True)
class RateLimits:
    """Published limits for one organisation (company file) and for the whole app."""

    per_minute: int | None = None
    per_second: int | None = None
    concurrent: int | None = None
    per_day: int | None = None
    app_per_minute: int | None = None
    # The status a rate-limited answer carries: 429 for most, 403 for MYOB.
    status: int = 429


@dataclass(frozen=True)
class ProviderFacts:
    name: str
    display_name: str
    authorize_url: str
    token_url: str
    revocation_url: str | None
    api_base_url: str
    scopes: tuple[str, ...]
    # How the token endpoint wants the client's credentials.
    token_auth: Literal["client_secret_basic", "client_secret_post"]
    access_token_lifetime: timedelta
    # A refresh token unused this long dies: refresh idle connections before then.
    refresh_token_idle_lifetime: timedelta | None
    # After a rotation the previous refresh token still works this long (lost answers).
    refresh_token_grace: timedelta | None
    batch_size: int
    idempotency: Literal["header", "query", "none"]
    idempotency_key_max_length: int | None
    idempotency_retention: timedelta | None
    income_account_on: Literal["line", "item"]
    optimistic_concurrency: bool
    max_page_size: int
    rate_limits: RateLimits
    lookups: tuple[LookupKind, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def urls_for(self, sandbox_url: str | None) -> ProviderFacts:
        """The same facts with every URL pointed at a sandbox, mechanically:
        `https://login.xero.com/x` -> `{sandbox}/xero/login/x`."""
        if not sandbox_url:
            return self

        def moved(url: str | None) -> str | None:
            return None if url is None else sandbox_address(url, self.name, sandbox_url)

        return replace(
            self,
            authorize_url=sandbox_address(self.authorize_url, self.name, sandbox_url),
            token_url=sandbox_address(self.token_url, self.name, sandbox_url),
            revocation_url=moved(self.revocation_url),
            api_base_url=sandbox_address(self.api_base_url, self.name, sandbox_url),
            extra={
                key: sandbox_address(value, self.name, sandbox_url)
                if isinstance(value, str) and value.startswith("https://")
                else value
                for key, value in self.extra.items()
            },
        )


def sandbox_address(url: str, provider: str, sandbox_url: str) -> str:
    """`https://api.xero.com/connections` -> `http://127.0.0.1:P/xero/api/connections`."""
    parts = urlsplit(url)
    label = (parts.hostname or "").split(".")[0]
    base = urlsplit(sandbox_url.rstrip("/"))
    path = f"{base.path}/{provider}/{label}{parts.path}"
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scope: str | None = None

    def expires_within(self, now: datetime, margin: timedelta) -> bool:
        return self.expires_at - margin <= now


@dataclass(frozen=True)
class Organisation:
    """An organisation (Xero tenant, QuickBooks realm, MYOB company file) a grant covers."""

    id: str
    name: str
    connection_id: str | None = None  # Xero: the id to DELETE /connections/{id}
    kind: str | None = None


@dataclass(frozen=True)
class LookupItem:
    code: str
    name: str
    kind: str | None = None
    status: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class ProviderAdapter(Protocol):
    """One accounting package. Wire formats stay inside the implementing package."""

    @property
    def facts(self) -> ProviderFacts: ...

    async def organisations(
        self, http: httpx.AsyncClient, token: TokenSet, callback_params: dict[str, str]
    ) -> list[Organisation]:
        """The organisations this grant covers (Xero lists them; others name one on the
        redirect)."""
        ...

    async def disconnect(
        self, http: httpx.AsyncClient, token: TokenSet, organisation: Organisation
    ) -> None:
        """Remove this app's access to the organisation on the provider's side."""
        ...

    async def lookups(
        self,
        http: httpx.AsyncClient,
        token: TokenSet,
        organisation_id: str,
        kind: LookupKind,
    ) -> list[LookupItem]: ...
