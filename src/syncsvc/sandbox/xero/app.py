"""The Xero emulator as one router, mounted under `/xero` by the sandbox app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.routing import APIRoute

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.xero import (
    accounting,
    control,
    documents_api,
    oauth,
    snapshot,
    user_actions,
)
from syncsvc.sandbox.xero.store import XeroStore
from syncsvc.sandbox.xero.traffic import Traffic
from syncsvc.sandbox.xero.webhooks import Webhooks


@dataclass
class XeroSandbox:
    store: XeroStore
    traffic: Traffic
    webhooks: Webhooks
    router: APIRouter
    # Every route's full path, for matching Xero's paths in any letter case.
    paths: tuple[str, ...]

    def snapshot(self) -> dict[str, Any]:
        return snapshot.snapshot(self.store)

    def restore(self, state: dict[str, Any]) -> None:
        snapshot.restore(self.store, state)


def build_xero(
    clock: ScaledClock,
    auto_consent: Callable[[], bool],
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> XeroSandbox:
    store = XeroStore(clock)
    traffic = Traffic(clock)
    webhooks = Webhooks(store, webhook_transport)
    router = APIRouter(prefix="/xero", include_in_schema=False)
    api = "/api/api.xro/2.0"
    parts = [
        (oauth.build_router(store, traffic, auto_consent), ""),
        (accounting.build_router(store, traffic), api),
        (documents_api.build_router(store, traffic), api),
        (control.build_router(store, traffic), ""),
        (user_actions.build_router(store, webhooks), ""),
    ]
    paths: list[str] = []
    for part, prefix in parts:
        router.include_router(part, prefix=prefix)
        paths += [f"/xero{prefix}{r.path}" for r in part.routes if isinstance(r, APIRoute)]
    return XeroSandbox(store, traffic, webhooks, router, tuple(dict.fromkeys(paths)))
