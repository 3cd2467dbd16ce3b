"""Framework-free helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from syncsvc.kit.cipher import TokenCipher, TokenCipherError
from syncsvc.kit.clock import FrozenClock, ensure_utc
from syncsvc.kit.hashing import content_hash
from syncsvc.kit.money import to_cents, to_four_places
from syncsvc.kit.signatures import constant_time_equals, hmac_sha256_base64, hmac_sha256_hex


@pytest.mark.parametrize(
    ("value", "cents"),
    [("1.005", "1.01"), ("-1.005", "-1.01"), ("2.675", "2.68"), ("0.125", "0.13"), ("3", "3.00")],
)
def test_to_cents_rounds_half_away_from_zero(value: str, cents: str) -> None:
    assert to_cents(Decimal(value)) == Decimal(cents)
    assert str(to_cents(Decimal(value))) == cents


def test_four_places() -> None:
    assert str(to_four_places(Decimal("33.333333"))) == "33.3333"


def test_content_hash_ignores_key_order() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


def test_cipher_round_trip_and_rotation() -> None:
    old, new = TokenCipher.generate_key(), TokenCipher.generate_key()
    stored = TokenCipher([old]).encrypt(b"refresh-token")
    assert b"refresh-token" not in stored
    rotated = TokenCipher([new, old])
    assert rotated.decrypt(stored) == b"refresh-token"
    with pytest.raises(TokenCipherError):
        TokenCipher([new]).decrypt(stored)
    with pytest.raises(ValueError, match="at least one key"):
        TokenCipher([])


def test_signatures() -> None:
    assert hmac_sha256_hex(b"k", b"body") == hmac_sha256_hex(b"k", b"body")
    assert len(hmac_sha256_base64(b"k", b"body")) == 44
    assert constant_time_equals("abc", b"abc")
    assert not constant_time_equals("abc", "abd")


def test_clock_helpers() -> None:
    naive = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - the case under test
    assert ensure_utc(naive).tzinfo is UTC
    plus_two = datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert ensure_utc(plus_two) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(minutes=5)
    assert clock() == datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
