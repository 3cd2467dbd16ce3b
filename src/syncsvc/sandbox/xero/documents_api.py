"""Xero's document endpoints under `/api.xro/2.0`: Contacts, Invoices (sales and bills),
Payments, CreditNotes (and their Allocations), BankTransactions, Items. Writes follow Xero's
batch semantics: with the default `summarizeErrors=true` one bad element refuses the whole
request (400, nothing saved); with `summarizeErrors=false` each element answers for itself.
`Idempotency-Key` replays the first answer for about six minutes and refuses the same key with
another body."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from syncsvc.sandbox.xero import bank_transactions
from syncsvc.sandbox.xero.documents import Books, Doc
from syncsvc.sandbox.xero.gate import Gate
from syncsvc.sandbox.xero.query import BadQuery, modified_since, select
from syncsvc.sandbox.xero.store import Organisation, XeroStore
from syncsvc.sandbox.xero.traffic import Traffic
from syncsvc.sandbox.xero.xjson import envelope, to_wire

IDEMPOTENCY_RETENTION = timedelta(minutes=6)
KEY_TOO_LONG = "Idempotency-Key must be 128 characters or fewer."
KEY_REUSED = "The Idempotency-Key was already used with a different request."
MAX_BODY_BYTES = 3_500_000


@dataclass(frozen=True)
class Resource:
    name: str  # the collection and envelope key, e.g. "Invoices"
    id_key: str
    error_flag: str  # HasErrors (invoices) or HasValidationErrors (the rest)
    check: Callable[[Books, Doc, dict[str, set[str]]], list[str]]
    apply: Callable[[Books, Doc], Doc]
    docs: Callable[[Books], dict[str, Doc]]
    find: Callable[[Books, str], Doc | None]


RESOURCES = {
    "Contacts": Resource(
        "Contacts",
        "ContactID",
        "HasValidationErrors",
        lambda b, d, t: b.check_contact(d, t),
        lambda b, d: b.apply_contact(d),
        lambda b: b.contacts,
        lambda b, key: b.contacts.get(key) or b.find_contact({"ContactNumber": key}),
    ),
    "Invoices": Resource(
        "Invoices",
        "InvoiceID",
        "HasErrors",
        lambda b, d, t: b.check_document(d, "INVOICE", t),
        lambda b, d: b.apply_document(d, "INVOICE"),
        lambda b: b.invoices,
        lambda b, key: b.find_invoice(key),
    ),
    "CreditNotes": Resource(
        "CreditNotes",
        "CreditNoteID",
        "HasErrors",
        lambda b, d, t: b.check_document(d, "CREDITNOTE", t),
        lambda b, d: b.apply_document(d, "CREDITNOTE"),
        lambda b: b.credit_notes,
        lambda b, key: b.credit_notes.get(key),
    ),
    "Payments": Resource(
        "Payments",
        "PaymentID",
        "HasValidationErrors",
        lambda b, d, t: b.check_payment(d),
        lambda b, d: b.apply_payment(d),
        lambda b: b.payments,
        lambda b, key: b.payments.get(key),
    ),
    "BankTransactions": Resource(
        "BankTransactions",
        "BankTransactionID",
        "HasValidationErrors",
        bank_transactions.check,
        bank_transactions.apply,
        lambda b: b.bank_transactions,
        lambda b, key: b.bank_transactions.get(key),
    ),
}


def error_document(elements: list[Doc]) -> Doc:
    return {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": to_wire(elements),
    }


def validation_error(elements: list[Doc]) -> JSONResponse:
    return JSONResponse(error_document(elements), status_code=400)


def _message(text: str) -> Doc:
    return {"ValidationErrors": [{"Message": text}]}


def _not_found(what: str) -> JSONResponse:
    return JSONResponse({"Title": "Not Found", "Status": 404, "Detail": what}, status_code=404)


def build_router(store: XeroStore, traffic: Traffic) -> APIRouter:
    router = APIRouter()
    gate = Gate(store, traffic)

    async def write(request: Request, organisation: Organisation, resource: Resource) -> Any:
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return JSONResponse({"Title": "Request Entity Too Large", "Status": 413}, 413)
        key = request.headers.get("idempotency-key")
        fingerprint = hashlib.sha256(request.method.encode() + request.url.path.encode() + raw)
        now = store.clock()
        if key:
            if len(key) > 128:
                return validation_error([_message(KEY_TOO_LONG)])
            seen = organisation.idempotency.get(key)
            if seen is not None and now - seen[3] < IDEMPOTENCY_RETENTION:
                if seen[0] != fingerprint.hexdigest():
                    return validation_error([_message(KEY_REUSED)])
                return JSONResponse(seen[2], status_code=seen[1])
        try:
            body = json.loads(raw or b"{}", parse_float=Decimal)
        except ValueError:
            return validation_error([{"ValidationErrors": [{"Message": "The body is not JSON."}]}])
        elements = body.get(resource.name, [body]) if isinstance(body, dict) else body
        if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
            return validation_error([{"ValidationErrors": [{"Message": "Malformed request."}]}])
        summarize = request.query_params.get("summarizeErrors", "true").lower() != "false"
        status, answered = _apply_batch(organisation.documents, resource, elements, summarize)
        content = (
            envelope(resource.name, answered, now) if status == 200 else error_document(answered)
        )
        if key:
            organisation.idempotency[key] = (fingerprint.hexdigest(), status, content, now)
        return JSONResponse(content, status_code=status)

    def add_routes(resource: Resource) -> None:
        path = f"/{resource.name}"

        async def list_docs(request: Request) -> Response:
            async def handle(req: Request, organisation: Organisation) -> Any:
                try:
                    since = modified_since(req.headers.get("if-modified-since"))
                    found = select(
                        list(resource.docs(organisation.documents).values()),
                        dict(req.query_params),
                        since,
                        resource.id_key,
                    )
                except BadQuery as exc:
                    return validation_error([{"ValidationErrors": [{"Message": str(exc)}]}])
                return envelope(resource.name, found, store.clock())

            return await gate.serve(request, f"GET {path}", handle)

        async def get_doc(ref: str, request: Request) -> Response:
            async def handle(_: Request, organisation: Organisation) -> Any:
                found = resource.find(organisation.documents, ref)
                if found is None:
                    return _not_found(f"{resource.name} {ref}")
                return envelope(resource.name, [found], store.clock())

            return await gate.serve(request, f"GET {path}/{{id}}", handle)

        async def put_docs(request: Request) -> Response:
            async def handle(req: Request, organisation: Organisation) -> Any:
                return await write(req, organisation, resource)

            return await gate.serve(request, f"{request.method} {path}", handle)

        async def post_doc(ref: str, request: Request) -> Response:
            async def handle(req: Request, organisation: Organisation) -> Any:
                if resource.name == "Payments":
                    return await _delete_payment(req, organisation, ref)
                body = json.loads(await req.body() or b"{}", parse_float=Decimal)
                element = (body.get(resource.name) or [body])[0] if isinstance(body, dict) else {}
                element[resource.id_key] = ref
                status, content = _apply_batch(organisation.documents, resource, [element], True)
                if status != 200:
                    return validation_error(content)
                return envelope(resource.name, content, store.clock())

            return await gate.serve(request, f"POST {path}/{{id}}", handle)

        router.add_api_route(path, list_docs, methods=["GET"])
        router.add_api_route(path + "/{ref}", get_doc, methods=["GET"])
        router.add_api_route(path, put_docs, methods=["PUT", "POST"])
        router.add_api_route(path + "/{ref}", post_doc, methods=["POST"])

    async def _delete_payment(request: Request, organisation: Organisation, ref: str) -> Any:
        body = json.loads(await request.body() or b"{}")
        element = (body.get("Payments") or [body])[0] if isinstance(body, dict) else {}
        if element.get("Status") != "DELETED":
            return validation_error(
                [{"ValidationErrors": [{"Message": "Payments can only be deleted, never edited."}]}]
            )
        errors = organisation.documents.delete_payment(ref)
        if errors:
            return validation_error(
                [{"PaymentID": ref, "ValidationErrors": [{"Message": m} for m in errors]}]
            )
        return envelope("Payments", [organisation.documents.payments[ref]], store.clock())

    for resource in RESOURCES.values():
        add_routes(resource)

    @router.put("/CreditNotes/{ref}/Allocations")
    async def allocations(ref: str, request: Request) -> Response:
        async def handle(req: Request, organisation: Organisation) -> Any:
            body = json.loads(await req.body() or b"{}", parse_float=Decimal)
            items = body.get("Allocations", [body]) if isinstance(body, dict) else body
            errors = organisation.documents.allocate(ref, items)
            if errors:
                return validation_error([{"ValidationErrors": [{"Message": m} for m in errors]}])
            note = organisation.documents.credit_notes[ref]
            return envelope("Allocations", note["Allocations"][-len(items) :], store.clock())

        return await gate.serve(request, "PUT /CreditNotes/{id}/Allocations", handle)

    return router


def _apply_batch(
    books: Books, resource: Resource, elements: list[Doc], summarize: bool
) -> tuple[int, list[Doc]]:
    """(200, answered elements) or, when summarising and any element fails, (400, failures)."""
    taken: dict[str, set[str]] = {"names": set(), "numbers": set()}
    if summarize:
        failures = []
        for element in elements:
            errors = resource.check(books, element, taken)
            if errors:
                failures.append(
                    {
                        **element,
                        resource.error_flag: True,
                        "ValidationErrors": [{"Message": m} for m in errors],
                    }
                )
        if failures:
            return 400, failures
        return 200, [dict(resource.apply(books, element)) for element in elements]
    answered = []
    for element in elements:
        errors = resource.check(books, element, taken)
        if errors:
            answered.append(
                {
                    **element,
                    "StatusAttributeString": "ERROR",
                    resource.error_flag: True,
                    "ValidationErrors": [{"Message": m} for m in errors],
                }
            )
        else:
            applied = dict(resource.apply(books, element))
            answered.append({**applied, "StatusAttributeString": "OK", resource.error_flag: False})
    return 200, answered
