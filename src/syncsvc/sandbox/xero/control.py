"""The sandbox's control surface (`/xero/_control/`): the clock, faults, organisations,
apps, call counts. No authentication: it is a test and demo tool, never exposed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from syncsvc.sandbox.control_clock import add_clock_routes
from syncsvc.sandbox.xero.store import Client, XeroStore
from syncsvc.sandbox.xero.traffic import Traffic


class FaultChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error_rate: float | None = Field(default=None, ge=0, le=1)
    lost_rate: float | None = Field(default=None, ge=0, le=1)
    burst_429: int | None = Field(default=None, ge=0)
    latency_seconds: float | None = Field(default=None, ge=0)
    token_lost_answers: int | None = Field(default=None, ge=0)
    lose_next: list[str] | None = Field(
        default=None,
        description="Routes (as in stats' by_route, e.g. `POST /Payments`) whose next answer "
        "is lost after the call is applied, once each.",
    )
    hold_next: list[str] | None = Field(
        default=None,
        description="Routes whose next answer is held after the call is applied, once each, "
        "until `POST /_control/release`.",
    )
    seed: int | None = None


class LimitChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    per_minute: int | None = Field(default=None, ge=1)
    per_day: int | None = Field(default=None, ge=1)
    concurrent: int | None = Field(default=None, ge=1)


class NewOrganisation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    offer_on_consent: bool = True


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    redirect_uris: list[str] | None = None


def build_router(store: XeroStore, traffic: Traffic) -> APIRouter:
    router = APIRouter(prefix="/_control")

    add_clock_routes(router, store.clock, traffic)

    @router.put("/faults")
    async def put_faults(change: FaultChange) -> dict[str, Any]:
        traffic.faults.configure(change.model_dump(exclude_none=True))
        return {k: v for k, v in vars(traffic.faults).items() if k != "rng"}

    @router.put("/limits")
    async def put_limits(change: LimitChange) -> dict[str, Any]:
        for key, value in change.model_dump(exclude_none=True).items():
            setattr(traffic.limits, key, value)
        return dict(vars(traffic.limits))

    @router.get("/organisations")
    async def organisations() -> list[dict[str, Any]]:
        return [
            {
                "tenant_id": o.tenant_id,
                "name": o.name,
                "offered_on_consent": o.tenant_id in store.consent_organisations,
            }
            for o in store.organisations.values()
        ]

    @router.post("/organisations", status_code=201)
    async def add_organisation(body: NewOrganisation) -> dict[str, Any]:
        organisation = store.add_organisation(body.name)
        if body.offer_on_consent:
            store.consent_organisations.append(organisation.tenant_id)
        return {"tenant_id": organisation.tenant_id, "name": organisation.name}

    @router.post("/clients", status_code=201)
    async def add_client(body: NewClient) -> dict[str, Any]:
        store.clients[body.client_id] = Client(
            body.client_id, body.client_secret, body.redirect_uris
        )
        return {"client_id": body.client_id}

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return {
            **traffic.stats(),
            "token_refreshes": store.refreshes_served,
            "token_refresh_requests": store.refresh_requests,
        }

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        store.reset()
        traffic.reset()
        return {"status": "reset"}

    return router
