"""Which adapter serves which provider name."""

from __future__ import annotations

from syncsvc.providers.base import ProviderAdapter
from syncsvc.providers.xero.adapter import XeroAdapter
from syncsvc.providers.xero.spec import XERO


def build_registry(sandbox_url: str | None) -> dict[str, ProviderAdapter]:
    """Adapters by name, every URL moved to the sandbox when one is configured."""
    return {"xero": XeroAdapter(XERO.urls_for(sandbox_url))}
