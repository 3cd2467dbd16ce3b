"""The console's signed session cookie: who is signed in, until when, and the CSRF token
every form of the session carries.

The cookie holds no secret of its own: it is a small JSON document signed with a key derived
from the service's secret key and the admin token, so changing the admin token signs every
console user out. A visitor who has not signed in gets an unsigned-in session too, so the
login form carries a CSRF token like every other form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from syncsvc.kit.signatures import constant_time_equals, hmac_sha256_hex

COOKIE = "syncsvc_console"
COOKIE_PATH = "/console"
SIGNED_IN_FOR = timedelta(hours=8)
LOGIN_FORM_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class ConsoleSession:
    signed_in: bool
    csrf: str
    expires_at: datetime

    def accepts(self, sent_token: str | None) -> bool:
        """Whether a form's CSRF token is this session's (compared in constant time)."""
        return sent_token is not None and constant_time_equals(sent_token, self.csrf)


def signing_key(secret_key: str, admin_token: str) -> bytes:
    return hmac.new(
        secret_key.encode(), b"syncsvc console session\x00" + admin_token.encode(), hashlib.sha256
    ).digest()


def new_session(now: datetime, *, signed_in: bool) -> ConsoleSession:
    lifetime = SIGNED_IN_FOR if signed_in else LOGIN_FORM_FOR
    return ConsoleSession(signed_in, secrets.token_urlsafe(32), now + lifetime)


def encode(session: ConsoleSession, key: bytes) -> str:
    document = {
        "in": session.signed_in,
        "csrf": session.csrf,
        "exp": int(session.expires_at.timestamp()),
    }
    payload = base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    return f"{payload}.{hmac_sha256_hex(key, payload.encode())}"


def decode(value: str, key: bytes, now: datetime) -> ConsoleSession | None:
    """The session in a cookie value; None when it is forged, damaged or expired."""
    payload, _, signature = value.partition(".")
    if not payload or not constant_time_equals(signature, hmac_sha256_hex(key, payload.encode())):
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        document = json.loads(raw)
        expires_at = datetime.fromtimestamp(int(document["exp"]), tz=now.tzinfo)
        session = ConsoleSession(bool(document["in"]), str(document["csrf"]), expires_at)
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    return session if now < session.expires_at else None


def read(request: Request, key: bytes, now: datetime) -> ConsoleSession | None:
    value = request.cookies.get(COOKIE)
    return None if value is None else decode(value, key, now)


def attach(
    response: Response, session: ConsoleSession, key: bytes, now: datetime, *, secure: bool
) -> None:
    response.set_cookie(
        COOKIE,
        encode(session, key),
        max_age=max(0, int((session.expires_at - now).total_seconds())),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def clear(response: Response, *, secure: bool) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=secure)
