"""The MYOB emulator's control surface (`/myob/_control/`): the clock, faults, rate limits,
company files, apps, tokens, call counts and the books as a person would see them. No
authentication: a test and demo tool, never exposed."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from syncsvc.sandbox.control_clock import add_clock_routes
from syncsvc.sandbox.myob.store import App, MyobStore
from syncsvc.sandbox.myob.traffic import MyobTraffic
from syncsvc.sandbox.myob.wire import to_wire


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FaultChange(Strict):
    error_rate: float | None = Field(default=None, ge=0, le=1)
    lost_rate: float | None = Field(default=None, ge=0, le=1)
    rate_limit_burst: int | None = Field(
        default=None, ge=0, description="The next N calls are refused 403 RateLimitError."
    )
    latency_seconds: float | None = Field(default=None, ge=0)
    token_lost_answers: int | None = Field(default=None, ge=0)
    lose_next: list[str] | None = Field(
        default=None,
        description="Routes as stats' by_route names them (`POST /Sale/CustomerPayment`): "
        "the next answer is lost (504) after the call is applied, once each.",
    )
    hold_next: list[str] | None = Field(
        default=None,
        description="Routes whose next answer is held after the call is applied, once each, "
        "until `POST /myob/_control/release`.",
    )
    seed: int | None = None


class LimitChange(Strict):
    enabled: bool | None = None
    per_second: int | None = Field(default=None, ge=1)
    per_day: int | None = Field(default=None, ge=1)


class NewCompanyFile(Strict):
    name: str = Field(min_length=1, max_length=255)
    product: Literal["AccountRight", "Essentials"] = "AccountRight"
    shard: str | None = Field(default=None, pattern=r"^ar[a-z]?\d+$")
    offer_on_consent: bool = False


class NewApp(Strict):
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    redirect_uris: list[str] | None = None
    legacy: bool = False


def build_router(store: MyobStore, traffic: MyobTraffic) -> APIRouter:
    router = APIRouter(prefix="/_control")

    add_clock_routes(router, store.clock, traffic)

    @router.put("/faults")
    async def put_faults(change: FaultChange) -> dict[str, Any]:
        values = change.model_dump(exclude_none=True)
        if "rate_limit_burst" in values:
            values["burst_429"] = values.pop("rate_limit_burst")
        traffic.faults.configure(values)
        state = {k: v for k, v in vars(traffic.faults).items() if k != "rng"}
        state["rate_limit_burst"] = state.pop("burst_429")
        return state

    @router.put("/limits")
    async def put_limits(change: LimitChange) -> dict[str, Any]:
        for key, value in change.model_dump(exclude_none=True).items():
            setattr(traffic.key_limits, key, value)
        return dict(vars(traffic.key_limits))

    @router.get("/companies")
    async def companies(request: Request) -> list[dict[str, Any]]:
        base = str(request.base_url).rstrip("/")
        return [
            {
                **f.info(base),
                "Product": f.product,
                "OfferedOnConsent": f.uid == store.consent_business,
            }
            for f in store.company_files.values()
        ]

    @router.post("/companies", status_code=201)
    async def add_company(body: NewCompanyFile, request: Request) -> dict[str, Any]:
        company_file = store.add_company_file(body.name, body.product, body.shard)
        if body.offer_on_consent:
            store.consent_business = company_file.uid
        return {**company_file.info(str(request.base_url).rstrip("/")), "Product": body.product}

    @router.put("/companies/{business_id}/consent")
    async def offer_on_consent(business_id: str) -> Any:
        """Which business auto-consent picks (the one the MYOB user would choose)."""
        if store.company_file(business_id) is None:
            return JSONResponse({"errors": [f"no company file {business_id}"]}, status_code=404)
        store.consent_business = business_id.lower()
        return {"consent_business": store.consent_business}

    @router.get("/apps")
    async def apps() -> list[dict[str, Any]]:
        return [
            {"client_id": a.client_id, "redirect_uris": a.redirect_uris, "legacy": a.legacy}
            for a in store.apps.values()
        ]

    @router.post("/apps", status_code=201)
    async def add_app(body: NewApp) -> dict[str, Any]:
        store.apps[body.client_id] = App(
            body.client_id, body.client_secret, body.redirect_uris, body.legacy
        )
        return {"client_id": body.client_id, "api_key": body.client_id}

    @router.post("/tokens/expire")
    async def expire_tokens() -> dict[str, int]:
        return {"expired": store.expire_access_tokens()}

    @router.post("/tokens/revoke")
    async def revoke_tokens() -> dict[str, int]:
        return {"revoked": store.revoke_grants()}

    @router.get("/documents")
    async def documents(
        request: Request,
        business_id: str | None = Query(default=None, description="Default: the first file"),
    ) -> Any:
        """The company file's sales side as the MYOB user sees it."""
        company_file = (
            store.company_file(business_id)
            if business_id
            else next(iter(store.company_files.values()))
        )
        if company_file is None:
            return JSONResponse({"errors": [f"no company file {business_id}"]}, status_code=404)
        ledger = company_file.ledger
        return to_wire(
            {
                "Customers": list(ledger.customers.values()),
                "Invoices": list(ledger.invoices.values()),
                "CustomerPayments": list(ledger.payments.values()),
                "CreditSettlements": list(ledger.settlements.values()),
                "CreditRefunds": list(ledger.refunds.values()),
                "Preferences": ledger.preferences(),
            },
            company_file.uri(str(request.base_url).rstrip("/")),
        )

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return {
            **traffic.stats(),
            "token_refreshes": store.refreshes_served,
            "token_refresh_refusals": store.refresh_refusals,
        }

    @router.post("/reset")
    async def reset() -> dict[str, str]:
        store.reset()
        traffic.reset()
        return {"status": "reset"}

    return router
