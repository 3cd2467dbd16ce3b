"""The retry policy on its own: each error class leads to one action."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from syncsvc.providers.errors import (
    Conflict,
    Locked,
    Misconfigured,
    NeedsReauth,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)
from syncsvc.push.policy import MAX_TRANSIENT_ATTEMPTS, Action, backoff, decide

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("error", "action"),
    [
        (RateLimited("slow down", retry_after=30, scope="minute"), Action.PAUSE_CONNECTION),
        (RateLimited("tomorrow", retry_after=66975, scope="day"), Action.PAUSE_CONNECTION),
        (NeedsReauth("invalid_grant"), Action.REAUTHORISE),
        (Conflict("stale"), Action.REREAD_AND_RETRY),
        (Rejected("Invoice # must be unique."), Action.FAIL_RECORD),
        (Locked("The document date cannot be before the period lock date"), Action.FAIL_RECORD),
        (Misconfigured("no rounding account"), Action.FAIL_RECORD),
        (Transient("502", uncertain=True), Action.RETRY_RECORD),
        (ProviderError("odd"), Action.FAIL_RECORD),
    ],
)
def test_each_error_class_has_one_action(error: ProviderError, action: Action) -> None:
    assert decide(error, 1, NOW, random.Random(1)).action is action


def test_rate_limit_waits_as_long_as_the_provider_says() -> None:
    day = decide(RateLimited("day", retry_after=66975, scope="day"), 1, NOW, random.Random(1))
    assert day.at == NOW + timedelta(seconds=66975)
    assert "day" in day.reason


def test_refusals_keep_the_providers_words() -> None:
    message = "The contact name X is already assigned to another contact."
    assert decide(Rejected(message), 1, NOW, random.Random(1)).reason == message


def test_transient_backs_off_with_jitter_then_gives_up() -> None:
    rng = random.Random(7)
    waits = [backoff(n, rng).total_seconds() for n in range(1, 15)]
    assert 2.5 <= waits[0] <= 5
    assert 5 <= waits[1] <= 10
    assert all(w <= 3600 for w in waits)
    assert max(waits) >= 1800
    last = decide(Transient("502"), MAX_TRANSIENT_ATTEMPTS, NOW, rng)
    assert last.action is Action.FAIL_RECORD
    assert "gave up after" in last.reason
