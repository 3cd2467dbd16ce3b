"""Everything the Xero emulator remembers: apps, organisations, grants, codes and tokens,
with Xero's token rules (FACTS.md section 1) enforced in one place."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.xero.chart import ACCOUNTS, TAX_RATES, account_class, tracking_categories
from syncsvc.sandbox.xero.documents import Books

ACCESS_LIFETIME = timedelta(minutes=30)
REFRESH_IDLE_LIFETIME = timedelta(days=60)
REFRESH_GRACE = timedelta(minutes=30)
CODE_LIFETIME = timedelta(minutes=5)

DEFAULT_CLIENT = ("sandbox-client", "sandbox-secret")


class InvalidGrant(Exception):
    """Answered as 400 {"error": "invalid_grant"}."""


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str] | None = None  # None: any redirect is allowed (the default app)


@dataclass
class Organisation:
    tenant_id: str
    name: str
    created_at: datetime
    accounts: list[dict[str, Any]] = field(default_factory=list)
    tax_rates: list[dict[str, Any]] = field(default_factory=list)
    tracking_categories: list[dict[str, Any]] = field(default_factory=list)
    period_lock_date: str | None = None
    base_currency: str = "NZD"
    books: Books | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    idempotency: dict[str, tuple[str, int, Any, datetime]] = field(default_factory=dict)

    @property
    def lock_date(self) -> date | None:
        return date.fromisoformat(self.period_lock_date) if self.period_lock_date else None

    @property
    def documents(self) -> Books:
        assert self.books is not None
        return self.books


@dataclass
class Grant:
    grant_id: str
    client_id: str
    auth_event_id: str
    created_at: datetime
    # tenant id -> connection id (what DELETE /connections/{id} takes)
    connections: dict[str, str] = field(default_factory=dict)
    revoked: bool = False


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    grant_id: str
    code_challenge: str | None
    expires_at: datetime
    used: bool = False


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str
    grant_id: str
    issued_at: datetime
    scope: str

    def answer(self, now: datetime) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "token_type": "Bearer",
            "scope": self.scope,
        }


@dataclass
class RefreshState:
    token_set: TokenSet
    last_used_at: datetime
    rotated_at: datetime | None = None
    successor: TokenSet | None = None


class XeroStore:
    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self.clients: dict[str, Client] = {}
        self.organisations: dict[str, Organisation] = {}
        self.grants: dict[str, Grant] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshState] = {}
        self.access_tokens: dict[str, TokenSet] = {}
        self.consent_organisations: list[str] = []
        self.reset()

    def reset(self) -> None:
        self.clients = {DEFAULT_CLIENT[0]: Client(*DEFAULT_CLIENT)}
        self.organisations = {}
        self.grants = {}
        self.codes = {}
        self.refresh_tokens = {}
        self.access_tokens = {}
        self.refreshes_served = 0  # rotations made
        self.refresh_requests = 0  # refresh calls answered, grace-period replays included
        default = self.add_organisation("Demo Company (NZ)")
        self.consent_organisations = [default.tenant_id]

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    def add_organisation(self, name: str) -> Organisation:
        now = self.clock()
        organisation = Organisation(tenant_id=self.new_id(), name=name, created_at=now)
        organisation.accounts = [
            {
                "AccountID": self.new_id(),
                "Code": code,
                "Name": account_name,
                "Type": account_type,
                "TaxType": tax_type,
                "Status": status,
                "Class": account_class(account_type),
                "EnablePaymentsToAccount": payments,
                "BankAccountNumber": "0102030405060708" if account_type == "BANK" else None,
                "UpdatedDateUTC": now,
            }
            for code, account_name, account_type, tax_type, status, payments in ACCOUNTS
        ]
        organisation.tax_rates = [
            {
                "TaxType": tax_type,
                "Name": rate_name,
                "Status": "ACTIVE",
                "EffectiveRate": rate,
                "DisplayTaxRate": rate,
                "CanApplyToRevenue": revenue,
                "CanApplyToExpenses": expenses,
                "TaxComponents": [{"Name": "GST", "Rate": rate, "IsCompound": False}],
            }
            for tax_type, rate_name, rate, revenue, expenses in TAX_RATES
        ]
        organisation.tracking_categories = tracking_categories(self.new_id)
        organisation.items = [
            {
                "ItemID": self.new_id(),
                "Code": "CALLOUT",
                "Name": "Call-out fee",
                "SalesDetails": {"UnitPrice": Decimal("95.00"), "AccountCode": "200"},
            },
            {
                "ItemID": self.new_id(),
                "Code": "VALVE",
                "Name": "Ball valve 15mm",
                "SalesDetails": {"UnitPrice": Decimal("42.50"), "AccountCode": "200"},
            },
        ]
        organisation.books = Books(
            new_id=self.new_id,
            now=self.clock,
            accounts=organisation.accounts,
            tax_rates=organisation.tax_rates,
            tracking=organisation.tracking_categories,
            lock_date=lambda: organisation.lock_date,
        )
        self.organisations[organisation.tenant_id] = organisation
        return organisation

    # --- clients -------------------------------------------------------------------------

    def authenticate_client(self, client_id: str | None, secret: str | None) -> Client | None:
        client = self.clients.get(client_id or "")
        if client is None or not secrets.compare_digest(client.client_secret, secret or ""):
            return None
        return client

    # --- authorisation codes ---------------------------------------------------------------

    def issue_code(
        self,
        client_id: str,
        redirect_uri: str,
        tenant_ids: list[str],
        code_challenge: str | None,
    ) -> str:
        now = self.clock()
        grant = Grant(self.new_id(), client_id, self.new_id(), now)
        grant.connections = {tenant_id: self.new_id() for tenant_id in tenant_ids}
        self.grants[grant.grant_id] = grant
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            client_id, redirect_uri, grant.grant_id, code_challenge, now + CODE_LIFETIME
        )
        return code

    def exchange_code(
        self, client: Client, code: str, redirect_uri: str | None, verifier: str | None
    ) -> TokenSet:
        issued = self.codes.get(code)
        if (
            issued is None
            or issued.used
            or issued.client_id != client.client_id
            or issued.expires_at <= self.clock()
            or (redirect_uri is not None and redirect_uri != issued.redirect_uri)
        ):
            raise InvalidGrant("the authorisation code is unknown, used or expired")
        if issued.code_challenge is not None and (
            not verifier or pkce_challenge(verifier) != issued.code_challenge
        ):
            raise InvalidGrant("the code verifier does not match the challenge")
        issued.used = True
        return self._issue(issued.grant_id)

    # --- tokens ------------------------------------------------------------------------------

    def _issue(self, grant_id: str) -> TokenSet:
        now = self.clock()
        token_set = TokenSet(
            access_token=secrets.token_urlsafe(32),
            refresh_token=secrets.token_urlsafe(32),
            grant_id=grant_id,
            issued_at=now,
            scope="openid profile email offline_access accounting.contacts "
            "accounting.invoices accounting.payments accounting.settings",
        )
        self.access_tokens[token_set.access_token] = token_set
        self.refresh_tokens[token_set.refresh_token] = RefreshState(token_set, now)
        return token_set

    def refresh(self, client: Client, refresh_token: str) -> TokenSet:
        """Rotate. The previous token keeps answering with the same new set for the grace
        period (so a lost answer can be recovered); then, or after 60 idle days, it is dead."""
        now = self.clock()
        self.refresh_requests += 1
        state = self.refresh_tokens.get(refresh_token)
        if state is None:
            raise InvalidGrant("unknown refresh token")
        grant = self.grants.get(state.token_set.grant_id)
        if grant is None or grant.revoked or grant.client_id != client.client_id:
            raise InvalidGrant("the grant was revoked")
        if state.rotated_at is not None:
            if now - state.rotated_at <= REFRESH_GRACE and state.successor is not None:
                return state.successor
            raise InvalidGrant("the refresh token was already used")
        if now - state.last_used_at > REFRESH_IDLE_LIFETIME:
            raise InvalidGrant("the refresh token expired unused")
        successor = self._issue(state.token_set.grant_id)
        state.rotated_at = now
        state.successor = successor
        self.refreshes_served += 1
        return successor

    def revoke(self, client: Client, refresh_token: str) -> None:
        state = self.refresh_tokens.get(refresh_token)
        if state is None:
            return
        grant = self.grants.get(state.token_set.grant_id)
        if grant is not None and grant.client_id == client.client_id:
            grant.revoked = True
            grant.connections.clear()

    def grant_for_access(self, access_token: str) -> tuple[Grant | None, str]:
        """The grant behind a bearer token, or None and Xero's reason."""
        token_set = self.access_tokens.get(access_token)
        if token_set is None:
            return None, "AuthenticationUnsuccessful"
        if self.clock() - token_set.issued_at >= ACCESS_LIFETIME:
            return None, "TokenExpired: token expired"
        grant = self.grants.get(token_set.grant_id)
        if grant is None or grant.revoked:
            return None, "AuthenticationUnsuccessful"
        return grant, ""


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
