"""The Accounting API v3 under `/v3/company/{realmId}`: read, create, update (full and
sparse), `?operation=delete|void` (payments void with `operation=update&include=void`),
`/query`, `/batch` (at most 30 items, each answered alone), `/cdc` (30 days back at most,
deletions as `status: Deleted`), `/preferences` and `/companyinfo`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from syncsvc.sandbox.quickbooks.books import Books
from syncsvc.sandbox.quickbooks.company import ENTITIES, NOT_IN_CDC, Company, entity_named
from syncsvc.sandbox.quickbooks.gate import Gate
from syncsvc.sandbox.quickbooks.query import parse, run
from syncsvc.sandbox.quickbooks.store import QuickBooksStore
from syncsvc.sandbox.quickbooks.traffic import BATCH_ROUTE, QuickBooksTraffic
from syncsvc.sandbox.quickbooks.wire import (
    QboFault,
    invalid,
    not_found,
    parse_body,
    qbo_time,
    required,
    to_wire,
    too_long,
)

Doc = dict[str, Any]
MAX_BATCH_ITEMS = 30
CDC_LOOK_BACK = timedelta(days=30)
CDC_MAX_OBJECTS = 1000
QUERYABLE = (*ENTITIES, "Preferences", "CompanyInfo")


def _bad_body(detail: str) -> QboFault:
    return invalid("", detail)


def _entity(name: str) -> str:
    entity = entity_named(name)
    if entity is None or entity in ("Preferences", "CompanyInfo"):
        raise invalid("", f"Unsupported entity {name}")
    return entity


def _documents(company: Company, entity: str) -> list[Doc]:
    if entity == "Preferences":
        return [company.prefs]
    if entity == "CompanyInfo":
        return [company.info]
    return company.all(entity)


def query_response(company: Company, statement: str) -> Doc:
    query = parse(statement, lambda entity: entity in QUERYABLE)
    page, total = run(query, _documents(company, query.entity))
    if query.count:
        return {"totalCount": total}
    if not page:
        return {}
    return {query.entity: to_wire(page), "startPosition": query.start, "maxResults": len(page)}


def write(books: Books, entity: str, operation: str, include: str, body: Any) -> Doc:
    """One create / update / delete / void, as the URL's `operation` names it."""
    if not isinstance(body, dict):
        raise _bad_body("The request body must be a JSON object")
    if operation == "delete":
        return books.delete(entity, body)
    if operation == "void" or (operation == "update" and include == "void"):
        return books.void(entity, body)
    if operation in ("", "create", "update"):
        if body.get("Id") not in (None, "") and operation != "create":
            return books.update(entity, body)
        if operation == "update":
            raise required("Id")
        return books.create(entity, body)
    raise QboFault(500, "Unsupported Operation", f"Operation {operation} is not supported.")


def build_router(store: QuickBooksStore, traffic: QuickBooksTraffic) -> APIRouter:
    router = APIRouter(prefix="/v3/company/{realm_id}")
    gate = Gate(store, traffic)

    def envelope(key: str, value: Any) -> Doc:
        return {key: to_wire(value), "time": qbo_time(store.clock())}

    @router.api_route("/query", methods=["GET", "POST"])
    async def query(realm_id: str, request: Request) -> Response:
        async def handle(req: Request, company: Company) -> tuple[int, Doc]:
            statement = req.query_params.get("query")
            if req.method == "POST":
                statement = (await req.body()).decode()
            if not statement:
                raise required("query")
            return 200, {
                "QueryResponse": query_response(company, statement),
                "time": qbo_time(store.clock()),
            }

        return await gate.serve(request, realm_id, f"{request.method} /query", handle)

    @router.post("/batch")
    async def batch(realm_id: str, request: Request) -> Response:
        async def handle(req: Request, company: Company) -> tuple[int, Doc]:
            try:
                body = parse_body(await req.body())
            except ValueError:
                raise _bad_body("The request body is not JSON") from None
            items = body.get("BatchItemRequest") if isinstance(body, dict) else None
            if not isinstance(items, list) or not items:
                raise required("BatchItemRequest")
            if len(items) > MAX_BATCH_ITEMS:
                raise QboFault(
                    6000,
                    "A business validation error has occurred while processing your request",
                    "Business Validation Error: Number of Items in Batch Request exceeded the "
                    f"permissible limit of {MAX_BATCH_ITEMS} items",
                    "BatchItemRequest",
                )
            books = Books(company)
            # With a requestid, each bId may be 10 characters at most (FACTS.md section 4).
            bid_limit = 10 if "requestid" in req.query_params else None
            try:
                answers = [_batch_item(books, company, item, bid_limit) for item in items]
            finally:
                company.unseen.clear()
            return 200, {"BatchItemResponse": answers, "time": qbo_time(store.clock())}

        return await gate.serve(request, realm_id, BATCH_ROUTE, handle)

    def _batch_item(books: Books, company: Company, item: Any, bid_limit: int | None) -> Doc:
        """One item, answered alone. Items run in order, but what an earlier item created
        stays invisible to the later ones, as in QuickBooks' batches."""
        if not isinstance(item, dict):
            return {"Fault": _bad_body("A BatchItemRequest must be an object").fault()}
        answer: Doc = {"bId": str(item.get("bId", ""))}
        try:
            if bid_limit is not None and len(answer["bId"]) > bid_limit:
                raise too_long("bId", bid_limit, len(answer["bId"]))
            if not answer["bId"]:
                raise required("bId")
            if "Query" in item:
                answer["QueryResponse"] = query_response(company, str(item["Query"]))
                return answer
            names = [key for key in item if entity_named(key) is not None]
            if len(names) != 1:
                raise _bad_body("A BatchItemRequest names exactly one entity")
            entity = _entity(names[0])
            operation = str(item.get("operation", "create"))
            if operation not in ("create", "update", "delete", "void"):
                raise QboFault(
                    500, "Unsupported Operation", f"Operation {operation} is not supported."
                )
            doc = write(books, entity, operation, "", item[names[0]])
            answer[entity] = to_wire(doc)
            if operation == "create":
                company.unseen.add((entity, doc["Id"]))
        except QboFault as fault:
            answer["Fault"] = fault.fault()
        return answer

    @router.get("/cdc")
    async def cdc(realm_id: str, request: Request) -> Response:
        async def handle(req: Request, company: Company) -> tuple[int, Doc]:
            names = [n for n in req.query_params.get("entities", "").split(",") if n.strip()]
            since_text = req.query_params.get("changedSince", "")
            if not names or not since_text:
                raise required("entities" if not names else "changedSince")
            try:
                since = datetime.fromisoformat(since_text.replace("Z", "+00:00"))
            except ValueError:
                raise _bad_body(f"changedSince {since_text} is not a dateTime") from None
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
            if store.clock() - since > CDC_LOOK_BACK:
                raise QboFault(
                    4001,
                    "Invalid query",
                    "QueryValidationError: changedSince must be within the last 30 days",
                    "changedSince",
                )
            entities = []
            for name in names:
                entity = _entity(name.strip())
                if entity in NOT_IN_CDC:
                    raise _bad_body(f"Change data capture is not supported for {entity}")
                entities.append(entity)
            changed: list[tuple[datetime, str, Doc]] = []
            for entity in entities:
                for doc in [*company.all(entity), *company.deleted[entity].values()]:
                    updated = doc["MetaData"]["LastUpdatedTime"]
                    if updated > since:
                        changed.append((updated, entity, doc))
            changed.sort(key=lambda found: found[0])
            kept = changed[:CDC_MAX_OBJECTS]
            responses = []
            for entity in entities:
                docs = [doc for _, e, doc in kept if e == entity]
                responses.append(
                    {entity: to_wire(docs), "startPosition": 1, "maxResults": len(docs)}
                    if docs
                    else {}
                )
            return 200, {
                "CDCResponse": [{"QueryResponse": responses}],
                "time": qbo_time(store.clock()),
            }

        return await gate.serve(request, realm_id, "GET /cdc", handle)

    @router.get("/preferences")
    async def preferences(realm_id: str, request: Request) -> Response:
        async def handle(req: Request, company: Company) -> tuple[int, Doc]:
            return 200, envelope("Preferences", company.prefs)

        return await gate.serve(request, realm_id, "GET /preferences", handle)

    @router.get("/companyinfo/{info_id}")
    async def company_info(realm_id: str, info_id: str, request: Request) -> Response:
        async def handle(req: Request, company: Company) -> tuple[int, Doc]:
            if info_id not in (realm_id, company.info["Id"]):
                raise not_found("CompanyInfo", info_id)
            return 200, envelope("CompanyInfo", company.info)

        return await gate.serve(request, realm_id, "GET /companyinfo", handle)

    @router.get("/{name}/{entity_id}")
    async def read(realm_id: str, name: str, entity_id: str, request: Request) -> Response:
        async def handle(req: Request, company: Company) -> tuple[int, Doc]:
            entity = _entity(name)
            doc = company.get(entity, entity_id)
            if doc is None:
                raise not_found(entity, entity_id)
            return 200, envelope(entity, doc)

        return await gate.serve(request, realm_id, f"GET /{name.lower()}", handle)

    @router.post("/{name}")
    async def post(realm_id: str, name: str, request: Request) -> Response:
        async def handle(req: Request, company: Company) -> tuple[int, Doc]:
            entity = _entity(name)
            try:
                body = parse_body(await req.body())
            except ValueError:
                raise _bad_body("The request body is not JSON") from None
            params = req.query_params
            doc = write(
                Books(company),
                entity,
                params.get("operation", ""),
                params.get("include", ""),
                body,
            )
            return 200, envelope(entity, doc)

        return await gate.serve(request, realm_id, f"POST /{name.lower()}", handle)

    return router
