"""A request's writes as one unit of work that survives lock contention.

Postgres may still abort a transaction that met another one (a deadlock the lock order could
not rule out, a serialization failure), and SQLite answers "database is locked" when a writer
waited past its busy timeout. Neither says anything about the request: the same work in a
fresh transaction a moment later normally goes through. So the whole unit of work is run
again from the start (nothing of the aborted attempt survives: its transaction was rolled
back), a few times with jittered waits; only then is the host told 503 with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from syncsvc.db import transaction
from syncsvc.problems import ProblemError

log = logging.getLogger(__name__)
T = TypeVar("T")

# serialization_failure, deadlock_detected: the transaction was aborted to let another win.
CONTENTION_SQLSTATES = frozenset({"40001", "40P01"})
RETRY_AFTER_SECONDS = 1
_SQLITE_BUSY = ("database is locked", "database table is locked")


def is_contention(exc: BaseException) -> bool:
    """Did the database abort this transaction only because another one held what it
    needed? (Anything else, a constraint or a lost connection, is not retried here.)"""
    if not isinstance(exc, DBAPIError):
        return False
    original = exc.orig
    if getattr(original, "sqlstate", None) in CONTENTION_SQLSTATES:
        return True
    message = str(original).lower()
    return type(original).__name__ == "OperationalError" and any(
        busy in message for busy in _SQLITE_BUSY
    )


def busy_problem(retry_after: int) -> ProblemError:
    return ProblemError(
        503,
        "Busy",
        "Other writes to the same records kept this request from completing; nothing was "
        f"changed. Send it again after {retry_after} s.",
        slug="busy",
        headers={"Retry-After": str(retry_after)},
    )


@dataclass
class ContentionRetry:
    """How often and how long to wait: full jitter on a doubling cap, so requests that
    collided once do not collide again in step."""

    attempts: int = 4
    first_wait: float = 0.05
    longest_wait: float = 1.0
    retry_after_seconds: int = RETRY_AFTER_SECONDS
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def wait_before(self, attempt: int) -> float:
        """The wait before attempt number `attempt` (2 for the first retry)."""
        cap = min(self.longest_wait, self.first_wait * 2 ** (attempt - 2))
        return self.rng.uniform(0, cap)


async def run_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    retry: ContentionRetry,
    *,
    after_commit: Callable[[AsyncSession], None] | None = None,
) -> T:
    """`work` in a transaction of its own, committed when it returns; run again in a fresh
    transaction when the database aborted it for contention. `after_commit` runs once, for
    the attempt that committed. Other errors (a ProblemError: a 404, a 409) roll back and
    propagate at once."""
    attempt = 1
    while True:
        try:
            async with transaction(sessions) as session:
                result = await work(session)
        except DBAPIError as exc:
            if not is_contention(exc):
                raise
            if attempt >= retry.attempts:
                log.warning(
                    "write gave up after contention",
                    extra={"attempts": attempt, "reason": type(exc.orig).__name__},
                )
                raise busy_problem(retry.retry_after_seconds) from exc
            attempt += 1
            wait = retry.wait_before(attempt)
            log.info(
                "write retried after contention",
                extra={"attempt": attempt, "reason": type(exc.orig).__name__, "wait": wait},
            )
            await retry.sleep(wait)
            continue
        if after_commit is not None:
            after_commit(session)
        return result
