"""Everything the MYOB emulator remembers besides the books: apps (API keys), company files,
consents, codes and tokens, with MYOB's token rules (FACTS.md section 1) in one place:
20-minute access tokens, a refresh token that rotates on every use, `invalid_grant` else."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.myob.ledger import Ledger

ACCESS_LIFETIME = timedelta(minutes=20)
CODE_LIFETIME = timedelta(minutes=10)
DEFAULT_APP = ("sandbox-client", "sandbox-secret")

# The granular scopes of keys made after 12 March 2025 (FACTS.md 1.2); anything else is
# refused at authorize, as MYOB refuses it.
SCOPES = frozenset(
    {
        "sme-general-ledger",
        "sme-sales",
        "sme-timebilling",
        "sme-inventory",
        "sme-contacts-customer",
        "sme-contacts-supplier",
        "sme-contacts-personal",
        "sme-contacts-employee",
        "sme-banking",
        "sme-purchases",
        "sme-payroll",
        "sme-company-settings",
        "sme-company-file",
    }
)
LEGACY_SCOPES = frozenset({"CompanyFile", "la.global"})

# What UIAccessFlags and ProductLevel say of each product (FACTS.md 1.5: 1 online
# AccountRight, 2 new Essentials). ProductLevel codes are the sandbox's own.
PRODUCTS: dict[str, dict[str, Any]] = {
    "AccountRight": {"UIAccessFlags": 1, "ProductLevel": {"Code": 20, "Name": "Plus"}},
    "Essentials": {"UIAccessFlags": 2, "ProductLevel": {"Code": 10, "Name": "Essentials"}},
}


class InvalidGrant(Exception):
    """Answered as 400 {"error": "invalid_grant"}."""


@dataclass
class App:
    client_id: str  # the API key, sent as x-myobapi-key
    client_secret: str
    redirect_uris: list[str] | None = None  # None: any redirect (the default app)
    # A key made before 12 March 2025: the legacy scopes still work for it.
    legacy: bool = False


@dataclass
class CompanyFile:
    uid: str
    name: str
    product: str
    shard: str  # the host label its Uri names: ar1, ar2, ...
    ledger: Ledger
    serial_number: str

    def info(self, base: str) -> dict[str, Any]:
        """The company file as `GET /accountright/` lists it; `base` is the sandbox's URL."""
        return {
            "Id": self.uid,
            "Name": self.name,
            "LibraryPath": self.name,
            "ProductVersion": "2026.4",
            "ProductLevel": PRODUCTS[self.product]["ProductLevel"],
            "CheckedOutDate": None,
            "CheckedOutBy": None,
            "Uri": self.uri(base),
            "Country": "AU",
            "LauncherId": self.uid,
            "SerialNumber": self.serial_number,
            "UIAccessFlags": PRODUCTS[self.product]["UIAccessFlags"],
        }

    def uri(self, base: str) -> str:
        return f"{base}/myob/{self.shard}/accountright/{self.uid}"


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    business_id: str
    scopes: tuple[str, ...]
    expires_at: datetime
    used: bool = False


@dataclass
class Grant:
    """One consent: one app, one company file (consent is per ledger, FACTS.md 1.2)."""

    client_id: str
    business_id: str
    scopes: tuple[str, ...]
    access_token: str = ""
    access_expires_at: datetime | None = None
    refresh_token: str = ""


@dataclass
class TokenAnswer:
    grant: Grant

    def body(self) -> dict[str, Any]:
        return {
            "access_token": self.grant.access_token,
            "token_type": "bearer",
            # A string, as MYOB sends it (FACTS.md 1.1).
            "expires_in": str(int(ACCESS_LIFETIME.total_seconds())),
            "refresh_token": self.grant.refresh_token,
            "scope": " ".join(self.grant.scopes),
            "user": {
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, self.grant.client_id)),
                "username": "sandbox.admin@example.com",
            },
        }


class MyobStore:
    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        self.apps: dict[str, App] = {DEFAULT_APP[0]: App(*DEFAULT_APP)}
        self.company_files: dict[str, CompanyFile] = {}
        self.codes: dict[str, AuthCode] = {}
        self.grants: list[Grant] = []
        self.refreshes_served = 0
        self.refresh_refusals = 0
        default = self.add_company_file("Sandbox Plumbing Pty Ltd", "AccountRight")
        self.add_company_file("Sandbox Sparks (Essentials)", "Essentials")
        self.consent_business = default.uid

    def add_company_file(self, name: str, product: str, shard: str | None = None) -> CompanyFile:
        if product not in PRODUCTS:
            raise ValueError(f"unknown product {product!r}")
        uid = str(uuid.uuid4())
        company_file = CompanyFile(
            uid=uid,
            name=name,
            product=product,
            shard=shard or f"ar{len(self.company_files) % 3 + 1}",
            ledger=Ledger(self.clock),
            serial_number=f"{610000000000 + len(self.company_files) + 1}",
        )
        self.company_files[uid] = company_file
        return company_file

    def company_file(self, uid: str) -> CompanyFile | None:
        return self.company_files.get(uid.lower())

    # --- apps -----------------------------------------------------------------------------

    def authenticate(self, client_id: str | None, secret: str | None) -> App | None:
        app = self.apps.get(client_id or "")
        if app is None or not secrets.compare_digest(app.client_secret, secret or ""):
            return None
        return app

    @staticmethod
    def scopes_allowed(legacy: bool = False) -> frozenset[str]:
        return SCOPES | LEGACY_SCOPES if legacy else SCOPES

    def scopes_refused(self, app: App, scopes: list[str]) -> list[str]:
        allowed = self.scopes_allowed(app.legacy)
        return [scope for scope in scopes if scope not in allowed]

    # --- codes and tokens -----------------------------------------------------------------

    def issue_code(
        self, client_id: str, redirect_uri: str, business_id: str, scopes: tuple[str, ...]
    ) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            client_id, redirect_uri, business_id, scopes, self.clock() + CODE_LIFETIME
        )
        return code

    def exchange_code(self, app: App, code: str, redirect_uri: str | None) -> TokenAnswer:
        issued = self.codes.get(code)
        if issued is None or issued.used or issued.client_id != app.client_id:
            raise InvalidGrant("the authorization code is not valid")
        if self.clock() >= issued.expires_at:
            raise InvalidGrant("the authorization code has expired")
        if redirect_uri != issued.redirect_uri:
            raise InvalidGrant("redirect_uri does not match the authorization request")
        issued.used = True
        grant = Grant(app.client_id, issued.business_id, issued.scopes)
        self._rotate(grant)
        self.grants.append(grant)
        return TokenAnswer(grant)

    def refresh(self, app: App, refresh_token: str) -> TokenAnswer:
        for grant in self.grants:
            if grant.refresh_token and secrets.compare_digest(grant.refresh_token, refresh_token):
                if grant.client_id != app.client_id:
                    break
                self._rotate(grant)
                self.refreshes_served += 1
                return TokenAnswer(grant)
        self.refresh_refusals += 1
        raise InvalidGrant("the refresh token is not valid")

    def _rotate(self, grant: Grant) -> None:
        # Each refresh replaces both tokens: the old refresh token is dead from now on.
        grant.access_token = secrets.token_urlsafe(32)
        grant.refresh_token = secrets.token_urlsafe(32)
        grant.access_expires_at = self.clock() + ACCESS_LIFETIME

    def grant_for_access(self, token: str) -> Grant | None:
        if not token:
            return None
        for grant in self.grants:
            if grant.access_token and secrets.compare_digest(grant.access_token, token):
                assert grant.access_expires_at is not None
                return grant if self.clock() < grant.access_expires_at else None
        return None

    def revoke_grants(self) -> int:
        """The MYOB user removes the app's access to their businesses: every token of
        every consent stops working (a refresh answers invalid_grant)."""
        revoked = len(self.grants)
        self.grants = []
        return revoked

    def expire_access_tokens(self) -> int:
        """The control surface's way to make every access token stale at once."""
        for grant in self.grants:
            grant.access_expires_at = self.clock()
        return len(self.grants)
