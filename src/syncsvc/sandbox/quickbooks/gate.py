"""The door every Accounting API call goes through: the bearer token checked against the
company in the URL, `minorversion` and `requestid` read (a repeated requestid answers the
first answer again), the call counted against the company's limits (429 with fault 3001, in
XML as QuickBooks has sent it) or refused by an injected fault, and the answer held or lost
after being applied."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from syncsvc.sandbox.quickbooks.company import Company, Remembered
from syncsvc.sandbox.quickbooks.store import QuickBooksStore
from syncsvc.sandbox.quickbooks.traffic import BATCH_ROUTE, QuickBooksTraffic
from syncsvc.sandbox.quickbooks.wire import QboFault, fault_response, qbo_time, too_long
from syncsvc.sandbox.xero.oauth import _bearer

Handler = Callable[[Request, Company], Awaitable[tuple[int, dict[str, Any]]]]

THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
THROTTLE_DETAIL = "The request limit was reached. Try again later"
REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36


class Gate:
    def __init__(self, store: QuickBooksStore, traffic: QuickBooksTraffic) -> None:
        self.store = store
        self.traffic = traffic

    def _throttled(self, headers: dict[str, str]) -> Response:
        now = qbo_time(self.store.clock())
        if self.traffic.qbo_limits.throttle_format == "json":
            return JSONResponse(
                {
                    "Fault": {
                        "Error": [
                            {"Message": THROTTLE_MESSAGE, "Detail": THROTTLE_DETAIL, "code": "3001"}
                        ],
                        "type": "SERVICE",
                    },
                    "time": now,
                },
                status_code=429,
                headers=headers,
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{now}">'
            f'<Fault type="SERVICE"><Error code="3001"><Message>{THROTTLE_MESSAGE}</Message>'
            f"<Detail>{THROTTLE_DETAIL}</Detail></Error></Fault></IntuitResponse>"
        )
        return Response(body, status_code=429, media_type="application/xml", headers=headers)

    async def serve(
        self, request: Request, realm_id: str, route: str, handler: Handler
    ) -> Response:
        tid = {"intuit_tid": str(uuid.uuid4())}
        now = self.store.clock()
        grant, reason = self.store.grant_for_access(_bearer(request))
        if grant is None:
            fault = QboFault(
                3200,
                "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                reason,
                fault_type="AuthenticationFault",
                status=401,
            )
            return self._tag(fault_response(fault, now), tid)
        company = self.store.companies.get(realm_id)
        if company is None or grant.realm_id != realm_id or not grant.accounting:
            fault = QboFault(
                3100,
                "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                "The application is not authorized to access this company",
                fault_type="AuthorizationFault",
                status=403,
            )
            return self._tag(fault_response(fault, now), tid)
        try:
            request_id = self._request_id(request, route)
        except QboFault as refused:
            return self._tag(fault_response(refused, now), tid)
        refusal = self.traffic.admit(realm_id, route)
        if refusal is not None:
            if refusal.status == 429:
                return self._throttled({**tid, **refusal.headers})
            fault = QboFault(
                10000,
                "An application error has occurred while processing your request",
                "System Failure Error: injected by the sandbox",
                fault_type="SystemFault",
                status=refusal.status,
            )
            return self._tag(fault_response(fault, now), tid)
        try:
            remembered = company.requests.get(request_id) if request_id else None
            if remembered is not None:
                status, body = remembered.status, remembered.body
            else:
                try:
                    status, body = await handler(request, company)
                except QboFault as failed:
                    status = failed.status
                    body = {"Fault": failed.fault(), "time": qbo_time(self.store.clock())}
                if request_id:
                    company.requests[request_id] = Remembered(status, body)
            # Held inside the in-flight window: held calls count against the 10 at once.
            await self.traffic.hold_answer(route)
        finally:
            self.traffic.release(realm_id)
        self.traffic.headers(realm_id)  # none to send; trims the company's windows
        if self.traffic.lose_answer(route):
            return Response("Bad Gateway", status_code=502, media_type="text/plain")
        return JSONResponse(body, status_code=status, headers=tid)

    @staticmethod
    def _request_id(request: Request, route: str) -> str | None:
        minor = request.query_params.get("minorversion")
        if minor is not None and not minor.isdigit():
            # Below 75 a minor version is ignored (75 is used); a non-number is refused.
            raise QboFault(
                2010,
                "Request has invalid or unsupported property",
                f"Invalid minorversion {minor}",
                "minorversion",
            )
        request_id = request.query_params.get("requestid")
        if request_id is None:
            return None
        limit = BATCH_REQUEST_ID_MAX if route == BATCH_ROUTE else REQUEST_ID_MAX
        if len(request_id) > limit:
            raise too_long("requestid", limit, len(request_id))
        return request_id

    @staticmethod
    def _tag(response: Response, headers: dict[str, str]) -> Response:
        response.headers.update(headers)
        return response
