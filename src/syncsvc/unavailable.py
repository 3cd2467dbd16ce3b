"""Database errors a request meets, decided here for every route at once: contention with
other writers (after a unit of work's own retries, or on a route without them) is a 503
"busy" the host may resend at once; the database not answering is a 503 with a longer
Retry-After; anything else is a 500, logged. Never a traceback to the host."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.responses import Response

from syncsvc.problems import ProblemError, problem_response
from syncsvc.unit_of_work import RETRY_AFTER_SECONDS as CONTENTION_RETRY_AFTER_SECONDS
from syncsvc.unit_of_work import busy_problem, is_contention

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
    return False


def install_unavailable_handler(app: FastAPI) -> None:
    async def on_database_error(request: Request, exc: Exception) -> Response:
        if is_contention(exc):
            log.warning(
                "request met contention",
                extra={"path": request.url.path, "reason": type(exc).__name__},
            )
            return problem_response(busy_problem(CONTENTION_RETRY_AFTER_SECONDS))
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
