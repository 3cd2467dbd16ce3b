"""Which OAuth app credentials the service uses for each provider."""

from __future__ import annotations

from dataclasses import dataclass

from syncsvc.config import ProviderSettings

# The sandbox's built-in app: used when the service points at a sandbox and has no app of
# its own configured, so a demo needs no set-up.
SANDBOX_CLIENT = ("sandbox-client", "sandbox-secret")


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str


def credentials_for(provider: str, settings: ProviderSettings) -> AppCredentials | None:
    client_id = getattr(settings, f"{provider}_client_id", None)
    secret = getattr(settings, f"{provider}_client_secret", None)
    if client_id and secret is not None:
        return AppCredentials(client_id, secret.get_secret_value())
    if settings.sandbox_url:
        return AppCredentials(*SANDBOX_CLIENT)
    return None


def webhook_secret_for(provider: str, settings: ProviderSettings) -> str | None:
    """The key a provider signs its webhooks with (Xero's webhook key, QuickBooks' verifier
    token): `SYNCSVC_<PROVIDER>_WEBHOOK_KEY`."""
    secret = getattr(settings, f"{provider}_webhook_key", None)
    return secret.get_secret_value() if secret is not None else None
