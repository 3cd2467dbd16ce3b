"""The provider facts say what PROVIDERS.md says, so the engines can read them instead of
branching on a provider's name; and sandbox addresses are derived mechanically."""

from __future__ import annotations

from syncsvc.providers.base import sandbox_address
from syncsvc.providers.myob.spec import MYOB
from syncsvc.providers.quickbooks.spec import QUICKBOOKS
from syncsvc.providers.xero.spec import XERO


def test_the_three_packages_differ_where_provider_md_says() -> None:
    assert [p.batch_size for p in (XERO, QUICKBOOKS, MYOB)] == [50, 30, 1]
    assert [p.idempotency for p in (XERO, QUICKBOOKS, MYOB)] == ["header", "query", "none"]
    assert [p.income_account_on for p in (XERO, QUICKBOOKS, MYOB)] == ["line", "item", "line"]
    assert [p.optimistic_concurrency for p in (XERO, QUICKBOOKS, MYOB)] == [False, True, True]
    assert [p.rate_limits.status for p in (XERO, QUICKBOOKS, MYOB)] == [429, 429, 403]
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
