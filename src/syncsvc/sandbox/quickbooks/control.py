"""The control surface (`/quickbooks/_control/`): the clock, faults, limits, call counts,
companies and apps. No authentication: a test and demo tool, never exposed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from syncsvc.sandbox.control_clock import add_clock_routes
from syncsvc.sandbox.quickbooks.store import App, QuickBooksStore
from syncsvc.sandbox.quickbooks.traffic import QuickBooksTraffic
from syncsvc.sandbox.quickbooks.webhooks import Webhooks
from syncsvc.sandbox.xero.control import FaultChange


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LimitChange(Strict):
    enabled: bool | None = None
    per_minute: int | None = Field(default=None, ge=1)
    concurrent: int | None = Field(default=None, ge=1)
    batch_per_minute: int | None = Field(default=None, ge=1)
    per_second: int | None = Field(default=None, ge=1)
    throttle_format: str | None = Field(default=None, pattern="^(xml|json)$")


class NewCompany(Strict):
    name: str = Field(min_length=1, max_length=255)


class NewApp(Strict):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    redirect_uris: list[str] | None = None
    verifier_token: str | None = Field(default=None, min_length=1)


def build_router(
    store: QuickBooksStore, traffic: QuickBooksTraffic, webhooks: Webhooks
) -> APIRouter:
    router = APIRouter(prefix="/_control")

    add_clock_routes(router, store.clock, traffic)

    @router.put("/faults")
    async def put_faults(change: FaultChange) -> dict[str, Any]:
        traffic.faults.configure(change.model_dump(exclude_none=True))
        return {k: v for k, v in vars(traffic.faults).items() if k != "rng"}

    @router.put("/limits")
    async def put_limits(change: LimitChange) -> dict[str, Any]:
        for key, value in change.model_dump(exclude_unset=True).items():
            setattr(traffic.limits, key, value)
        return dict(vars(traffic.limits))

    @router.get("/companies")
    async def companies() -> list[dict[str, Any]]:
        return [
            {"realm_id": c.realm_id, "name": c.name, "default": c.realm_id == store.default_realm}
            for c in store.companies.values()
        ]

    @router.post("/companies", status_code=201)
    async def add_company(body: NewCompany) -> dict[str, Any]:
        company = store.add_company(body.name)
        return {"realm_id": company.realm_id, "name": company.name}

    @router.post("/apps", status_code=201)
    async def add_app(body: NewApp) -> dict[str, Any]:
        app = App(body.client_id, body.client_secret, body.redirect_uris)
        if body.verifier_token is not None:
            app.verifier_token = body.verifier_token
        store.apps[app.client_id] = app
        return {"client_id": app.client_id, "verifier_token": app.verifier_token}

    @router.get("/apps")
    async def apps() -> list[dict[str, Any]]:
        return [
            {
                "client_id": a.client_id,
                "redirect_uris": a.redirect_uris,
                "verifier_token": a.verifier_token,
            }
            for a in store.apps.values()
        ]

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return {**traffic.stats(), "token_refreshes": store.refreshes_served}

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        store.reset()
        traffic.reset()
        webhooks.reset()
        return {"status": "reset"}

    return router
