"""The provider facts say what PROVIDERS.md says, so the engines can read them instead of
branching on a provider's name; and sandbox addresses are derived mechanically."""

from __future__ import annotations

from syncsvc.providers.base import sandbox_address
from syncsvc.providers.myob.spec import MYOB
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.xero.spec import XERO


def test_the_three_packages_differ_where_provider_md_says() -> None:
    packages = (XERO, QUICKBOOKS, MYOB)
    capabilities = [p.capabilities for p in packages]
    assert [c.batch_size for c in capabilities] == [50, 30, 1]
    assert [c.payments_editable for c in capabilities] == [False, True, False]
    assert [c.draft_documents for c in capabilities] == [True, False, False]
    assert [c.sees_deletions for c in capabilities] == [True, True, False]
    assert [c.webhooks for c in capabilities] == [True, True, False]
    assert [c.income_account_on for c in capabilities] == ["line", "item", "line"]
    assert [p.idempotency for p in packages] == ["header", "query", "none"]
    assert [p.optimistic_concurrency for p in packages] == [False, True, True]
    assert [p.rate_limits.shared_by for p in packages] == ["organisation", "organisation", "app"]
    assert MYOB.rate_limits.per_second == 8
    assert dict(MYOB.authorize_params) == {"prompt": "consent"}
    assert QUICKBOOKS.rate_limits.batch_per_minute == 40
    assert XERO.rate_limits.per_minute == 60
    assert XERO.rate_limits.concurrent == 5
    assert XERO.rate_limits.per_day == 5000


def test_sandbox_addresses_are_mechanical() -> None:
    sandbox = "http://127.0.0.1:8001"
    assert sandbox_address(XERO.authorize_url, "xero", sandbox) == (
        "http://127.0.0.1:8001/xero/login/identity/connect/authorize"
    )
    moved = XERO.urls_for(sandbox)
    assert moved.token_url == "http://127.0.0.1:8001/xero/identity/connect/token"
    assert moved.api_base_url == "http://127.0.0.1:8001/xero/api/api.xro/2.0"
    assert moved.extra["connections_url"] == "http://127.0.0.1:8001/xero/api/connections"
    assert XERO.urls_for(None) is XERO
