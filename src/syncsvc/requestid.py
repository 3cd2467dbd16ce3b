"""Request ids: `X-Request-Id` taken from the caller (or made here), echoed on the answer, and
put on every log line written while the request is handled."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
# A caller's id is kept only when it is short and plain, so it cannot forge log fields.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("syncsvc_request_id", default=None)


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name.decode("latin-1").lower() == HEADER:
            given: str = value.decode("latin-1").strip()
            if _ACCEPTED.match(given):
                return given
            break
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost middleware: everything below it, error handlers included, logs with the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
