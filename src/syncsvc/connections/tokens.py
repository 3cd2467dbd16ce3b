"""Token sets in and out of their encrypted column; the plaintext never touches the database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from syncsvc.kit.cipher import TokenCipher
from syncsvc.kit.clock import ensure_utc
from syncsvc.providers.base import TokenSet


def seal(cipher: TokenCipher, token: TokenSet) -> bytes:
    document = {
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "expires_at": token.expires_at.isoformat(),
        "scope": token.scope,
    }
    return cipher.encrypt(json.dumps(document).encode())


def unseal(cipher: TokenCipher, blob: bytes) -> TokenSet:
    document = json.loads(cipher.decrypt(blob))
    return TokenSet(
        access_token=document["access_token"],
        refresh_token=document.get("refresh_token"),
        expires_at=ensure_utc(datetime.fromisoformat(document["expires_at"])),
        scope=document.get("scope"),
    )


def from_token_response(response: dict[str, Any], now: datetime) -> TokenSet:
    """A token endpoint's answer as a TokenSet; `expires_in` counts from `now`."""
    expires_in = float(response.get("expires_in") or 0)
    return TokenSet(
        access_token=str(response["access_token"]),
        refresh_token=response.get("refresh_token"),
        expires_at=now + timedelta(seconds=expires_in),
        scope=response.get("scope"),
    )
