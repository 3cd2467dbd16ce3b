"""RFC 9457 problem documents: every 4xx and 5xx the API gives is one of these.

Validation failures name each field by its path (`lines[0].quantity`) and where it was
(`body`, `path`, `query`), so the host's developers can point at the exact input.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    field: str = Field(description="Path of the offending field, e.g. `lines[0].quantity`.")
    location: str = Field(description="`body`, `path`, `query` or `header`.")
    message: str
    code: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """Raised anywhere below the endpoints; becomes a problem response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        slug: str | None = None,
        errors: Sequence[FieldError] = (),
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug
        self.errors = list(errors)
        self.extra = extra or {}
        self.headers = headers

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": f"/problems/{self.slug}" if self.slug else "about:blank",
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            document["detail"] = self.detail
        if self.errors:
            document["errors"] = [error.model_dump() for error in self.errors]
        document.update(self.extra)
        return document


def problem_response(problem: ProblemError) -> JSONResponse:
    return JSONResponse(
        problem.to_document(),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


def field_path(loc: Sequence[str | int]) -> str:
    """('lines', 0, 'quantity') -> 'lines[0].quantity'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def field_errors(errors: Sequence[Any], *, default_location: str = "body") -> list[FieldError]:
    """Pydantic / FastAPI error dicts as field errors."""
    result = []
    for error in errors:
        loc = list(error.get("loc", ()))
        location = default_location
        if loc and loc[0] in {"body", "path", "query", "header", "cookie"}:
            location = str(loc.pop(0))
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "json_invalid":
            position = loc[0] if loc and isinstance(loc[0], int) else None
            detail = (error.get("ctx") or {}).get("error", "")
            message = f"Body is not valid JSON: {detail} (at character {position})".replace(
                ":  (", " ("
            )
            loc = []
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        result.append(
            FieldError(
                field=field_path(loc) or "(root)",
                location=location,
                message=message,
                code=str(error.get("type", "invalid")),
            )
        )
    return result


def validation_problem(errors: Sequence[Any], *, location: str = "body") -> ProblemError:
    fields = field_errors(errors, default_location=location)
    named = ", ".join(sorted({f.field for f in fields}))
    return ProblemError(
        422,
        "Request is not valid",
        f"Invalid fields: {named}" if named else None,
        slug="validation",
        errors=fields,
    )


def unreadable_body_problem(cause: BaseException) -> ProblemError | None:
    """The problem for a body that could not be read as JSON text at all, or None when the
    cause is something else. JSON between systems is UTF-8 (RFC 8259, section 8.1)."""
    if isinstance(cause, UnicodeDecodeError):
        message = (
            f"Body is not UTF-8: {cause.reason} at byte {cause.start}; send JSON encoded as UTF-8."
        )
        code = "body_not_utf8"
    elif isinstance(cause, RecursionError):
        message = "Body is nested too deeply to read."
        code = "body_too_deep"
    else:
        return None
    return ProblemError(
        422,
        "Request is not valid",
        "The body cannot be read as JSON.",
        slug="validation",
        errors=[FieldError(field="(root)", location="body", message=message, code=code)],
    )


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Request is not valid",
    500: "Internal server error",
}


def internal_error(request: Request, exc: BaseException) -> Response:
    """The answer to an error nothing else explains: logged with its traceback."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        ProblemError(500, "Internal server error", "The error was logged.", slug="internal")
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc)

    async def on_validation(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc.errors()))

    async def on_http(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        # FastAPI answers a body it could not decode with a bare 400: name the body instead.
        unreadable = unreadable_body_problem(exc.__cause__) if exc.__cause__ else None
        if unreadable is not None:
            return problem_response(unreadable)
        title = _TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem_response(
            ProblemError(exc.status_code, title, detail, headers=dict(exc.headers or {}))
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        return internal_error(request, exc)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


class DecimalJSONRequest(Request):
    """Parses JSON numbers with a fraction as Decimal, so money never passes through float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = json.loads(body, parse_float=Decimal)
        return self._json


class DecimalJSONRoute(APIRoute):
    """Reads JSON bodies with decimals, and refuses a body of another media type with 415."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.body_field is not None:
            # A copy: the routes of a module often share one `responses` mapping.
            self.responses = {
                **self.responses,
                415: {
                    "model": Problem,
                    "description": "Body is not JSON (`Content-Type: application/json`)",
                },
            }

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            content_type = request.headers.get("content-type", "")
            media_type = content_type.partition(";")[0].strip().lower()
            if (
                request.method in {"POST", "PUT", "PATCH"}
                and media_type
                and not (media_type == "application/json" or media_type.endswith("+json"))
            ):
                return problem_response(
                    ProblemError(
                        415,
                        "Unsupported media type",
                        "Send the body as JSON (Content-Type: application/json), "
                        f"not {media_type}.",
                        slug="unsupported-media-type",
                    )
                )
            response: Response = await handler(DecimalJSONRequest(request.scope, request.receive))
            return response

        return route_handler


class BodySizeLimit:
    """Refuses request bodies over the limit with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        seen = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        replaced = False

        async def guarded_send(message: Message) -> None:
            # The app may turn the aborted read into its own error answer: answer 413 instead.
            nonlocal replaced
            if too_large:
                if not replaced:
                    replaced = True
                    await self._refuse(scope, receive, send)
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not replaced:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            ProblemError(
                413,
                "Request body too large",
                f"The body is over the limit of {self.max_bytes} bytes.",
                slug="body-too-large",
            )
        )
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
