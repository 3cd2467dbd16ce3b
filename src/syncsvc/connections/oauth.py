"""The OAuth2 client side with authlib: authorize URLs with PKCE, code exchange, refresh,
revocation. authlib's and httpx's failures become the provider error classes here."""

from __future__ import annotations

import secrets
import warnings
from datetime import datetime
from typing import Any

import authlib.deprecate  # noqa: F401 - installs authlib's own filter, which ours must follow
import httpx

with warnings.catch_warnings():
    # authlib 1.9 announces a future move of its httpx integration; nothing to act on yet.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

from syncsvc.connections.tokens import from_token_response
from syncsvc.providers.base import ProviderFacts, TokenSet
from syncsvc.providers.errors import NeedsReauth, ProviderError, Rejected, Transient


class OAuthClient:
    """One provider app's credentials against one provider's endpoints."""

    def __init__(
        self,
        facts: ProviderFacts,
        client_id: str,
        client_secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.facts = facts
        self.client_id = client_id
        self.client_secret = client_secret
        self.transport = transport
        self.timeout = timeout

    def _client(self, redirect_uri: str | None = None) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_endpoint_auth_method=self.facts.token_auth,
            revocation_endpoint_auth_method=self.facts.token_auth,
            scope=" ".join(self.facts.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            transport=self.transport,
            timeout=self.timeout,
        )

    @staticmethod
    def new_state() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def new_code_verifier() -> str:
        return secrets.token_urlsafe(64)[:96]

    def authorize_url(self, redirect_uri: str, state: str, code_verifier: str) -> str:
        client = self._client(redirect_uri)
        url, _ = client.create_authorization_url(
            self.facts.authorize_url,
            state=state,
            code_verifier=code_verifier,
            **dict(self.facts.authorize_params),
        )
        return str(url)

    async def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: str, now: datetime
    ) -> TokenSet:
        async with self._client(redirect_uri) as client:
            answer = await _guarded(
                client.fetch_token(
                    self.facts.token_url,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
            )
        return from_token_response(answer, now)

    async def refresh(self, refresh_token: str, now: datetime) -> TokenSet:
        async with self._client() as client:
            answer = await _guarded(
                client.refresh_token(self.facts.token_url, refresh_token=refresh_token)
            )
        token = from_token_response(answer, now)
        if token.refresh_token is None:  # some providers keep the old one: carry it on
            token = TokenSet(token.access_token, refresh_token, token.expires_at, token.scope)
        return token

    async def revoke(self, refresh_token: str) -> None:
        if self.facts.revocation_url is None:
            return
        async with self._client() as client:
            try:
                await client.revoke_token(
                    self.facts.revocation_url,
                    token=refresh_token,
                    token_type_hint="refresh_token",  # noqa: S106 - a hint name
                )
            except (httpx.HTTPError, OAuthError) as exc:
                raise Transient(f"revocation failed: {type(exc).__name__}") from exc


async def _guarded(call: Any) -> dict[str, Any]:
    """Await a token request; invalid_grant means only the user can fix it."""
    try:
        answer: dict[str, Any] = dict(await call)
    except OAuthError as exc:
        error = str(getattr(exc, "error", "") or "")
        description = str(getattr(exc, "description", "") or "")
        message = f"{error}: {description}".strip(": ")
        if error in {"invalid_grant", "unauthorized_client", "invalid_client"}:
            raise NeedsReauth(message) from exc
        raise Rejected(message or "the token endpoint refused the request") from exc
    except httpx.TimeoutException as exc:
        raise Transient("the token endpoint did not answer in time", uncertain=True) from exc
    except httpx.HTTPError as exc:
        raise Transient(f"the token endpoint failed: {type(exc).__name__}", uncertain=True) from exc
    except ValueError as exc:  # not JSON: a proxy's or server's error page
        raise Transient("the token endpoint gave an unreadable answer", uncertain=True) from exc
    if "access_token" not in answer:
        raise ProviderError("the token endpoint answered without an access token")
    return answer
