"""Connecting a tenant to its accounting package: consent, callback, choosing the
organisation, disconnecting, and the lookups the host's settings screens need."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from syncsvc.connections.hub import (
    CachedLookup,
    ProviderHub,
    ProviderNotConfigured,
    UnknownProvider,
)
from syncsvc.connections.repository import ConnectionRepository, claim_oauth_state
from syncsvc.connections.schemas import (
    AuthorizeAnswer,
    CallbackAnswer,
    ConnectionView,
    LookupAnswer,
    LookupItemOut,
    OrganisationOut,
)
from syncsvc.connections.token_store import ActiveToken, NotConnected
from syncsvc.connections.tokens import seal, unseal
from syncsvc.models import Connection, OAuthState
from syncsvc.models.enums import ConnectionStatus
from syncsvc.problems import ProblemError
from syncsvc.providers.base import LookupItem, LookupKind, Organisation, ProviderFacts
from syncsvc.providers.errors import NeedsReauth, ProviderError

log = logging.getLogger(__name__)

CHOOSE_ORGANISATION = (
    "The consent covers several organisations: choose one with PUT /v1/connection/organisation."
)


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _provider_problem(provider: str, exc: Exception) -> ProblemError:
    if isinstance(exc, UnknownProvider):
        return ProblemError(
            422,
            "Unknown provider",
            f"'{provider}' is not a supported accounting package.",
            slug="unknown-provider",
        )
    return ProblemError(
        409,
        "Provider not configured",
        f"No OAuth app is configured for {provider}: set SYNCSVC_{provider.upper()}_CLIENT_ID "
        f"and SYNCSVC_{provider.upper()}_CLIENT_SECRET (or SYNCSVC_SANDBOX_URL).",
        slug="provider-not-configured",
    )


@dataclass(frozen=True)
class CallbackResult:
    answer: CallbackAnswer
    return_url: str | None


class ConnectionService:
    def __init__(self, session: AsyncSession, hub: ProviderHub) -> None:
        self.session = session
        self.hub = hub

    async def start(
        self, tenant_id: uuid.UUID, provider: str, return_url: str | None
    ) -> AuthorizeAnswer:
        try:
            oauth = self.hub.oauth_for(provider)
        except (UnknownProvider, ProviderNotConfigured) as exc:
            raise _provider_problem(provider, exc) from exc
        now = self.hub.clock()
        state = oauth.new_state()
        verifier = oauth.new_code_verifier()
        expires_at = now + timedelta(minutes=self.hub.settings.providers.oauth_state_minutes)
        await ConnectionRepository(self.session, tenant_id).add_state(
            OAuthState(
                state_hash=_state_hash(state),
                provider=provider,
                code_verifier_ciphertext=self.hub.tokens.cipher.encrypt(verifier.encode()),
                return_url=return_url,
                created_at=now,
                expires_at=expires_at,
            )
        )
        url = oauth.authorize_url(self.hub.redirect_uri(provider), state, verifier)
        return AuthorizeAnswer(authorize_url=url, expires_at=expires_at)

    async def complete(self, provider: str, callback: Mapping[str, str]) -> CallbackResult:
        """Finish a consent: exchange the code, find the organisations, keep the tokens.
        `callback`: every query parameter of the redirect (QuickBooks names the company in
        `realmId`, MYOB in `businessId`)."""
        code, state, error = callback.get("code"), callback.get("state"), callback.get("error")
        now = self.hub.clock()
        attempt = await claim_oauth_state(self.session, _state_hash(state or ""), provider, now)
        if attempt is None:
            raise ProblemError(
                400,
                "Unknown or expired consent",
                "This consent link is unknown, expired or already used; start again from "
                "GET /v1/connection/authorize.",
                slug="oauth-state",
            )
        if error or not code:
            raise ProblemError(
                400,
                "Consent not given",
                f"The accounting package answered: {error or 'no authorisation code'}.",
                slug="oauth-denied",
                extra={"return_url": attempt.return_url},
            )
        try:
            oauth = self.hub.oauth_for(provider)
        except (UnknownProvider, ProviderNotConfigured) as exc:
            raise _provider_problem(provider, exc) from exc
        verifier = self.hub.tokens.cipher.decrypt(attempt.code_verifier_ciphertext).decode()
        try:
            token = await oauth.exchange_code(code, verifier, self.hub.redirect_uri(provider), now)
            organisations = await self.hub.adapter(provider).organisations(
                self.hub.http, token, callback
            )
        except ProviderError as exc:
            raise ProblemError(
                502,
                "Connection failed",
                f"{self.hub.adapter(provider).facts.display_name} refused: {exc.message}",
                slug="oauth-exchange",
            ) from exc
        if not organisations:
            raise ProblemError(
                409,
                "No organisation",
                "The consent covers no organisation; choose one on the consent page.",
                slug="no-organisation",
            )

        repository = ConnectionRepository(self.session, attempt.tenant_id)
        connection = await repository.current(for_update=True)
        if connection is None:
            connection = await repository.add(
                Connection(provider=provider, status="", created_at=now, updated_at=now)
            )
        connection.provider = provider
        connection.token_ciphertext = seal(self.hub.tokens.cipher, token)
        connection.access_expires_at = token.expires_at
        connection.refreshed_at = now
        connection.updated_at = now
        connection.status_reason = None
        connection.paused_until = None
        if len(organisations) == 1:
            _link(connection, organisations[0])
        else:
            # Never pick one silently: the host shows the list and the user chooses.
            connection.status = ConnectionStatus.CHOOSING_ORGANISATION.value
            connection.organisation_id = None
            connection.organisation_name = None
            connection.organisation_details = None
            connection.organisations_offered = [
                {"id": o.id, "name": o.name, "details": dict(o.details)} for o in organisations
            ]
        self.hub.forget_lookups(str(attempt.tenant_id))
        await self.session.flush()
        log.info(
            "connected",
            extra={
                "tenant_id": str(attempt.tenant_id),
                "provider": provider,
                "status": connection.status,
            },
        )
        view = view_of(connection)
        answer = CallbackAnswer(
            status=view.status,
            provider=provider,
            organisation=view.organisation,
            organisations_to_choose=view.organisations_to_choose,
            detail="Connected." if view.organisation else CHOOSE_ORGANISATION,
        )
        return CallbackResult(answer, attempt.return_url)

    async def view(self, tenant_id: uuid.UUID) -> ConnectionView:
        connection = await ConnectionRepository(self.session, tenant_id).current()
        return view_of(connection)

    async def choose(self, tenant_id: uuid.UUID, organisation_id: str) -> ConnectionView:
        connection = await ConnectionRepository(self.session, tenant_id).current(for_update=True)
        if connection is None or connection.token_ciphertext is None:
            raise ProblemError(
                409, "Not connected", "Connect an accounting package first.", slug="not-connected"
            )
        offered = {o["id"]: o for o in connection.organisations_offered or []}
        if organisation_id not in offered:
            raise ProblemError(
                422,
                "Unknown organisation",
                "Choose one of the organisations the consent covers.",
                slug="validation",
                extra={"choices": sorted(offered)},
            )
        choice = offered[organisation_id]
        _link(connection, Organisation(choice["id"], choice["name"], choice.get("details") or {}))
        connection.updated_at = self.hub.clock()
        await self.session.flush()
        return view_of(connection)

    async def disconnect(self, tenant_id: uuid.UUID) -> None:
        """Remove the app's access on the provider's side (best effort) and forget tokens."""
        repository = ConnectionRepository(self.session, tenant_id)
        connection = await repository.current(for_update=True)
        if connection is None:
            raise ProblemError(
                404, "Not found", "No accounting package is connected.", slug="not-connected"
            )
        if connection.token_ciphertext is not None:
            token = unseal(self.hub.tokens.cipher, connection.token_ciphertext)
            adapter = self.hub.adapter(connection.provider)
            try:
                if connection.organisation_id:
                    await adapter.disconnect(
                        self.hub.http,
                        token,
                        organisation_of(connection),
                    )
                if token.refresh_token:
                    await self.hub.oauth_for(connection.provider).revoke(token.refresh_token)
            except (ProviderError, ProviderNotConfigured) as exc:
                # The tokens are dropped either way; the grant dies unused at the provider.
                log.warning(
                    "could not revoke at the provider",
                    extra={"tenant_id": str(tenant_id), "error": type(exc).__name__},
                )
        self.hub.forget_lookups(str(tenant_id))
        await repository.delete(connection)

    async def _active(self, tenant_id: uuid.UUID) -> ActiveToken:
        try:
            return await self.hub.tokens.active(tenant_id)
        except NotConnected as exc:
            raise ProblemError(409, "Not connected", str(exc), slug="not-connected") from exc
        except NeedsReauth as exc:
            raise ProblemError(
                409, "Connection needs re-authorisation", exc.message, slug="needs-reauth"
            ) from exc

    async def connected_facts(self, tenant_id: uuid.UUID) -> ProviderFacts:
        """The connected package's facts (409 when not connected)."""
        return self.hub.adapter((await self._active(tenant_id)).provider).facts

    async def _cached(self, tenant_id: uuid.UUID, kind: LookupKind) -> tuple[str, CachedLookup]:
        active = await self._active(tenant_id)
        facts = self.hub.adapter(active.provider).facts
        if kind not in facts.lookups:
            raise ProblemError(
                404,
                "Not found",
                f"{facts.display_name} has no {kind.value}.",
                slug="lookup-not-available",
            )
        try:
            return active.provider, await self.hub.lookup(tenant_id, active, kind)
        except ProviderError as exc:
            raise ProblemError(
                502, "Accounting package error", exc.message, slug="provider-error"
            ) from exc

    async def lookup_items(self, tenant_id: uuid.UUID, kind: LookupKind) -> list[LookupItem]:
        """The connected organisation's lookups of `kind`, canonical, from the cache."""
        return (await self._cached(tenant_id, kind))[1].items

    async def lookups(self, tenant_id: uuid.UUID, kind: LookupKind) -> LookupAnswer:
        provider, cached = await self._cached(tenant_id, kind)
        return LookupAnswer(
            provider=provider,
            kind=kind.value,
            fetched_at=cached.fetched_at,
            items=[
                LookupItemOut(
                    code=i.code, name=i.name, kind=i.kind, status=i.status, details=i.details
                )
                for i in cached.items
            ],
        )


def _link(connection: Connection, organisation: Organisation) -> None:
    connection.status = ConnectionStatus.ACTIVE.value
    connection.organisation_id = organisation.id
    connection.organisation_name = organisation.name
    connection.organisation_details = dict(organisation.details)
    connection.organisations_offered = None


def organisation_of(connection: Connection) -> Organisation:
    assert connection.organisation_id is not None
    return Organisation(
        connection.organisation_id,
        connection.organisation_name or "",
        dict(connection.organisation_details or {}),
    )


def view_of(connection: Connection | None) -> ConnectionView:
    if connection is None:
        return ConnectionView(provider=None, status="not_connected")
    organisation = (
        OrganisationOut(id=connection.organisation_id, name=connection.organisation_name or "")
        if connection.organisation_id
        else None
    )
    return ConnectionView(
        provider=connection.provider,
        status=connection.status,
        status_reason=connection.status_reason,
        organisation=organisation,
        organisations_to_choose=[
            OrganisationOut(id=o["id"], name=o["name"])
            for o in connection.organisations_offered or []
        ],
        access_expires_at=connection.access_expires_at,
        refreshed_at=connection.refreshed_at,
        paused_until=connection.paused_until,
        connected_at=connection.created_at,
    )
