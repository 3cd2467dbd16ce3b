"""The Xero emulator as one router, mounted under `/xero` by the sandbox app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.xero import accounting, control, documents_api, oauth
from syncsvc.sandbox.xero.store import XeroStore
from syncsvc.sandbox.xero.traffic import Traffic


@dataclass
class XeroSandbox:
    store: XeroStore
    traffic: Traffic
    router: APIRouter


def build_xero(clock: ScaledClock, auto_consent: Callable[[], bool]) -> XeroSandbox:
    store = XeroStore(clock)
    traffic = Traffic(clock)
    router = APIRouter(prefix="/xero", include_in_schema=False)
    router.include_router(oauth.build_router(store, traffic, auto_consent))
    api = "/api/api.xro/2.0"
    router.include_router(accounting.build_router(store, traffic), prefix=api)
    router.include_router(documents_api.build_router(store, traffic), prefix=api)
    router.include_router(control.build_router(store, traffic))
    return XeroSandbox(store, traffic, router)
