"""Counting failed console sign-ins: per address, and across all addresses."""

from datetime import UTC, datetime, timedelta

from syncsvc.console.attempts import SignInAttempts

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_an_address_waits_until_its_oldest_counted_failure_leaves_the_window() -> None:
    attempts = SignInAttempts(per_address=3, overall=100)
    for minute in range(3):
        assert attempts.wait("10.0.0.1", NOW + timedelta(minutes=minute)) is None
        attempts.failed("10.0.0.1", NOW + timedelta(minutes=minute))
    assert attempts.wait("10.0.0.1", NOW + timedelta(minutes=3)) == timedelta(minutes=12)
    assert attempts.wait("10.0.0.2", NOW + timedelta(minutes=3)) is None
    assert attempts.wait("10.0.0.1", NOW + timedelta(minutes=15)) is None


def test_a_success_clears_only_its_own_address() -> None:
    attempts = SignInAttempts(per_address=2, overall=100)
    for address in ("10.0.0.1", "10.0.0.2"):
        attempts.failed(address, NOW)
        attempts.failed(address, NOW)
    attempts.succeeded("10.0.0.1")
    assert attempts.wait("10.0.0.1", NOW) is None
    assert attempts.wait("10.0.0.2", NOW) == timedelta(minutes=15)


def test_many_addresses_guessing_together_pause_everyone() -> None:
    attempts = SignInAttempts(per_address=5, overall=4)
    for number in range(4):
        attempts.failed(f"10.0.0.{number}", NOW + timedelta(seconds=number))
    assert attempts.wait("192.168.1.1", NOW + timedelta(seconds=10)) == timedelta(
        minutes=15, seconds=-10
    )
    assert attempts.wait("192.168.1.1", NOW + timedelta(minutes=15, seconds=1)) is None
