"""Which package serves which provider name: the one module outside the packages that
imports them."""

from __future__ import annotations

from collections.abc import Callable

from syncsvc.providers.base import Package
from syncsvc.providers.myob.package import MyobPackage
from syncsvc.providers.myob.spec import MYOB
from syncsvc.providers.quickbooks.package import QuickBooksPackage
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.xero.package import XeroPackage
from syncsvc.providers.xero.spec import XERO


def build_registry(
    sandbox_url: str | None, client_id: Callable[[str], str | None] = lambda name: None
) -> dict[str, Package]:
    """Packages by name, every URL moved to the sandbox when one is configured.
    `client_id(name)`: the OAuth app's client id, for a package that sends it on every
    call (MYOB's API key)."""
    return {
        "xero": XeroPackage(XERO.urls_for(sandbox_url)),
        "quickbooks": QuickBooksPackage(QUICKBOOKS.urls_for(sandbox_url)),
        "myob": MyobPackage(MYOB.urls_for(sandbox_url), client_id("myob")),
    }
