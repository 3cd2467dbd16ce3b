"""The provider protocol and the facts that tell the engines how each package behaves.

Facts are data (`spec.py` in each provider package): URLs, scopes, token lifetimes, batch
sizes, how idempotency works, where income accounts live, how rate limits are signalled. The
engines read them instead of branching on the provider's name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from syncsvc.models.enums import RecordKind
from syncsvc.providers.documents import Document, Link, Remote
from syncsvc.providers.errors import Misconfigured, RecordError

if TYPE_CHECKING:
    from syncsvc.providers.pacing import RateBudget


class LookupKind(StrEnum):
    ACCOUNTS = "accounts"
    TAX_RATES = "tax-rates"
    TRACKING_CATEGORIES = "tracking-categories"
    PAYMENT_METHODS = "payment-methods"
    CUSTOM_FIELDS = "custom-fields"  # fields a person defined for sales forms


class Posting(StrEnum):
    """What a settings field uses a lookup for, judged on the lookup's canonical fields."""

    INCOME = "income"  # accounts: revenue lines of invoices and credit notes
    DEPOSIT = "deposit"  # accounts: where payments land (a bank account or one taking payments)
    EXPENSE = "expense"
    SALES = "sales"  # tax codes: one a sales line can carry (it has a sales rate)
    TAX_FREE = "tax-free"  # tax codes: a sales rate of zero
    PURCHASES = "purchases"  # tax codes: one a cost line can carry (it has a purchase rate)
    PURCHASES_TAX_FREE = "purchases-tax-free"  # tax codes: a purchase rate of zero
    ANY = "any"  # anything active


@dataclass(frozen=True)
class SettingLookup:
    """A settings field whose value names one of the package's lookups: checked against them
    before the settings are kept (422 naming `path` joined by dots)."""

    path: tuple[str, ...]  # ("quickbooks", "sales_tax_code"), ("default_payment_method",)
    kind: LookupKind
    posting: Posting = Posting.ANY
    by: Literal["code", "name"] = "code"  # which of the item's fields the value names


@dataclass(frozen=True)
class RateLimits:
    """Published limits, read by pacing only."""

    per_minute: int | None = None
    per_second: int | None = None
    concurrent: int | None = None
    per_day: int | None = None
    app_per_minute: int | None = None
    batch_per_minute: int | None = None  # QuickBooks: calls to /batch, a minute
    # Whose budget it is: each organisation's, or the whole app's (MYOB: the API key).
    shared_by: Literal["organisation", "app"] = "organisation"
    # Answer headers that say how much of the budget is left (Xero names them).
    minute_remaining_header: str | None = None
    day_remaining_header: str | None = None


# What every package takes: the sales side.
SALES_KINDS = frozenset(
    {RecordKind.CUSTOMER, RecordKind.INVOICE, RecordKind.CREDIT_NOTE, RecordKind.PAYMENT}
)


@dataclass(frozen=True)
class Capabilities:
    """The only provider differences an engine may act on; read as data, never by name."""

    batch_size: int  # records per push call
    payments_editable: bool  # False: a changed payment is removed, then entered anew
    draft_documents: bool  # False: a "draft" setting is refused, no approval waits
    sees_deletions: bool  # a changes read reports deletions; False: sweep by ids
    webhooks: bool  # the package notifies changes; False: the schedule is the only trigger
    income_account_on: Literal["line", "item"]  # item: an Item per income account
    # The kinds of record the package writes; the rest wait, blocked, with why.
    writes: frozenset[RecordKind] = SALES_KINDS


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
    capabilities: Capabilities
    # The settings block and mapping whose values are this package's tax codes.
    tax_code_setting: tuple[str, str] | None
    idempotency: Literal["header", "query", "none"]
    idempotency_key_max_length: int | None
    idempotency_retention: timedelta | None
    optimistic_concurrency: bool
    max_page_size: int
    rate_limits: RateLimits
    lookups: tuple[LookupKind, ...]
    # Sent with the authorize request besides OAuth's own (MYOB: prompt=consent).
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    # The settings fields naming the package's lookups, beside the account fields every
    # package has and the tax-code mapping (`tax_code_setting`).
    setting_lookups: tuple[SettingLookup, ...] = ()
    # The fields of the `tax_code_setting` block holding the code for a line whose host code
    # is not mapped (taxed) and for a line without a host code (tax-free).
    tax_code_defaults: tuple[str, str] | None = None
    # The same for cost lines (supplier invoices, expenses): the block's purchases codes.
    # None, or a field left unset: a cost line without a mapped code takes the account's.
    purchase_tax_code_defaults: tuple[str, str] | None = None
    # The package's own settings block, handed to it whole when its books are opened to push.
    settings_block: str | None = None
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
    # What the package needs to reach it again (Xero: the connection id to delete; MYOB:
    # the company file's URI and product), kept on the connection.
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LookupItem:
    """An account, tax rate, tracking category or payment method. Engines read the typed
    fields; `kind`, `status` and `details` are shown to the host as the package says them."""

    code: str
    name: str
    kind: str | None = None
    status: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    active: bool = True
    account_type: Literal["income", "expense", "bank", "other"] | None = None
    takes_payments: bool = False  # accounts: payments may be recorded against it
    rate: Decimal | None = None  # tax codes: percent on sales; None: sales cannot carry it
    purchase_rate: Decimal | None = None  # tax codes: percent on costs; None: costs cannot
    default_tax_code: str | None = None  # accounts: what a line without one is taxed at


@dataclass(frozen=True)
class PushItem:
    kind: RecordKind
    host_id: str
    document: Document
    link: Link  # link.key: always set; link.id: the copy to update or remove
    remove: bool = False  # void / delete / archive: whichever the package does, for its state
    idempotency_key: str = ""  # stable per (host id, content)


@dataclass(frozen=True)
class PushResult:
    host_id: str
    link: Link | None  # the copy as written (or removed); None: nothing written
    error: RecordError | Misconfigured | None = None  # this record only; the rest go on


@dataclass(frozen=True)
class ChangedSince:
    since: datetime


@dataclass(frozen=True)
class Dated:
    first: date
    last: date


@dataclass(frozen=True)
class ByIds:
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Everything:
    active_only: bool = True


Query = ChangedSince | Dated | ByIds | Everything
CachedLookups = Callable[[LookupKind], Awaitable[list[LookupItem]]]


class Books(Protocol):
    """One organisation's books with a valid token. Wire formats never leave the package."""

    @property
    def capabilities(self) -> Capabilities: ...

    def key_for(self, kind: RecordKind, host_id: str, document: Document) -> str:
        """Pure: the key the package finds the record by, within its length limits."""
        ...

    async def push(self, kind: RecordKind, items: Sequence[PushItem]) -> list[PushResult]:
        """Write at most `batch_size` records of one kind: one result per item, in order.
        A failure of the whole call raises Transient(uncertain=...), RateLimited or
        NeedsReauth; a stale version is re-read inside before it answers Conflict."""
        ...

    async def find(self, kind: RecordKind, keys: Sequence[str]) -> dict[str, Remote[Any]]:
        """The copies held under these keys (deleted ones are not found)."""
        ...

    def scan(self, kind: RecordKind, query: Query) -> AsyncIterator[list[Remote[Any]]]:
        """Pages of copies. ChangedSince: oldest change first. ByIds: a missing id is gone."""
        ...

    async def lookups(self, kind: LookupKind) -> list[LookupItem]:
        """The organisation's lookups, read now (callers cache them)."""
        ...


@dataclass(frozen=True)
class ProviderSession:
    http: httpx.AsyncClient
    token: TokenSet
    organisation: Organisation
    budget: RateBudget | None = None
    cached_lookups: CachedLookups | None = None  # the service's cache, for what pushes need
    # The tenant's settings block for this package (`facts.settings_block`), as a mapping the
    # engine does not read; empty where nothing is pushed.
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """One webhook event: which organisation to poll, and for what."""

    organisation_id: str
    kinds: frozenset[RecordKind]
    event_key: str  # dedupe: the package's event id, or a hash of its fields
    category: str = ""
    resource_id: str = ""


class Package(Protocol):
    """One accounting package. Wire formats stay inside the implementing package."""

    @property
    def facts(self) -> ProviderFacts: ...

    async def organisations(
        self, http: httpx.AsyncClient, token: TokenSet, callback: Mapping[str, str]
    ) -> list[Organisation]:
        """The organisations this grant covers (Xero lists them; others name one on the
        redirect, among `callback`'s query parameters)."""
        ...

    async def disconnect(
        self, http: httpx.AsyncClient, token: TokenSet, organisation: Organisation
    ) -> None:
        """Remove this app's access to the organisation on the provider's side."""
        ...

    def open(self, session: ProviderSession) -> Books: ...

    def webhook(
        self, headers: Mapping[str, str], body: bytes, secret: str
    ) -> list[Notification] | None:
        """None: not signed by the package (answer 401). Else what to poll."""
        ...
