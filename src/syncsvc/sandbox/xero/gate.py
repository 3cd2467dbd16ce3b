"""The door every Accounting API call goes through: the bearer token and `xero-tenant-id`
checked, the call counted against the organisation's limits (or refused with 429 or an
injected fault), the answer given Xero's rate-limit headers, or lost after being applied."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from syncsvc.sandbox.xero.oauth import _bearer, _unauthorised
from syncsvc.sandbox.xero.store import Organisation, XeroStore
from syncsvc.sandbox.xero.traffic import Traffic

Handler = Callable[[Request, Organisation], Awaitable[Any]]


class Gate:
    def __init__(self, store: XeroStore, traffic: Traffic) -> None:
        self.store = store
        self.traffic = traffic

    async def serve(self, request: Request, route: str, handler: Handler) -> Response:
        grant, reason = self.store.grant_for_access(_bearer(request))
        if grant is None:
            return _unauthorised(reason)
        tenant_id = request.headers.get("xero-tenant-id", "")
        organisation = self.store.organisations.get(tenant_id)
        if organisation is None or tenant_id not in grant.connections:
            return JSONResponse(
                {
                    "Type": None,
                    "Title": "Forbidden",
                    "Status": 403,
                    "Detail": "AuthenticationUnsuccessful",
                    "Instance": self.store.new_id(),
                },
                status_code=403,
            )
        refusal = self.traffic.admit(tenant_id, route)
        if refusal is not None:
            return JSONResponse(
                refusal.body,
                status_code=refusal.status,
                headers={**refusal.headers, **self.traffic.headers(tenant_id)},
            )
        try:
            body = await handler(request, organisation)
        finally:
            self.traffic.release(tenant_id)
        await self.traffic.hold_answer(route)
        if self.traffic.lose_answer(route):
            return JSONResponse({"Title": "Bad Gateway", "Status": 502}, status_code=502)
        if isinstance(body, Response):
            body.headers.update(self.traffic.headers(tenant_id))
            return body
        return JSONResponse(body, headers=self.traffic.headers(tenant_id))
