"""Every console form posts its session's CSRF token; a post without it changes nothing."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

from syncsvc.console.session import ConsoleSession

FIELD = "csrf"


async def form_fields(request: Request) -> dict[str, str]:
    """An url-encoded form's fields (the last value of each); anything else reads as empty."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[-1] for name, values in parse_qs(body).items()}


def accepted(session: ConsoleSession | None, fields: dict[str, str]) -> bool:
    return session is not None and session.accepts(fields.get(FIELD))
