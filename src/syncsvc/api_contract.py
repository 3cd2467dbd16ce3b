"""The OpenAPI document completed from what the app does on every route, in one place.

FastAPI documents what each route declares. What the layers around the routes answer is
added here from each operation's own facts, so no route can forget it:

- an operation behind an API key or the admin token (it has `security`) answers 401;
- one that takes a body answers 413 over the size limit (`BodySizeLimit`) and 422 for a body
  that is not valid, or not UTF-8 (a `DecimalJSONRoute` declares its 415 itself);
- every 4xx and 5xx is an RFC 9457 problem: `application/problem+json` with the `Problem`
  schema, in place of FastAPI's own validation-error shape.

405 (a method a path does not have) cannot be written on an operation; it is a problem too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from syncsvc.problems import PROBLEM_MEDIA_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

DESCRIPTIONS = {
    "400": "Bad request",
    "401": "Missing or wrong credentials; `WWW-Authenticate: Bearer`",
    "404": "Not found",
    "409": "Conflict with the stored state",
    "413": "Body over the size limit",
    "415": "Body is not JSON (`Content-Type: application/json`)",
    "422": "Invalid input; `errors` names each field by its path and location",
    "502": "The accounting package failed to answer",
    "503": "Not available yet",
}

# FastAPI's own validation-error shapes, which the problem handlers never send.
_FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")


def complete_openapi(app: FastAPI) -> None:
    """Makes `app.openapi()` (and so `/openapi.json`) return the completed document."""

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = completed(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's way to extend it


def completed(document: dict[str, Any]) -> dict[str, Any]:
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            _complete_operation(operation)
    schemas = document.get("components", {}).get("schemas", {})
    for name in _FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    return document


def _complete_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    implied: list[str] = []
    if operation.get("security"):
        implied.append("401")
    if "requestBody" in operation:
        implied += ["413", "422"]
    added = {status for status in implied if status not in responses}
    for status in added:
        responses[status] = {}
    for status, response in responses.items():
        if status in added or _declares_problem(response):
            response["description"] = _description(status, response)
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
    operation["responses"] = dict(sorted(responses.items()))


def _declares_problem(response: dict[str, Any]) -> bool:
    """A response declared with the problem model (or FastAPI's validation error, which the
    handlers answer as a problem). Others, such as a readiness report, keep their shape."""
    refs = {
        str(media.get("schema", {}).get("$ref", "")).rpartition("/")[2]
        for media in response.get("content", {}).values()
    }
    return bool(refs & {"Problem", *_FASTAPI_ERROR_SCHEMAS})


def _description(status: str, response: dict[str, Any]) -> str:
    declared = str(response.get("description") or "")
    generic = declared in {"", "Validation Error", "Successful Response", "Additional Response"}
    return DESCRIPTIONS.get(status, "Error") if generic else declared
