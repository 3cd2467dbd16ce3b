"""The Xero emulator as one router, mounted under `/xero` by the sandbox app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from fastapi import APIRouter

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.xero import accounting, control, documents_api, oauth, user_actions
from syncsvc.sandbox.xero.store import XeroStore
from syncsvc.sandbox.xero.traffic import Traffic
from syncsvc.sandbox.xero.webhooks import Webhooks


@dataclass
class XeroSandbox:
    store: XeroStore
    traffic: Traffic
    webhooks: Webhooks
    router: APIRouter


def build_xero(
    clock: ScaledClock,
    auto_consent: Callable[[], bool],
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> XeroSandbox:
    store = XeroStore(clock)
    traffic = Traffic(clock)
    webhooks = Webhooks(store, webhook_transport)
    router = APIRouter(prefix="/xero", include_in_schema=False)
    router.include_router(oauth.build_router(store, traffic, auto_consent))
    api = "/api/api.xro/2.0"
    router.include_router(accounting.build_router(store, traffic), prefix=api)
    router.include_router(documents_api.build_router(store, traffic), prefix=api)
    router.include_router(control.build_router(store, traffic))
    router.include_router(user_actions.build_router(store, webhooks))
    return XeroSandbox(store, traffic, webhooks, router)
