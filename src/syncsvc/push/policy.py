"""What to do after a push attempt failed: a pure function of the error and the attempts.

Short waits are retried by the worker in memory; long waits are written to the record
(`next_attempt_at`) or to the connection (`paused_until`), so a restart loses nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from syncsvc.providers.errors import (
    Conflict,
    Locked,
    Misconfigured,
    NeedsReauth,
    ProviderError,
    RateLimited,
    RecordError,
    Transient,
)

BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(hours=1)
# After this many transient failures in a row the record is failed, so a person looks:
# with the backoff capped at an hour, about a day of retrying (Xero's longer outages last
# hours; a record should outlive them without anyone pressing retry).
MAX_TRANSIENT_ATTEMPTS = 30


class Action(StrEnum):
    RETRY_RECORD = "retry_record"  # this record again at `at`
    PAUSE_CONNECTION = "pause_connection"  # every record of the connection waits until `at`
    FAIL_RECORD = "fail_record"  # give up until the host changes it or asks for a retry
    REAUTHORISE = "reauthorise"  # connection needs the user; nothing retries until then
    REREAD_AND_RETRY = "reread_and_retry"  # stale version: fetch the provider's copy first


@dataclass(frozen=True)
class Decision:
    action: Action
    at: datetime | None = None
    reason: str = ""


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Exponential with full jitter: 5 s, 10 s, 20 s ... capped at an hour."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=rng.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))


def decide(error: ProviderError, attempts: int, now: datetime, rng: random.Random) -> Decision:
    """`attempts` counts this failure too (1 after the first failure)."""
    if isinstance(error, RateLimited):
        wait = timedelta(seconds=max(1.0, error.retry_after))
        reason = f"rate limited ({error.scope}); waiting {int(wait.total_seconds())} s"
        return Decision(Action.PAUSE_CONNECTION, now + wait, reason)
    if isinstance(error, NeedsReauth):
        return Decision(Action.REAUTHORISE, None, error.message)
    if isinstance(error, Conflict):
        return Decision(Action.REREAD_AND_RETRY, now, error.message)
    if isinstance(error, Locked | RecordError | Misconfigured):
        return Decision(Action.FAIL_RECORD, None, error.message)
    if isinstance(error, Transient):
        if attempts >= MAX_TRANSIENT_ATTEMPTS:
            return Decision(
                Action.FAIL_RECORD, None, f"gave up after {attempts} attempts: {error.message}"
            )
        return Decision(Action.RETRY_RECORD, now + backoff(attempts, rng), error.message)
    return Decision(Action.FAIL_RECORD, None, error.message)
