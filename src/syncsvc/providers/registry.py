"""Which package serves which provider name: the one module outside the packages that
imports them."""

from __future__ import annotations

from syncsvc.providers.base import Package
from syncsvc.providers.quickbooks.package import QuickBooksPackage
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.xero.package import XeroPackage
from syncsvc.providers.xero.spec import XERO


def build_registry(sandbox_url: str | None) -> dict[str, Package]:
    """Packages by name, every URL moved to the sandbox when one is configured."""
    return {
        "xero": XeroPackage(XERO.urls_for(sandbox_url)),
        "quickbooks": QuickBooksPackage(QUICKBOOKS.urls_for(sandbox_url)),
    }
