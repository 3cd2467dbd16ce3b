"""Everything the QuickBooks emulator remembers beyond the books: apps, companies (realms),
consents, codes and tokens, with Intuit's token rules (FACTS.md section 1) in one place:
one-hour access tokens; a refresh token whose value changes once a day (inside the day a
refresh answers the same value), that dies 100 days unused, and whose predecessor fails
`invalid_grant` once replaced; a code used twice revokes what it gave."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.quickbooks.company import Company

ACCESS_LIFETIME = timedelta(hours=1)
REFRESH_IDLE_LIFETIME = timedelta(days=100)
# The refresh token's value changes when it is used a day or more after it was issued.
REFRESH_ROTATION = timedelta(hours=24)
CODE_LIFETIME = timedelta(minutes=5)
SCOPES = (
    "com.intuit.quickbooks.accounting",
    "com.intuit.quickbooks.payment",
    "openid",
    "profile",
    "email",
    "phone",
    "address",
)
DEFAULT_CLIENT = ("sandbox-client", "sandbox-secret")


class InvalidGrant(Exception):
    """Answered as 400 {"error": "invalid_grant"}."""


@dataclass
class App:
    client_id: str
    client_secret: str
    redirect_uris: list[str] | None = None  # None: any redirect is allowed (the default app)
    # The webhook verifier token: the key of `intuit-signature` (not the client secret).
    verifier_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))


@dataclass
class Grant:
    """One consent: an app connected to one company."""

    client_id: str
    realm_id: str
    scope: str  # space-separated, as consented

    @property
    def accounting(self) -> bool:
        return "com.intuit.quickbooks.accounting" in self.scope.split()

    revoked: bool = False


@dataclass
class AuthCode:
    grant: Grant
    redirect_uri: str
    expires_at: datetime
    used: bool = False


@dataclass
class RefreshToken:
    grant: Grant
    issued_at: datetime
    last_used_at: datetime
    replaced: bool = False


@dataclass
class AccessToken:
    grant: Grant
    issued_at: datetime


class QuickBooksStore:
    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        self.apps: dict[str, App] = {DEFAULT_CLIENT[0]: App(*DEFAULT_CLIENT)}
        self.companies: dict[str, Company] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refreshes_served = 0
        self.add_company("Sandbox Company AU")

    def add_company(self, name: str) -> Company:
        realm_id = str(9341450000000000 + len(self.companies) + 1)
        company = Company(realm_id=realm_id, name=name, clock=self.clock)
        self.companies[realm_id] = company
        return company

    @property
    def default_realm(self) -> str:
        return next(iter(self.companies))

    # --- apps -------------------------------------------------------------------------------

    def authenticate(self, client_id: str | None, secret: str | None) -> App | None:
        app = self.apps.get(client_id or "")
        if app is None or not secrets.compare_digest(app.client_secret, secret or ""):
            return None
        return app

    # --- codes and tokens -------------------------------------------------------------------

    def issue_code(self, client_id: str, realm_id: str, redirect_uri: str, scope: str) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            Grant(client_id, realm_id, scope), redirect_uri, self.clock() + CODE_LIFETIME
        )
        return code

    def exchange_code(self, app: App, code: str, redirect_uri: str | None) -> dict[str, Any]:
        issued = self.codes.get(code)
        if issued is None or issued.grant.client_id != app.client_id:
            raise InvalidGrant("the authorization code is unknown")
        if issued.used:
            # A code presented twice invalidates the tokens it gave (FACTS.md section 1).
            issued.grant.revoked = True
            raise InvalidGrant("the authorization code was already used")
        if issued.expires_at <= self.clock():
            raise InvalidGrant("the authorization code expired")
        if redirect_uri != issued.redirect_uri:
            raise InvalidGrant("redirect_uri does not match the authorization request")
        issued.used = True
        refresh = self._new_refresh(issued.grant)
        return self._answer(issued.grant, refresh)

    def _new_refresh(self, grant: Grant) -> str:
        now = self.clock()
        value = "RT1-" + secrets.token_urlsafe(32)
        self.refresh_tokens[value] = RefreshToken(grant, now, now)
        return value

    def _answer(self, grant: Grant, refresh_value: str) -> dict[str, Any]:
        now = self.clock()
        access = "eyJ" + secrets.token_urlsafe(48)
        self.access_tokens[access] = AccessToken(grant, now)
        refresh = self.refresh_tokens[refresh_value]
        left = refresh.last_used_at + REFRESH_IDLE_LIFETIME - now
        return {
            "access_token": access,
            "refresh_token": refresh_value,
            "token_type": "bearer",
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "x_refresh_token_expires_in": int(left.total_seconds()),
        }

    def refresh(self, app: App, value: str) -> dict[str, Any]:
        now = self.clock()
        token = self.refresh_tokens.get(value)
        if token is None or token.grant.client_id != app.client_id:
            raise InvalidGrant("Refresh token not found")
        if token.grant.revoked:
            raise InvalidGrant("the connection was revoked")
        if token.replaced:
            raise InvalidGrant("the refresh token was replaced by a newer one")
        if now - token.last_used_at > REFRESH_IDLE_LIFETIME:
            raise InvalidGrant("the refresh token expired unused")
        self.refreshes_served += 1
        if now - token.issued_at < REFRESH_ROTATION:
            token.last_used_at = now
            return self._answer(token.grant, value)
        token.replaced = True
        return self._answer(token.grant, self._new_refresh(token.grant))

    def revoke(self, app: App, value: str) -> bool:
        """Revoking a refresh or access token disconnects the app from the company."""
        token = self.refresh_tokens.get(value) or self.access_tokens.get(value)
        if token is None or token.grant.client_id != app.client_id:
            return False
        token.grant.revoked = True
        return True

    def grant_for_access(self, value: str) -> tuple[Grant | None, str]:
        token = self.access_tokens.get(value)
        if token is None:
            return None, "Token invalid"
        if self.clock() - token.issued_at >= ACCESS_LIFETIME:
            return None, "Token expired"
        if token.grant.revoked:
            return None, "Token revoked"
        return token.grant, ""
