"""The QuickBooks Online emulator as one router, mounted under `/quickbooks` by the sandbox
app. Each real host is a path segment (`providers/base.py::sandbox_address`): the API under
both `quickbooks` and `sandbox-quickbooks`, OAuth under `appcenter`, `oauth`, `developer`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from fastapi import APIRouter

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.quickbooks import api, control, oauth, user_actions
from syncsvc.sandbox.quickbooks.store import QuickBooksStore
from syncsvc.sandbox.quickbooks.traffic import QuickBooksTraffic
from syncsvc.sandbox.quickbooks.webhooks import Webhooks


@dataclass
class QuickBooksSandbox:
    store: QuickBooksStore
    traffic: QuickBooksTraffic
    webhooks: Webhooks
    router: APIRouter


def build_quickbooks(
    clock: ScaledClock,
    auto_consent: Callable[[], bool],
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> QuickBooksSandbox:
    store = QuickBooksStore(clock)
    traffic = QuickBooksTraffic(clock)
    webhooks = Webhooks(store, webhook_transport)
    router = APIRouter(prefix="/quickbooks", include_in_schema=False)
    router.include_router(oauth.build_router(store, auto_consent))
    accounting = api.build_router(store, traffic)
    router.include_router(accounting, prefix="/quickbooks")
    router.include_router(accounting, prefix="/sandbox-quickbooks")
    router.include_router(control.build_router(store, traffic, webhooks))
    router.include_router(user_actions.build_router(store, webhooks))
    return QuickBooksSandbox(store, traffic, webhooks, router)
