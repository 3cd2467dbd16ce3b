"""The database not answering is a 503 problem with Retry-After, decided here for every
route at once: the request was fine, the service cannot serve it just now."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.responses import Response

from syncsvc.problems import ProblemError, problem_response

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def is_connection_failure(exc: BaseException) -> bool:
    """The database could not be reached, or dropped the connection; not a failed query."""
    if isinstance(exc, PoolTimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    original = exc.orig
    module = type(original).__module__ if original is not None else ""
    if module.startswith("psycopg"):
        import psycopg

        # OperationalError covers "connection refused/failed/closed"; query errors
        # (a missing table, a constraint) are other classes and stay 500s.
        return isinstance(original, psycopg.OperationalError)
    # SQLite: another writer has held the file past the busy timeout.
    return "database is locked" in str(original)


def install_unavailable_handler(app: FastAPI) -> None:
    async def on_database_error(request: Request, exc: Exception) -> Response:
        if not is_connection_failure(exc):
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return problem_response(
                ProblemError(500, "Internal server error", "The error was logged.", slug="internal")
            )
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            type(getattr(exc, "orig", None) or exc).__name__,
        )
        return problem_response(
            ProblemError(
                503,
                "Service unavailable",
                "The database does not answer; try again shortly.",
                slug="database-unavailable",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        )

    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(PoolTimeoutError, on_database_error)
