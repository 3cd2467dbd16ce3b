"""The MYOB emulator as one router, mounted under `/myob` by the sandbox app: `secure`
(OAuth), `api` and the shard hosts (`ar1`, ...) for the API, `_control` for tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from syncsvc.sandbox.clock import ScaledClock
from syncsvc.sandbox.myob import api, control, oauth, user_actions
from syncsvc.sandbox.myob.store import MyobStore
from syncsvc.sandbox.myob.traffic import MyobTraffic


@dataclass
class MyobSandbox:
    store: MyobStore
    traffic: MyobTraffic
    router: APIRouter


def build_myob(clock: ScaledClock, auto_consent: Callable[[], bool]) -> MyobSandbox:
    store = MyobStore(clock)
    traffic = MyobTraffic(clock)
    router = APIRouter(prefix="/myob", include_in_schema=False)
    router.include_router(oauth.build_router(store, traffic, auto_consent))
    router.include_router(control.build_router(store, traffic))
    router.include_router(user_actions.build_router(store))
    router.include_router(api.build_router(store, traffic))  # last: its paths are patterns
    return MyobSandbox(store, traffic, router)
