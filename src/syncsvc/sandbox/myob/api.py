"""The MYOB Business API (`api.myob.com/accountright/...` and the shard hosts a company
file's `Uri` names, `ar1.api.myob.com/...`): the door every call goes through (API key, rate
limit, version, bearer token, the company file the consent covers, the scope), then the
resource: OData reads with `Items/NextPageLink/Count`, POST with `Location` (201), PUT with
RowVersion, DELETE; MYOB's error JSON for every refusal."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from syncsvc.sandbox.myob.errors import MyobError
from syncsvc.sandbox.myob.ledger import Ledger, Record
from syncsvc.sandbox.myob.odata import Query
from syncsvc.sandbox.myob.resources import COLLECTIONS, LEGACY_ALL, PREFERENCES, Collection, resolve
from syncsvc.sandbox.myob.store import CompanyFile, Grant, MyobStore
from syncsvc.sandbox.myob.traffic import MyobTraffic
from syncsvc.sandbox.myob.wire import read_body, to_wire

SHARD = re.compile(r"^ar[a-z]?\d+$")
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class AccessDenied(Exception):
    """Answered as MYOB answers it: a bare array, no `Errors` envelope (FACTS.md section 4)."""


def _allowed(grant: Grant, scopes: tuple[str, ...]) -> bool:
    held = set(grant.scopes)
    return bool(held & set(scopes)) or bool(held & LEGACY_ALL)


class Api:
    def __init__(self, store: MyobStore, traffic: MyobTraffic) -> None:
        self.store = store
        self.traffic = traffic

    @staticmethod
    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def serve(
        self, request: Request, host: str, business_id: str | None, rest: str
    ) -> Response:
        request_id = str(uuid.uuid4())
        try:
            response = await self._serve(request, host, business_id, rest)
        except MyobError as error:
            self.traffic.refuse(error.name)
            response = error.response()
        except AccessDenied:
            self.traffic.refuse("AccessDenied")
            response = JSONResponse([{"Message": "Access denied"}], status_code=403)
        response.headers["x-myobapi-requestid"] = request_id
        return response

    async def _serve(
        self, request: Request, host: str, business_id: str | None, rest: str
    ) -> Response:
        parts = [p for p in rest.split("/") if p]
        key, collection, uid = resolve(parts)
        # How stats, lose_next and hold_next name the call: `GET /Sale/Invoice/{uid}`.
        if business_id is None:
            route = f"{request.method} /accountright"
        else:
            route = f"{request.method} /{key}" + ("/{uid}" if uid else "")
        api_key = request.headers.get("x-myobapi-key", "")
        if api_key not in self.store.apps:
            raise MyobError(
                403, "DeveloperInactive", "API key is missing or inactive", "Header: x-myobapi-key"
            )
        refusal = self.traffic.admit_key(api_key, route)
        if refusal is not None:
            raise refusal
        if request.headers.get("x-myobapi-version", "").lower() != "v2":
            # Not documented: the sandbox names the header it wants.
            raise MyobError(
                400,
                "InvalidApiVersion",
                "The x-myobapi-version header must be v2",
                "Header: x-myobapi-version",
            )
        grant = self.store.grant_for_access(_bearer(request))
        if grant is None or grant.client_id != api_key:
            raise MyobError(
                401,
                "OAuthTokenIsInvalid",
                "The supplied OAuth token (Bearer) is not valid",
                "Header: Authorization",
            )
        if host != "api" and not SHARD.match(host):
            raise MyobError(404, "NotFound", "No such host", None)
        if business_id is None:
            return self._answer(request, [self._listed(grant, request)], "")
        company_file = self.store.company_file(business_id)
        if company_file is None or company_file.uid != grant.business_id:
            raise AccessDenied
        if host not in {"api", company_file.shard}:
            raise MyobError(404, "NotFound", "The company file is not on this host", None)
        base = company_file.uri(self.base(request))
        ledger = company_file.ledger
        if not parts:
            if not _allowed(grant, ("sme-company-file",)):
                raise AccessDenied
            return self._answer(request, self._root(company_file, request), base)
        if key == "Company/Preferences" and uid is None:
            if not _allowed(grant, PREFERENCES):
                raise AccessDenied
            return self._answer(request, ledger.preferences(), base)
        if collection is None:
            raise MyobError(404, "NotFound", f"The resource /{key} does not exist", None)
        if not _allowed(grant, collection.scopes):
            raise AccessDenied
        response = await self._resource(request, ledger, base, key, collection, uid)
        await self.traffic.hold_answer(route)
        if self.traffic.lose_answer(route):
            raise MyobError(504, "GatewayTimeout", "Connection to the API has timed out")
        return response

    def _listed(self, grant: Grant, request: Request) -> dict[str, Any]:
        return self.store.company_files[grant.business_id].info(self.base(request))

    def _root(self, company_file: CompanyFile, request: Request) -> dict[str, Any]:
        base = company_file.uri(self.base(request))
        return {
            "CompanyFile": company_file.info(self.base(request)),
            "Resources": [f"{base}/{key}" for key in [*COLLECTIONS, "Company/Preferences"]],
        }

    async def _resource(
        self,
        request: Request,
        ledger: Ledger,
        base: str,
        key: str,
        collection: Collection,
        uid: str | None,
    ) -> Response:
        method = request.method
        return_body = request.query_params.get("returnBody", "").lower() == "true"
        if method == "GET" and uid is None:
            return self._page(request, collection.records(ledger), base, key)
        if method == "GET" and collection.one is not None and uid is not None:
            return self._answer(request, collection.one(ledger, uid), base)
        if method == "POST" and uid is None and collection.create is not None:
            created = collection.create(ledger, read_body(await request.body()))
            return self._written(created, base, 201, return_body)
        if method == "PUT" and collection.update is not None:
            if uid is None:
                raise MyobError(404, "NotFound", "PUT only updates existing records", "UID")
            body = read_body(await request.body())
            if str(body.get("UID", uid)).lower() != uid.lower():
                raise MyobError(
                    400, "UIDMismatch", "The UID in the body is not the one in the address", "UID"
                )
            updated = collection.update(ledger, uid, body)
            return self._written(updated, base, 200, return_body)
        if method == "DELETE" and uid is not None and collection.delete is not None:
            collection.delete(ledger, uid)
            return Response(status_code=200)
        raise MyobError(405, "MethodNotAllowed", f"{method} is not supported on /{key}", None)

    @staticmethod
    def _written(record: Record, base: str, status: int, return_body: bool) -> Response:
        location = f"{base}/{record['URI']}"
        if return_body:
            return JSONResponse(
                to_wire(record, base), status_code=status, headers={"Location": location}
            )
        return Response(status_code=status, headers={"Location": location})

    def _page(self, request: Request, records: list[Record], base: str, key: str) -> Response:
        query = Query.from_params(request.query_params)
        items, matched = query.select(records)
        next_link = None
        if query.skip + len(items) < matched:
            params = {k: v for k, v in request.query_params.items() if k not in {"$top", "$skip"}}
            params["$top"] = str(query.top)
            params["$skip"] = str(query.skip + query.top)
            next_link = f"{base}/{key}?{urlencode(params, safe='$')}"
        return self._answer(
            request, {"Items": items, "NextPageLink": next_link, "Count": matched}, base
        )

    @staticmethod
    def _answer(request: Request, body: Any, base: str) -> Response:
        """A 200 with an ETag; `If-None-Match` with the same tag gets a bodiless 304."""
        content = json.dumps(to_wire(body, base), separators=(",", ":")).encode()
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(content, media_type="application/json", headers={"ETag": etag})


def build_router(store: MyobStore, traffic: MyobTraffic) -> APIRouter:
    router = APIRouter()
    api = Api(store, traffic)

    @router.api_route("/{host}/accountright", methods=METHODS, include_in_schema=False)
    @router.api_route("/{host}/accountright/", methods=METHODS, include_in_schema=False)
    async def company_files(host: str, request: Request) -> Response:
        return await api.serve(request, host, None, "")

    @router.api_route("/{host}/accountright/{business_id}", methods=METHODS)
    @router.api_route("/{host}/accountright/{business_id}/{rest:path}", methods=METHODS)
    async def resource(host: str, business_id: str, request: Request, rest: str = "") -> Response:
        return await api.serve(request, host, business_id, rest)

    return router
